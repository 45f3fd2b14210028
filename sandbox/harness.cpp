#include "sandbox/harness.hpp"

#include "sandbox/harness_wire.hpp"
#include "sandbox/verdict_policy.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <poll.h>
#include <string_view>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <tuple>

namespace assay::sandbox {

using namespace wire;
using util::Fd;

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
            return fail_env("socketpair: {}", std::strerror(errno));
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
                if (flag(*message, "ready")) return {};
                stop();
                return fail_env("the jailed worker sent an unexpected greeting");
            }
            pollfd p{control.get(), POLLIN, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) <= 0 || !reader.fill(control.get())) {
                std::string why = read_stderr();
                stop();
                return fail_env("the jailed worker did not start{}{}", why.empty() ? "" : ": ",
                                why);
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

namespace {

// The workers of a slot, by index.
enum Role : std::size_t { kRunner = 0, kJudge = 1, kRoles = 2 };

// One job on its way through a slot: a runner half and a judge half. Each half goes to its
// worker as soon as that worker has reported its previous job, so the runner of one job can
// start while the judge of the previous one is still busy. A worker holds one job at a time, so
// whatever a worker's jail reports (a forbidden call, an OOM kill, its death) belongs to the
// job it holds.
struct Flight {
    std::size_t id = 0;
    const HarnessJob* job = nullptr;
    std::string nonce;
    json request;                       // what every zygote gets (framed at send)
    Fd code, runner_end;                // the runner's descriptors, until sent
    Fd tests, results_write, judge_end; // the judge's, until sent
    Fd results;                         // our end of the result pipe; reset at EOF
    std::string lines;
    Observed seen;
    std::array<bool, 2> sent{}; // per half (0 runner, 1 judge)
    std::array<bool, 2> reported{};
    bool failed = false;     // trouble: complete with what is known
    std::string setup_error; // the job's descriptors could not be made
    Clock::time_point results_deadline = Clock::time_point::max();
    Trace trace;

    [[nodiscard]] bool complete() const {
        return failed || !setup_error.empty() || (reported[0] && reported[1] && !results);
    }
};

// The job's descriptors are closed here once sent, so that the result pipe reaches EOF when the
// judge and its zygote have closed their copies, and each end of the runner-judge channel is
// held by one child only.
std::unique_ptr<Flight> make_flight(std::size_t id, const HarnessJob& job) {
    auto f = std::make_unique<Flight>();
    f->id = id;
    f->job = &job;
    f->nonce = make_nonce();
    json tests = {{"nonce", f->nonce},
                  {"entry_point", job.entry_point},
                  {"setup", job.setup},
                  {"context", job.context}};
    tests["cases"] = json::array();
    for (const HarnessCase& c : job.cases)
        tests["cases"].push_back({{"name", c.name}, {"code", c.code}});
    auto code = memfd_with("assay-code", job.code);
    auto tests_fd =
        memfd_with("assay-tests", tests.dump(-1, ' ', false, json::error_handler_t::replace));
    int results[2];
    int channel[2];
    if (!code || !tests_fd || ::pipe2(results, O_CLOEXEC) != 0) {
        f->setup_error = "could not create the job's descriptors";
        return f;
    }
    f->results.reset(results[0]);
    f->results_write.reset(results[1]);
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0) {
        f->setup_error = "could not create the job's descriptors";
        return f;
    }
    f->runner_end.reset(channel[0]);
    f->judge_end.reset(channel[1]);
    f->code = std::move(*code);
    f->tests = std::move(*tests_fd);
    f->request = json({{"op", "run"},
                       {"wall_ms", job.limits.wall_ms},
                       {"cpu_ms", job.limits.cpu_ms},
                       {"memory_mb", job.limits.memory_mb},
                       {"output_bytes", job.limits.output_bytes}});
    return f;
}

bool reusable(const json& reply) {
    return flag(reply, "clean") && !flag(reply, "retire");
}

} // namespace

struct Zygote::State {
    std::array<Worker, kRoles> workers;
    // The job each worker holds, and when the supervisor gives up on it.
    std::array<Flight*, kRoles> holding{};
    std::array<Clock::time_point, kRoles> deadline{};
    // Each jail's cgroup CPU when it got the job it holds; -1 without CPU accounting.
    std::array<long, kRoles> cpu_base{-1, -1};

    Worker& worker(Role role) { return workers[role]; }

