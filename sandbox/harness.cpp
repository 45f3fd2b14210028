#include "sandbox/harness.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <algorithm>
#include <map>
#include <tuple>

namespace assay::sandbox {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using util::Fd;

constexpr std::size_t kMaxResultBytes = 32u << 20;
constexpr int kStartTimeoutMs = 15'000;
constexpr int kDeadlineMarginMs = 3'000;

Expected<Fd> memfd_with(const char* name, std::string_view content) {
    Fd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd) return fail("memfd_create: {}", std::strerror(errno));
    for (std::size_t done = 0; done < content.size();) {
        const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail("writing a memfd: {}", std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) return fail("lseek: {}", std::strerror(errno));
    return fd;
}

std::string make_nonce() {
    std::array<unsigned char, 16> bytes{};
    for (std::size_t got = 0; got < bytes.size();) {
        const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
        if (n > 0) got += static_cast<std::size_t>(n);
    }
    std::string out;
    for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
    return out;
}

std::string frame(const json& message) {
    const std::string body = message.dump();
    const auto size = static_cast<std::uint32_t>(body.size());
    std::string out = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                       static_cast<char>(size >> 8), static_cast<char>(size)};
    return out + body;
}

// Sends one frame with descriptors attached (SCM_RIGHTS).
Expected<void> send_frame(int socket, const std::string& bytes, const std::vector<int>& fds) {
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* header = CMSG_FIRSTHDR(&msg);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    while (sent >= 0 && static_cast<std::size_t>(sent) < bytes.size()) {
        const ssize_t more = ::send(socket, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (more < 0) return fail("sending a job: {}", std::strerror(errno));
        sent += more;
    }
    if (sent < 0) return fail("sending a job: {}", std::strerror(errno));
    return {};
}

// Accumulates bytes from the control socket and yields whole frames.
class FrameReader {
  public:
    // Reads what is available; false on EOF or error.
    bool fill(int fd) {
        char buffer[65536];
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) return errno == EINTR || errno == EAGAIN;
        if (n == 0) return false;
        data_.append(buffer, static_cast<std::size_t>(n));
        return true;
    }
    std::optional<json> next() {
        if (data_.size() < 4) return std::nullopt;
        const auto* p = reinterpret_cast<const unsigned char*>(data_.data());
        const std::size_t size = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                                 (std::size_t{p[2]} << 8) | std::size_t{p[3]};
        if (data_.size() < 4 + size) return std::nullopt;
        json message = json::parse(data_.begin() + 4, data_.begin() + 4 + static_cast<long>(size),
                                   nullptr, false);
        data_.erase(0, 4 + size);
        return message;
    }

  private:
    std::string data_;
};

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

} // namespace

int JobResult::passed() const {
    int n = 0;
    for (const CaseResult& c : cases) n += c.verdict == TestVerdict::passed ? 1 : 0;
    return n;
}

bool JobResult::all_passed() const {
    return verdict == Verdict::ok && !cases.empty() && passed() == static_cast<int>(cases.size());
}

