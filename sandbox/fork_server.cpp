#include "sandbox/fork_server.hpp"

#include "sandbox/harness_wire.hpp"
#include "sandbox/inbox.hpp"
#include "sandbox/verdict_policy.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/socket.h>

namespace assay::sandbox {

using namespace wire;

namespace {

// Why this side ended a job before the server replied, if it did.
enum class Stop { none, forbidden, wall, cpu, died };

long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

long number(const json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_number() ? it->get<long>() : 0;
}

// One captured stream of the reply: {"text", "kept", "total"}.
void stream(const json& reply, const char* key, std::string& text, bool& truncated) {
    const auto it = reply.find(key);
    if (it == reply.end() || !it->is_object()) return;
    const auto found = it->find("text");
    if (found != it->end() && found->is_string()) text = found->get<std::string>();
    truncated = number(*it, "total") > number(*it, "kept");
}

// How the child ended, from the reply's "child": {"state": exited|signaled|killed, ...}.
void child_status(const json& reply, RunResult& r) {
    const auto it = reply.find("child");
    const std::string state =
        it != reply.end() && it->is_object() && it->contains("state") && (*it)["state"].is_string()
            ? (*it)["state"].get<std::string>()
            : std::string();
    if (state == "exited") {
        r.exit_code = static_cast<int>(number(*it, "code"));
    } else if (state == "signaled") {
        r.signal = static_cast<int>(number(*it, "signal"));
    } else {
        r.signal = SIGKILL; // the server killed it (its wall deadline or the output limit)
    }
}

} // namespace

struct ForkServer::State {
    SpawnSpec spec;
    std::optional<JailedProcess> jail;
    util::Fd control;
    FrameReader reader;

    void stop() {
        if (jail) jail->kill();
        jail.reset();
        control.reset();
        reader = FrameReader();
    }

    [[nodiscard]] bool alive() const {
        if (!jail) return false;
        pollfd p{jail->pidfd(), POLLIN, 0};
        return ::poll(&p, 1, 0) == 0;
    }

    Expected<void> start() {
        stop();
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
            return fail_env("socketpair: {}", std::strerror(errno));
        util::Fd ours(pair[0]);
        util::Fd theirs(pair[1]);
        // Fds 4 and 5 hold /dev/null until the server has started: the interpreter's own
        // descriptors then lie above the numbers its children's job descriptors take.
        util::Fd placeholder(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!placeholder) return fail_env("/dev/null: {}", std::strerror(errno));
        SpawnSpec with_channel = spec;
        with_channel.pass_fds = {theirs.get(), placeholder.get(), placeholder.get()};
        with_channel.stdout_mode = Output::null;
        auto spawned = spawn(with_channel);
        if (!spawned) return Unexpected(spawned.error());
        jail.emplace(std::move(*spawned));
        theirs.reset();
        control = std::move(ours);
        if (tracing()) std::fputs("{\"fork_server\":\"start\"}\n", stderr);
        const auto deadline = Clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
        while (true) {
            if (auto message = reader.next()) {
                if (flag(*message, "ready")) return {};
                stop();
                return fail_env("the fork server sent an unexpected greeting");
            }
            pollfd p{control.get(), POLLIN, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) <= 0 || !reader.fill(control.get())) {
                std::string why = read_stderr();
                stop();
                return fail_env("the fork server did not start{}{}", why.empty() ? "" : ": ", why);
            }
        }
    }

    [[nodiscard]] std::string read_stderr() const {
        if (!jail || jail->stderr_fd() < 0) return {};
        pollfd p{jail->stderr_fd(), POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) return {};
        char buffer[4096];
        const ssize_t n = ::read(jail->stderr_fd(), buffer, sizeof buffer);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

    // Waits for the reply to the job just sent, enforcing the limits; the reply, or why not.
    // What the job writes into `inbox` (may be null) is read as it arrives.
    Stop await(const Limits& limits, long cpu_base, json& reply, std::string& forbidden,
               Inbox* inbox) {
        const auto deadline =
            Clock::now() + std::chrono::milliseconds(limits.wall_ms + kDeadlineMarginMs);
        while (true) {
            std::array<pollfd, 4> p{{{control.get(), POLLIN, 0},
                                     {jail->notify_fd(), POLLIN, 0},
                                     {jail->pidfd(), POLLIN, 0},
                                     {inbox != nullptr ? inbox->fd() : -1, POLLIN, 0}}};
            const int wait = std::min(remaining_ms(deadline), kCpuPollMs);
            if (::poll(p.data(), p.size(), wait) < 0 && errno != EINTR) return Stop::died;
            if (p[3].revents & (POLLIN | POLLHUP | POLLERR)) inbox->pull();
            if (p[1].revents & POLLIN) {
                forbidden = jail->receive_forbidden_syscall();
                if (!forbidden.empty()) return Stop::forbidden;
            }
            if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                if (!reader.fill(control.get())) return Stop::died;
                if (auto message = reader.next()) {
                    reply = std::move(*message);
                    return Stop::none;
                }
            }
            if (p[2].revents & POLLIN) return Stop::died;
            if (cpu_base >= 0 && jail->cpu_ms() - cpu_base >= limits.cpu_ms) return Stop::cpu;
            if (Clock::now() >= deadline) return Stop::wall;
        }
    }
};