    void stop() {
        for (Worker& w : workers)
            w.stop();
        holding = {};
    }

    Expected<void> ensure_started(Worker& w) {
        if (w.alive() && w.ready) return {};
        ASSAY_TRY(w.launch());
        ASSAY_TRY(w.await_ready(Clock::now() + std::chrono::milliseconds(kStartTimeoutMs)));
        w.ready = true;
        return {};
    }

    // Hands `f`'s half for `role` to that worker, which must be idle.
    void send(Role role, Flight& f) {
        Worker& w = worker(role);
        const std::size_t half = role == kRunner ? 0 : 1;
        f.sent[half] = true;
        if (auto started = ensure_started(w); !started) {
            f.setup_error = started.error().describe();
            return;
        }
        // The zygote sets its child's RLIMIT_AS generously above the limit where a memory
        // cgroup decides (so that the cgroup's OOM kill, not a MemoryError, ends a memory bomb).
        json request = f.request;
        request["memory_cgroup"] = w.jail->limits_memory();
        // The job's CPU in this jail is its cgroup count from here on (every process the job
        // forks included); wait() enforces the limit on it in both jails.
        cpu_base[role] = w.jail->accounts_cpu() ? w.jail->cpu_ms() : -1;
        const std::string bytes = frame(request);
        bool delivered = false;
        if (role == kRunner) {
            // The job's CPU is the runner jail's cgroup count from here on (every process the
            // job forks included); wait() enforces the limit on it.
            f.seen.memory_cgroup = w.jail->limits_memory();
            f.seen.seccomp_kills = w.jail->notify_fd() < 0;
            delivered =
                bool(send_frame(w.control.get(), bytes, {f.code.get(), f.runner_end.get()}));
            f.code.reset();
            f.runner_end.reset();
        } else {
            delivered = bool(send_frame(w.control.get(), bytes,
                                        {f.tests.get(), f.results_write.get(), f.judge_end.get()}));
            f.tests.reset();
            f.results_write.reset();
            f.judge_end.reset();
        }
        holding[role] = &f;
        deadline[role] =
            Clock::now() + std::chrono::milliseconds(f.job->limits.wall_ms + kDeadlineMarginMs);
        f.trace.mark(role == kRunner ? "runner_sent" : "judge_sent");
        if (!delivered) trouble(role, [](Observed& seen) { seen.worker_died = true; });
    }

    // The worker `role` reported on the job it holds.
    // Returns false when the worker must be replaced.
    bool reported(Role role, const json& reply, Clock::time_point now) {
        Flight& f = *holding[role];
        holding[role] = nullptr;
        if (role == kRunner) note_cpu(f);
        (role == kRunner ? f.seen.runner_reply : f.seen.judge_reply) = reply;
        f.reported[role == kRunner ? 0 : 1] = true;
        f.trace.mark(role == kRunner ? "runner_reply" : "judge_reply");
        if (worker(role).new_oom()) f.seen.oom = true;
        if (f.reported[0] && f.reported[1])
            f.results_deadline = now + std::chrono::milliseconds(kDeadlineMarginMs);
        return !f.seen.oom && reusable(reply);
    }

    // Zygote::serve's loop: hand over what is complete, take a new job when the runner is free,
    // give every idle worker its waiting half, then wait for whatever comes first.
    std::deque<std::unique_ptr<Flight>> flights; // at most two: one finishing, one starting
    bool exhausted = false;                      // the source has no more jobs
    bool draining = false; // trouble: no new job until no worker holds one, then fresh jails

    void deliver(const ResultSink& done) {
        for (auto it = flights.begin(); it != flights.end();) {
            Flight& f = **it;
            if (!f.complete()) {
                ++it;
                continue;
            }
            JobResult result = f.setup_error.empty() ? interpret(*f.job, f.nonce, f.lines, f.seen)
                                                     : not_run(*f.job, f.setup_error);
            f.trace.mark("done");
            f.trace.print(f.seen.runner_reply, f.seen.judge_reply);
            for (std::size_t role = 0; role < kRoles; ++role)
                if (holding[role] == &f) {
                    // Still at work on a job that has ended (its other half could not start).
                    workers[role].stop();
                    holding[role] = nullptr;
                    draining = true;
                }
            done(f.id, std::move(result));
            it = flights.erase(it);
        }
        if (draining && std::all_of(holding.begin(), holding.end(), [](Flight* f) { return !f; })) {
            stop(); // the next job gets fresh workers
            draining = false;
        }
    }