JobResult interpret(const HarnessJob& job, const std::string& nonce, const std::string& lines,
                    const Observed& seen) {
    JobResult r;
    std::map<std::size_t, CaseResult> reported;
    json done;
    bool runner_vanished = false; // the judge saw the runner die during a case
    bool memory_error = false;    // a case ended in MemoryError
    std::size_t start = 0;
    while (start < lines.size()) {
        std::size_t end = lines.find('\n', start);
        if (end == std::string::npos) end = lines.size();
        json record = json::parse(lines.begin() + static_cast<long>(start),
                                  lines.begin() + static_cast<long>(end), nullptr, false);
        start = end + 1;
        if (!record.is_object() || record.value("nonce", "") != nonce) continue;
        if (record.value("done", false)) {
            if (done.is_null()) done = record;
            continue;
        }
        const auto index = record.value("i", -1L);
        const auto verdict = parse_test_verdict(record.value("verdict", ""));
        if (index < 0 || static_cast<std::size_t>(index) >= job.cases.size() || !verdict ||
            reported.contains(static_cast<std::size_t>(index)))
            continue;
        reported[static_cast<std::size_t>(index)] =
            CaseResult{job.cases[static_cast<std::size_t>(index)].name, *verdict,
                       record.value("message", ""), record.value("ms", 0.0)};
        runner_vanished = runner_vanished || record.value("runner_died", false);
        memory_error = memory_error || record.value("memory_error", false);
    }
    for (std::size_t i = 0; i < job.cases.size(); ++i) {
        auto it = reported.find(i);
        r.cases.push_back(it != reported.end()
                              ? it->second
                              : CaseResult{job.cases[i].name, TestVerdict::error,
                                           "no result was reported for this case", 0});
    }

    const json& reply = seen.runner_reply;
    const bool replied = reply.is_object() && seen.judge_reply.is_object();
    auto either = [&seen](const char* flag) {
        return (seen.runner_reply.is_object() && seen.runner_reply.value(flag, false)) ||
               (seen.judge_reply.is_object() && seen.judge_reply.value(flag, false));
    };
    for (const json* worker : {&seen.runner_reply, &seen.judge_reply}) {
        if (!worker->is_object()) continue;
        r.cpu_ms += worker->value("cpu_ms", 0L);
        r.wall_ms = std::max(r.wall_ms, worker->value("wall_ms", 0.0));
        r.peak_rss_kb = std::max(r.peak_rss_kb, worker->value("peak_rss_kb", 0L));
    }
    if (reply.is_object()) {
        for (auto [stream, text, truncated] :
             {std::tuple{"stdout", &r.stdout_text, &r.stdout_truncated},
              std::tuple{"stderr", &r.stderr_text, &r.stderr_truncated}}) {
            const json& s = reply.value(stream, json::object());
            *text = s.value("text", "");
            *truncated = s.value("total", 0UL) > text->size();
        }
    }
    const json runner = reply.is_object() ? reply.value("child", json::object()) : json::object();
    const int runner_signal = runner.value("state", "") == "signaled" ? runner.value("signal", 0) : 0;
    const bool cpu_exhausted = r.cpu_ms >= job.limits.cpu_ms;
    const std::string load_error = done.is_object() ? done.value("load_error_type", "") : "";

    auto set = [&r](Verdict v, std::string message) {
        r.verdict = v;
        r.message = std::move(message);
    };
    if (!seen.forbidden_syscall.empty()) {
        r.forbidden_syscall = seen.forbidden_syscall;
        set(Verdict::forbidden_syscall,
            fmt::format("the jail refused the system call '{}'", seen.forbidden_syscall));
    } else if (seen.deadline_hit || either("timed_out")) {
        set(Verdict::timeout, fmt::format("wall-clock limit of {} ms", job.limits.wall_ms));
    } else if (either("output_limit")) {
        set(Verdict::output_limit,
            fmt::format("output over the limit of {} bytes", job.limits.output_bytes));
    } else if (seen.oom || memory_error) {
        set(Verdict::memory_limit, fmt::format("memory limit of {} MB", job.limits.memory_mb));
    } else if (runner_signal == SIGXCPU || ((runner_signal == SIGKILL || runner_vanished) &&
                                            cpu_exhausted)) {
        set(Verdict::timeout, fmt::format("CPU limit of {} ms", job.limits.cpu_ms));
    } else if (runner_signal == SIGSYS) {
        r.forbidden_syscall = "unknown";
        set(Verdict::forbidden_syscall, "killed by SIGSYS");
    } else if (seen.worker_died || !replied) {
        // A zygote never runs job code, so a worker dying during a job was most likely pushed
        // by the job: the candidate fails, and the slot gets fresh jails.
        set(Verdict::runtime_error, "the jailed worker died during the job");
    } else if (load_error == "SyntaxError" || load_error == "IndentationError" ||
               load_error == "TabError") {
        set(Verdict::compile_error, done.value("message", ""));
    } else if (load_error == "Timeout") {
        set(Verdict::timeout, done.value("message", ""));
    } else if (!load_error.empty()) {
        set(Verdict::runtime_error, done.value("message", ""));
    } else if (done.is_null() || done.value("count", -1L) != static_cast<long>(job.cases.size()) ||
               reported.size() != job.cases.size()) {
        set(Verdict::runtime_error, "the harness did not report every test case");
    } else if (std::any_of(r.cases.begin(), r.cases.end(),
                           [](const CaseResult& c) { return c.verdict == TestVerdict::timeout; })) {
        set(Verdict::timeout, fmt::format("wall-clock limit of {} ms", job.limits.wall_ms));
    } else if (runner_signal != 0 || runner.value("code", 0) != 0 || runner_vanished) {
        set(Verdict::runtime_error,
            runner_signal != 0 ? fmt::format("the program was killed by signal {}", runner_signal)
                               : fmt::format("the program exited with code {}",
                                             runner.value("code", 0)));
    } else {
        r.verdict = Verdict::ok;
        for (const CaseResult& c : r.cases)
            if (c.verdict != TestVerdict::passed) {
                r.message = c.message;
                break;
            }
    }
    if (r.verdict == Verdict::timeout)
        for (CaseResult& c : r.cases)
            if (c.verdict == TestVerdict::error) {
                c.verdict = TestVerdict::timeout;
                break;
            }
    return r;
}

