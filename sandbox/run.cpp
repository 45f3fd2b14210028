// The cold path: one jailed program from spawn to verdict. The supervisor polls the init's
// pidfd, the output pipes, the seccomp listener and the wall clock; everything it keeps is
// bounded by the output caps, and the whole tree is killed on every path out.
#include "sandbox/inbox.hpp"
#include "sandbox/jail.hpp"
#include "sandbox/verdict_policy.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>

namespace assay::sandbox {

namespace {

using Clock = std::chrono::steady_clock;

// Why the supervisor stopped the jail early, if it did.
enum class Stop { none, forbidden, output, wall, cpu };

constexpr int kCpuPollMs = 50;

long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// One captured output stream.
class Capture {
  public:
    Capture(int fd, std::size_t cap, std::string& text, bool& truncated)
        : fd_(fd), cap_(cap), text_(text), truncated_(truncated) {}

    [[nodiscard]] int fd() const { return open_ ? fd_ : -1; }

    // Reads what is available. Returns false once more than the cap has arrived.
    bool drain() {
        std::array<char, 65536> buffer;
        while (open_) {
            const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return true;
            if (n <= 0) {
                open_ = false;
                return true;
            }
            const std::size_t room = cap_ - std::min(cap_, text_.size());
            text_.append(buffer.data(), std::min(room, static_cast<std::size_t>(n)));
            if (static_cast<std::size_t>(n) > room) {
                truncated_ = true;
                return false;
            }
        }
        return true;
    }

  private:
    int fd_;
    std::size_t cap_;
    std::string& text_;
    bool& truncated_;
    bool open_ = true;
};

void classify(RunResult& r, Stop stop, const Limits& limits, const JailedProcess& jail) {
    Observations seen;
    seen.cpu_limit_ms = limits.cpu_ms;
    seen.wall_limit_ms = limits.wall_ms;
    seen.memory_limit_mb = limits.memory_mb;
    seen.output_limit_bytes = static_cast<long>(limits.output_bytes);
    if (stop == Stop::forbidden) seen.forbidden_syscall = r.forbidden_syscall;
    seen.seccomp_kills = jail.notify_fd() < 0;
    seen.wall_timeout = stop == Stop::wall;
    seen.cpu_timeout = stop == Stop::cpu;
    seen.cpu_ms = r.cpu_ms;
    seen.output_limit = stop == Stop::output;
    seen.oom = jail.oom_killed();
    seen.memory_cgroup = jail.limits_memory();
    seen.signal = r.signal;
    seen.exit_code = r.exit_code;
    Decision d = decide(seen);
    r.verdict = d.verdict;
    r.message = std::move(d.message);
    if (r.verdict != Verdict::forbidden_syscall)
        r.forbidden_syscall.clear();
    else if (r.forbidden_syscall.empty())
        r.forbidden_syscall = "unknown";
}

} // namespace

RunResult run(const SpawnSpec& spec, const std::string& stdin_data, Inbox* inbox) {
    RunResult result;
    const Clock::time_point start = Clock::now();
    SpawnSpec with_stdin;
    const SpawnSpec* use = &spec;
    if (!stdin_data.empty() && !spec.stdin_pipe) {
        with_stdin = spec;
        with_stdin.stdin_pipe = true;
        use = &with_stdin;
    }
    auto spawned = spawn(*use);
    if (!spawned) {
        result.verdict = Verdict::internal_error;
        result.message = spawned.error().describe();
        result.wall_ms = ms_since(start);
        return result;
    }
    JailedProcess& jail = *spawned;
    result.strength = jail.strength();
    const Limits& limits = spec.limits;

    Capture out(jail.stdout_fd(), limits.output_bytes, result.stdout_text, result.stdout_truncated);
    Capture err(jail.stderr_fd(), limits.output_bytes, result.stderr_text, result.stderr_truncated);
    std::size_t stdin_sent = 0;
    if (jail.stdin_fd() >= 0 && stdin_data.empty()) jail.close_stdin();

    const Clock::time_point deadline = start + std::chrono::milliseconds(limits.wall_ms);
    Stop stop = Stop::none;
    while (stop == Stop::none) {
        std::array<pollfd, 6> fds{{
            {jail.pidfd(), POLLIN, 0},
            {jail.notify_fd(), POLLIN, 0},
            {out.fd(), POLLIN, 0},
            {err.fd(), POLLIN, 0},
            {jail.stdin_fd(), POLLOUT, 0},
            {inbox != nullptr ? inbox->fd() : -1, POLLIN, 0},
        }};
        const long left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count() +
            1;
        const int timeout = static_cast<int>(std::clamp(left, 0L, static_cast<long>(kCpuPollMs)));
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
        if (fds[1].revents & POLLIN) {
            result.forbidden_syscall = jail.receive_forbidden_syscall();
            if (!result.forbidden_syscall.empty()) {
                stop = Stop::forbidden;
                break;
            }
        }
        if ((fds[2].revents | fds[3].revents) & (POLLIN | POLLHUP | POLLERR)) {
            if (!out.drain() || !err.drain()) stop = Stop::output;
        }
        if (fds[5].revents & (POLLIN | POLLHUP | POLLERR)) inbox->pull();
        if (fds[4].revents & (POLLOUT | POLLERR | POLLHUP)) {
            const ssize_t n = ::send(jail.stdin_fd(), stdin_data.data() + stdin_sent,
                                     stdin_data.size() - stdin_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) stdin_sent += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EAGAIN) || stdin_sent == stdin_data.size()) jail.close_stdin();
        }
        if (stop != Stop::none || (fds[0].revents & POLLIN)) break;
        if (Clock::now() >= deadline)
            stop = Stop::wall;
        else if (jail.cpu_ms() >= limits.cpu_ms)
            stop = Stop::cpu;
    }
    jail.kill();
    jail.reap(true);
    // Every writer is dead now: what is left in the pipes is bounded by the pipe buffers.
    if (stop == Stop::none && (!out.drain() || !err.drain())) stop = Stop::output;
    if (inbox != nullptr) inbox->drain();

    result.exit_code = jail.exit_code();
    result.signal = jail.term_signal();
    result.cpu_ms = jail.cpu_ms();
    result.peak_rss_kb = jail.peak_rss_kb();
    result.wall_ms = ms_since(start);
    classify(result, stop, limits, jail);
    return result;
}

} // namespace assay::sandbox