    void admit(const JobSource& next) {
        const bool runner_wanted = std::any_of(
            flights.begin(), flights.end(), [](auto& f) { return !f->sent[0] && !f->complete(); });
        if (holding[kRunner] != nullptr || runner_wanted || draining || exhausted ||
            flights.size() >= 2)
            return;
        auto job = next();
        if (!job) {
            exhausted = true;
            return;
        }
        flights.push_back(make_flight(job->first, *job->second));
    }

    void dispatch() {
        for (const Role role : {kRunner, kJudge}) {
            if (holding[role] != nullptr) continue;
            for (auto& f : flights) {
                const std::size_t half = role == kRunner ? 0 : 1;
                if (!f->sent[half] && !f->complete()) {
                    send(role, *f);
                    break;
                }
            }
        }
    }

    void wait() {
        std::vector<pollfd> p;
        std::vector<Flight*> result_of; // for the first result_of.size() entries of p
        for (auto& f : flights)
            if (f->results && !f->complete()) {
                p.push_back({f->results.get(), POLLIN, 0});
                result_of.push_back(f.get());
            }
        const std::size_t workers_at = p.size();
        for (Worker& w : workers) {
            const bool live = w.jail.has_value() && w.control;
            p.push_back({live ? w.control.get() : -1, POLLIN, 0});
            p.push_back({live ? w.jail->notify_fd() : -1, POLLIN, 0});
            p.push_back({live ? w.jail->pidfd() : -1, POLLIN, 0});
        }
        auto wake = Clock::time_point::max();
        for (std::size_t role = 0; role < kRoles; ++role)
            if (holding[role] != nullptr) wake = std::min(wake, deadline[role]);
        for (auto& f : flights)
            if (f->reported[0] && f->reported[1]) wake = std::min(wake, f->results_deadline);
        if ((holding[kRunner] != nullptr && cpu_base[kRunner] >= 0) ||
            (holding[kJudge] != nullptr && cpu_base[kJudge] >= 0))
            wake = std::min(wake, Clock::now() + std::chrono::milliseconds(kCpuPollMs));
        const int ready = ::poll(p.data(), p.size(),
                                 wake == Clock::time_point::max() ? 1000 : remaining_ms(wake));
        if (ready < 0 && errno != EINTR) {
            for (const Role role : {kRunner, kJudge})
                if (holding[role] != nullptr)
                    trouble(role, [](Observed& seen) { seen.worker_died = true; });
            return;
        }
        const auto now = Clock::now();
        for (std::size_t i = 0; i < result_of.size(); ++i)
            if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) read_results(*result_of[i]);
        for (const Role role : {kRunner, kJudge})
            handle(role, &p[workers_at + 3 * role], now);
        check_cpu();
        for (auto& f : flights)
            if (f->results && f->reported[0] && f->reported[1] && now >= f->results_deadline) {
                // Both zygotes swept their jails, so no writer is left: stop waiting for EOF.
                f->results.reset();
                f->seen.deadline_hit = true;
            }
    }

    // A jail's CPU since it got the job it holds, or nullopt without accounting.
    std::optional<long> jail_cpu(Role role) const {
        const Worker& w = workers[role];
        if (cpu_base[role] < 0 || !w.jail) return std::nullopt;
        return std::max(0L, w.jail->cpu_ms() - cpu_base[role]);
    }

    void note_cpu(Flight& f) const {
        if (!f.seen.cpu_ms) f.seen.cpu_ms = jail_cpu(kRunner);
    }

    // SECURITY.md "The fast path": every job's total CPU is bounded, processes it forked included.
    // The supervisor kills the job itself when the runner jail's cgroup count reaches the limit,
    // and when the judge's does (a candidate's values could make the judge work for it: decoding,
    // comparing, a test's expected side computed in the judge's forked oracle).
    void check_cpu() {
        for (const Role role : {kRunner, kJudge}) {
            Flight* f = holding[role];
            if (f == nullptr) continue;
            const auto used = jail_cpu(role);
            if (used && *used >= f->job->limits.cpu_ms)
                trouble(role, [](Observed& seen) { seen.cpu_limit_hit = true; });
        }
    }

    static void read_results(Flight& f) {
        char buffer[65536];
        const ssize_t n = ::read(f.results.get(), buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
        if (n <= 0) {
            f.results.reset();
            f.trace.mark("results_eof");
        } else if (f.lines.size() < kMaxResultBytes) {
            f.lines.append(buffer, static_cast<std::size_t>(n));
        }
    }

    // What poll said about `role`'s control channel, seccomp listener and pidfd (q[0..2]).
    void handle(Role role, const pollfd* q, Clock::time_point now) {
        Worker& w = worker(role);
        Flight* f = holding[role];
        if (q[1].revents & POLLIN) {
            // Seccomp's verdict on a call the jail made: the job it holds ends here.
            std::string name = w.jail ? w.jail->receive_forbidden_syscall() : std::string();
            if (!name.empty() || f == nullptr) {
                trouble(role, [&name](Observed& seen) {
                    if (seen.forbidden_syscall.empty()) seen.forbidden_syscall = name;
                });
                return;
            }
        }
        if (q[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            json reply;
            if (!w.receive(reply)) {
                trouble(role, [](Observed& seen) { seen.worker_died = true; });
                return;
            }
            if (!reply.is_null()) {
                if (f == nullptr) { // a frame nobody asked for
                    trouble(role, [](Observed&) {});
                } else if (!reported(role, reply, now)) {
                    w.stop();
                    draining = true;
                }
                return;
            }
        }
        if ((q[2].revents & POLLIN) && f != nullptr) {
            trouble(role, [](Observed& seen) { seen.worker_died = true; });
            return;
        }
        if (f != nullptr && now >= deadline[role])
            trouble(role, [](Observed& seen) { seen.deadline_hit = true; });
    }

    // Something went wrong in `role`'s jail while it held a job: that job ends now with what is
    // known, the jail is killed, and so is every other worker that holds the same job.
    template <typename Note> void trouble(Role role, Note note) {
        Worker& w = worker(role);
        Flight* f = holding[role];
        if (f != nullptr) {
            if (holding[kRunner] == f) note_cpu(*f);
            note(f->seen);
            f->seen.oom = f->seen.oom || w.new_oom();
            f->failed = true;
        }
        w.stop();
        holding[role] = nullptr;
        for (std::size_t other = 0; other < kRoles; ++other)
            if (f != nullptr && holding[other] == f) {
                workers[other].stop();
                holding[other] = nullptr;
            }
        draining = true;
    }
};

Zygote::Zygote(SpawnSpec spec) : state_(std::make_unique<State>()) {
    // The zygote binds every dynamic symbol once at start-up, so that no forked child resolves
    // them again (and copies the pages the lazy binding writes).
    spec.env.push_back("LD_BIND_NOW=1");
    for (const auto& [role, name] : {std::pair{kRunner, "runner"}, std::pair{kJudge, "judge"}}) {
        Worker& w = state_->workers[role];
        w.spec = spec;
        w.spec.argv.push_back(name);
        if (role != kRunner && !w.spec.cgroup_name.empty())
            w.spec.cgroup_name += fmt::format("-{}", name);
    }
}
Zygote::Zygote(Zygote&&) noexcept = default;
Zygote& Zygote::operator=(Zygote&&) noexcept = default;
Zygote::~Zygote() {
    if (state_) state_->stop();
}

Expected<void> Zygote::launch() {
    for (Worker& worker : state_->workers)
        if (!worker.alive()) ASSAY_TRY(worker.launch());
    return {};
}

Expected<void> Zygote::await_started(std::chrono::steady_clock::time_point deadline) {
    for (Worker& worker : state_->workers)
        if (worker.control && !worker.ready) {
            ASSAY_TRY(worker.await_ready(deadline));
            worker.ready = true;
        }
    return {};
}

Expected<void> Zygote::ensure_started() {
    ASSAY_TRY(launch());
    return await_started(Clock::now() + std::chrono::milliseconds(kStartTimeoutMs));
}

JobResult Zygote::run(const HarnessJob& job) {
    return run_alone(job,
                     [this](const JobSource& next, const ResultSink& done) { serve(next, done); });
}

void Zygote::serve(const JobSource& next, const ResultSink& done) {
    State& st = *state_;
    st.flights.clear();
    st.exhausted = false;
    while (true) {
        st.deliver(done);
        st.admit(next);
        st.dispatch();
        if (st.flights.empty() && st.exhausted) return;
        if (std::any_of(st.flights.begin(), st.flights.end(),
                        [](auto& f) { return !f->complete(); }))
            st.wait();
    }
}

} // namespace assay::sandbox