// One jailed zygote and the supervisor's end of its control channel.
struct Worker {
    SpawnSpec spec;
    std::optional<JailedProcess> jail;
    Fd control;
    FrameReader reader;
    bool oom_seen = false;
    bool ready = false; // the zygote has greeted us

    bool alive() const {
        if (!jail) return false;
        pollfd p{jail->pidfd(), POLLIN, 0};
        return ::poll(&p, 1, 0) == 0;
    }

    void stop() {
        if (jail) jail->kill();
        jail.reset();
        control.reset();
        reader = FrameReader();
        oom_seen = false;
        ready = false;
    }

    // Spawns the zygote; await_ready() then waits for its greeting. Two steps, so that several
    // workers boot at the same time.
    Expected<void> launch() {
        stop();
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
            return fail("socketpair: {}", std::strerror(errno));
        Fd ours(pair[0]);
        Fd theirs(pair[1]);
        SpawnSpec with_channel = spec;
        with_channel.pass_fds = {theirs.get()};
        with_channel.stdout_mode = Output::null;
        auto spawned = spawn(with_channel);
        if (!spawned) return Unexpected(spawned.error());
        jail.emplace(std::move(*spawned));
        theirs.reset();
        control = std::move(ours);
        return {};
    }

    Expected<void> await_ready(Clock::time_point deadline) {
        while (true) {
            if (auto message = reader.next()) {
                if (message->is_object() && message->value("ready", false)) return {};
                stop();
                return fail("the jailed worker sent an unexpected greeting");
            }
            pollfd p{control.get(), POLLIN, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) <= 0 || !reader.fill(control.get())) {
                std::string why = read_stderr();
                stop();
                return fail("the jailed worker did not start{}{}", why.empty() ? "" : ": ", why);
            }
        }
    }

    std::string read_stderr() const {
        if (!jail || jail->stderr_fd() < 0) return {};
        pollfd p{jail->stderr_fd(), POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) return {};
        char buffer[4096];
        const ssize_t n = ::read(jail->stderr_fd(), buffer, sizeof buffer);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

    // Reads what the control channel has; stores the reply when a whole frame is there.
    // False when the worker hung up.
    bool receive(json& reply) {
        if (!reader.fill(control.get())) return false;
        if (auto message = reader.next()) reply = std::move(*message);
        return true;
    }

    // Whether the jail's memory cgroup killed something since the last call that said so.
    bool new_oom() {
        if (oom_seen || !jail || !jail->oom_killed()) return false;
        return oom_seen = true;
    }
};

struct Zygote::State {
    Worker runner;
    Worker judge;

