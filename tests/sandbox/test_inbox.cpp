#include "sandbox/inbox.hpp"

#include <atomic>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using assay::sandbox::Inbox;

TEST_CASE("sandbox::Inbox keeps what was written, up to its cap, and cannot be rewound") {
    auto inbox = Inbox::make(10);
    REQUIRE(inbox);
    const int end = inbox->program_end();
    CHECK(::write(end, "W 0 6\nfailed\n", 13) == 13);
    // What a file or a memfd would allow and a socket does not: shrink it, seek back, reopen.
    CHECK(::ftruncate(end, 0) != 0);
    CHECK(::lseek(end, 0, SEEK_SET) == -1);
    CHECK(::pwrite(end, "W 0 6\npassed\n", 13, 0) == -1);
    const std::string path = "/proc/self/fd/" + std::to_string(end);
    const int back = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    CHECK(back == -1);
    if (back >= 0) ::close(back);
    // Its end reads nothing back (this side never writes) and does not block.
    char b[16];
    CHECK(::recv(end, b, sizeof b, MSG_DONTWAIT) <= 0);

    inbox->pull(); // never blocks, with the writer still open
    CHECK(inbox->text() == "W 0 6\nfail");
    CHECK(inbox->truncated());
    CHECK(inbox->fd() >= 0);
}

TEST_CASE("sandbox::Inbox reads a writer larger than the socket's queue without blocking it") {
    auto inbox = Inbox::make(1 << 20);
    REQUIRE(inbox);
    const std::string chunk(4096, 'x');
    std::size_t written = 0;
    // Alternate writes (non-blocking, as far as the queue allows) and pulls.
    for (int k = 0; k < 400; ++k) {
        const ssize_t n = ::send(inbox->program_end(), chunk.data(), chunk.size(), MSG_DONTWAIT);
        if (n > 0) written += static_cast<std::size_t>(n);
        inbox->pull();
    }
    inbox->pull();
    CHECK(written >= 400 * 4096 - 4096);
    CHECK(inbox->text().size() == std::min<std::size_t>(written, 1 << 20));
    CHECK(inbox->truncated() == (written > (1 << 20)));
}

TEST_CASE("sandbox::Inbox: a writer as fast as the reader does not keep pull() from returning") {
    auto inbox = Inbox::make(64 << 20);
    REQUIRE(inbox);
    std::atomic<bool> stop{false};
    const int end = inbox->program_end();
    std::thread writer([&stop, end] {
        const std::string chunk(65536, 'y');
        while (!stop.load())
            (void)::send(end, chunk.data(), chunk.size(), MSG_DONTWAIT);
    });
    for (int k = 0; k < 5; ++k)
        inbox->pull(); // each returns after at most 16 reads of 64 KiB
    stop.store(true);
    writer.join();
    CHECK(inbox->text().size() <= 5u * 16 * 65536);
    inbox->drain();
    CHECK_FALSE(inbox->truncated());
}
