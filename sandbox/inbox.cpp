#include "sandbox/inbox.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace assay::sandbox {

Expected<Inbox> Inbox::make(std::size_t cap) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return fail_env("socketpair for a program's channel: {}", std::strerror(errno));
    Inbox inbox;
    inbox.ours_.reset(pair[0]);
    inbox.program_.reset(pair[1]);
    inbox.cap_ = cap;
    // This side only ever reads, the program's side only ever writes.
    ::shutdown(pair[0], SHUT_WR);
    const int flags = ::fcntl(pair[0], F_GETFL);
    if (flags < 0 || ::fcntl(pair[0], F_SETFL, flags | O_NONBLOCK) != 0)
        return fail_env("making a program's channel non-blocking: {}", std::strerror(errno));
    return inbox;
}

void Inbox::pull() {
    read_some(16);
}

void Inbox::drain() {
    // Bounded even if a writer outlived its jail (a weak jail without a cgroup): the cap and
    // a queue's worth more.
    read_some(cap_ / 65536 + 64);
}

void Inbox::read_some(std::size_t chunks) {
    std::array<char, 65536> buffer;
    for (std::size_t k = 0; open_ && k < chunks; ++k) {
        const ssize_t n = ::read(ours_.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) {
            open_ = false;
            return;
        }
        const std::size_t room = cap_ - std::min(cap_, text_.size());
        text_.append(buffer.data(), std::min(room, static_cast<std::size_t>(n)));
        if (static_cast<std::size_t>(n) > room) truncated_ = true;
    }
}

} // namespace assay::sandbox