    void stop() {
        runner.stop();
        judge.stop();
    }

    // The job's descriptors are closed here once sent, so that the result pipe reaches EOF
    // when the judge and its zygote have closed their copies, and each end of the runner-judge
    // channel is held by one child only.
    Observed exchange(const HarnessJob& job, Fd code, Fd tests, Fd results_write, Fd& results,
                      std::string& lines) {
        Observed seen;
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            seen.worker_died = true;
            return seen;
        }
        Fd runner_end(pair[0]);
        Fd judge_end(pair[1]);
        const std::string request = frame({{"op", "run"},
                                           {"wall_ms", job.limits.wall_ms},
                                           {"cpu_ms", job.limits.cpu_ms},
                                           {"memory_mb", job.limits.memory_mb},
                                           {"output_bytes", job.limits.output_bytes}});
        const bool delivered =
            send_frame(runner.control.get(), request, {code.get(), runner_end.get()}) &&
            send_frame(judge.control.get(), request,
                       {tests.get(), results_write.get(), judge_end.get()});
        for (Fd* fd : {&code, &tests, &results_write, &runner_end, &judge_end}) fd->reset();
        if (!delivered) {
            seen.worker_died = true;
            return seen;
        }
        const auto deadline =
            Clock::now() + std::chrono::milliseconds(job.limits.wall_ms + kDeadlineMarginMs);
        bool results_open = true;
        while (seen.runner_reply.is_null() || seen.judge_reply.is_null() || results_open) {
            std::array<pollfd, 7> p{{{results_open ? results.get() : -1, POLLIN, 0},
                                     {runner.control.get(), POLLIN, 0},
                                     {judge.control.get(), POLLIN, 0},
                                     {runner.jail->notify_fd(), POLLIN, 0},
                                     {judge.jail->notify_fd(), POLLIN, 0},
                                     {runner.jail->pidfd(), POLLIN, 0},
                                     {judge.jail->pidfd(), POLLIN, 0}}};
            const int ready = ::poll(p.data(), p.size(), remaining_ms(deadline));
            if (ready < 0 && errno == EINTR) continue;
            if (ready <= 0) {
                seen.deadline_hit = true;
                break;
            }
            for (auto [index, worker] : {std::pair{3, &runner}, std::pair{4, &judge}})
                if (p[static_cast<std::size_t>(index)].revents & POLLIN)
                    if (seen.forbidden_syscall.empty())
                        seen.forbidden_syscall = worker->jail->receive_forbidden_syscall();
            if (!seen.forbidden_syscall.empty()) break;
            if (p[0].revents & (POLLIN | POLLHUP)) {
                char buffer[65536];
                const ssize_t n = ::read(results.get(), buffer, sizeof buffer);
                if (n <= 0) results_open = false;
                else if (lines.size() < kMaxResultBytes)
                    lines.append(buffer, static_cast<std::size_t>(n));
            }
            if (((p[1].revents & (POLLIN | POLLHUP)) && !runner.receive(seen.runner_reply)) ||
                ((p[2].revents & (POLLIN | POLLHUP)) && !judge.receive(seen.judge_reply)) ||
                ((p[5].revents & POLLIN) && seen.runner_reply.is_null()) ||
                ((p[6].revents & POLLIN) && seen.judge_reply.is_null())) {
                seen.worker_died = true;
                break;
            }
        }
        const bool runner_oom = runner.new_oom();
        const bool judge_oom = judge.new_oom();
        seen.oom = runner_oom || judge_oom;
        return seen;
    }
};

Zygote::Zygote(SpawnSpec spec) : state_(std::make_unique<State>()) {
    // The zygote binds every dynamic symbol once at start-up, so that no forked child resolves
    // them again (and copies the pages the lazy binding writes).
    spec.env.push_back("LD_BIND_NOW=1");
    state_->runner.spec = spec;
    state_->runner.spec.argv.push_back("runner");
    state_->judge.spec = std::move(spec);
    state_->judge.spec.argv.push_back("judge");
    if (!state_->judge.spec.cgroup_name.empty()) state_->judge.spec.cgroup_name += "-judge";
}
Zygote::Zygote(Zygote&&) noexcept = default;
Zygote& Zygote::operator=(Zygote&&) noexcept = default;
Zygote::~Zygote() {
    if (state_) state_->stop();
}