ForkServer::ForkServer(SpawnSpec spec) : state_(std::make_unique<State>()) {
    // The server binds every dynamic symbol once at start-up, so that no forked child resolves
    // them again (and copies the pages the lazy binding writes).
    spec.env.push_back("LD_BIND_NOW=1");
    state_->spec = std::move(spec);
}
ForkServer::ForkServer(ForkServer&&) noexcept = default;
ForkServer& ForkServer::operator=(ForkServer&&) noexcept = default;
ForkServer::~ForkServer() {
    if (state_) state_->stop();
}

pid_t ForkServer::pid() const {
    return state_->alive() ? state_->jail->pid() : -1;
}

RunResult ForkServer::run(const std::string& code, std::array<int, 2> fds, Role role,
                          const Limits& limits, Inbox* inbox) {
    State& st = *state_;
    RunResult r;
    const auto start = Clock::now();
    if (!st.alive() || !st.control) {
        if (auto started = st.start(); !started) {
            r.message = started.error().describe();
            return r;
        }
    }
    r.strength = st.jail->strength();
    auto code_fd = memfd_with("assay-program", code);
    if (!code_fd) {
        r.message = code_fd.error().describe();
        return r;
    }
    // The server's child gets the code read-only: nothing can change it, and a kernel that
    // refuses to execute a file open for writing (ETXTBSY) executes it (the C++ server's).
    {
        const std::string path = "/proc/self/fd/" + std::to_string(code_fd->get());
        util::Fd read_only(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!read_only) {
            r.message =
                fmt::format("reopening the program's memfd {}: {}", path, std::strerror(errno));
            return r;
        }
        *code_fd = std::move(read_only);
    }
    const long cpu_base = st.jail->accounts_cpu() ? st.jail->cpu_ms() : -1;
    const json request = {{"op", "run"},
                          {"wall_ms", limits.wall_ms},
                          {"cpu_ms", limits.cpu_ms},
                          {"memory_mb", limits.memory_mb},
                          {"output_bytes", limits.output_bytes},
                          {"memory_cgroup", st.jail->limits_memory()},
                          {"judge", role == Role::judge}};
    json reply;
    std::string forbidden;
    Stop stop = Stop::died;
    if (send_frame(st.control.get(), frame(request), {code_fd->get(), fds[0], fds[1]}))
        stop = st.await(limits, cpu_base, reply, forbidden, inbox);
    code_fd->reset();
    if (inbox != nullptr) {
        // What the child wrote is all in the inbox's queue once it is gone: the server replied
        // after killing what the job left, or this side ends the jail (replaced below).
        if (stop != Stop::none) {
            st.jail->kill();
            st.jail->reap(true);
        }
        inbox->drain();
    }

    Observations seen;
    seen.cpu_limit_ms = limits.cpu_ms;
    seen.wall_limit_ms = limits.wall_ms;
    seen.memory_limit_mb = limits.memory_mb;
    seen.output_limit_bytes = static_cast<long>(limits.output_bytes);
    seen.forbidden_syscall = forbidden;
    seen.seccomp_kills = st.jail->notify_fd() < 0;
    seen.wall_timeout = stop == Stop::wall || flag(reply, "timed_out");
    seen.cpu_timeout = stop == Stop::cpu;
    seen.output_limit = flag(reply, "output_limit");
    seen.oom = st.jail->oom_killed();
    seen.memory_cgroup = st.jail->limits_memory();
    seen.worker_died = stop == Stop::died;
    r.cpu_ms = cpu_base >= 0 ? std::max(0L, st.jail->cpu_ms() - cpu_base) : number(reply, "cpu_ms");
    if (stop == Stop::none) {
        child_status(reply, r);
        r.peak_rss_kb = number(reply, "peak_rss_kb");
        stream(reply, "stdout", r.stdout_text, r.stdout_truncated);
        stream(reply, "stderr", r.stderr_text, r.stderr_truncated);
    } else {
        r.signal = SIGKILL;
    }
    seen.cpu_ms = r.cpu_ms;
    seen.signal = r.signal;
    seen.exit_code = r.exit_code;
    Decision d = decide(seen);
    r.verdict = d.verdict;
    r.message = std::move(d.message);
    r.forbidden_syscall = r.verdict == Verdict::forbidden_syscall
                              ? (forbidden.empty() ? std::string("unknown") : forbidden)
                              : std::string();
    r.wall_ms = ms_since(start);
    // Anything but a clean end gets the next job a fresh jail.
    if (stop != Stop::none || seen.oom || !flag(reply, "clean") || flag(reply, "retire")) st.stop();
    return r;
}

} // namespace assay::sandbox