Expected<void> Zygote::launch() {
    for (Worker* worker : {&state_->runner, &state_->judge})
        if (!worker->alive()) ASSAY_TRY(worker->launch());
    return {};
}

Expected<void> Zygote::await_started(std::chrono::steady_clock::time_point deadline) {
    for (Worker* worker : {&state_->runner, &state_->judge})
        if (worker->control && !worker->ready) {
            ASSAY_TRY(worker->await_ready(deadline));
            worker->ready = true;
        }
    return {};
}

Expected<void> Zygote::ensure_started() {
    ASSAY_TRY(launch());
    return await_started(Clock::now() + std::chrono::milliseconds(kStartTimeoutMs));
}

JobResult Zygote::run(const HarnessJob& job) {
    auto internal = [&job](std::string message) {
        JobResult r;
        r.message = std::move(message);
        for (const HarnessCase& c : job.cases)
            r.cases.push_back({c.name, TestVerdict::error, "not run: " + r.message, 0});
        return r;
    };
    if (auto started = ensure_started(); !started) return internal(started.error().describe());
    const std::string nonce = make_nonce();
    json tests = {{"nonce", nonce}, {"entry_point", job.entry_point}, {"setup", job.setup}};
    tests["cases"] = json::array();
    for (const HarnessCase& c : job.cases) tests["cases"].push_back({{"name", c.name}, {"code", c.code}});
    auto code_fd = memfd_with("assay-code", job.code);
    auto tests_fd = memfd_with("assay-tests", tests.dump(-1, ' ', false, json::error_handler_t::replace));
    int pipe_fds[2];
    if (!code_fd || !tests_fd || ::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return internal("could not create the job's descriptors");
    Fd results(pipe_fds[0]);
    std::string lines;
    Observed seen = state_->exchange(job, std::move(*code_fd), std::move(*tests_fd),
                                     Fd(pipe_fds[1]), results, lines);
    const auto reusable = [](const json& reply) {
        return reply.is_object() && reply.value("clean", false) && !reply.value("retire", false);
    };
    if (!reusable(seen.runner_reply) || !reusable(seen.judge_reply) ||
        !seen.forbidden_syscall.empty() || seen.oom || seen.deadline_hit)
        state_->stop(); // the next job gets fresh workers
    return interpret(job, nonce, lines, seen);
}

ZygotePool::ZygotePool(const SpawnSpec& spec, int size) {
    for (int i = 0; i < size; ++i) {
        SpawnSpec slot = spec;
        if (!slot.cgroup_name.empty()) slot.cgroup_name += fmt::format("-{}", i);
        slots_.emplace_back(std::move(slot));
        free_.push_back(i);
    }
}

Expected<void> ZygotePool::start() {
    ASSAY_TRY(launch());
    return await_started();
}

Expected<void> ZygotePool::launch() {
    // Every jail boots at once: a zygote's start-up is mostly its own interpreter's.
    for (Zygote& z : slots_) ASSAY_TRY(z.launch());
    return {};
}

Expected<void> ZygotePool::await_started() {
    const auto deadline = Clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
    for (Zygote& z : slots_) ASSAY_TRY(z.await_started(deadline));
    return {};
}

JobResult ZygotePool::run(const HarnessJob& job) {
    int slot = 0;
    {
        std::unique_lock lock(mutex_);
        available_.wait(lock, [this] { return !free_.empty(); });
        slot = free_.back();
        free_.pop_back();
    }
    JobResult result = slots_[static_cast<std::size_t>(slot)].run(job);
    {
        std::lock_guard lock(mutex_);
        free_.push_back(slot);
    }
    available_.notify_one();
    return result;
}

} // namespace assay::sandbox
