// The fast path (ARCHITECTURE.md "The fast path", SECURITY.md "The judge model"): each slot has two
// pre-initialised workers ("zygotes", testsuites/<lang>/zygote.py), each in its own jail. Per job
// the runner zygote forks a runner that gets only the candidate's code; the judge, a long-lived
// process that runs neither test code nor candidate code, gets the tests, the nonce and the result
// channel, keeps the expected side of each assertion and asks the runner, over a socket pair this
// side hands them, for the candidate's side, evaluated natively. This side collects the per-case
// results, checks their nonce and count, and turns everything into a verdict.
#pragma once

#include "sandbox/jail.hpp"
#include "sandbox/verdict.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace assay::sandbox {

// One test case as the harness runs it: test code over the candidate's top-level names, with
// `candidate` bound to the entry point; the judge splits it between itself and the runner.
struct HarnessCase {
    std::string name;
    std::string code;
};

struct HarnessJob {
    std::string code;        // the whole candidate program
    std::string entry_point; // bound to `candidate` in the test namespace
    std::string setup;       // test code run once before the cases (imports, helpers, check())
    // The problem's own code that the candidate's program continues (a HumanEval prompt): the
    // names it defines, but leaves to the candidate, bind to its definitions in the tests'
    // namespace, so a program that redefines them cannot replace the tests' oracle.
    std::string context;
    std::vector<HarnessCase> cases;
    Limits limits; // wall_ms, cpu_ms, memory_mb and output_bytes apply per job
};

struct CaseResult {
    std::string name;
    TestVerdict verdict = TestVerdict::error;
    std::string message; // the assertion or exception, for feedback; empty when passed
    double ms = 0;
};

struct JobResult {
    Verdict verdict = Verdict::internal_error;
    std::vector<CaseResult> cases; // one per HarnessJob case, in order
    long cpu_ms = 0;
    double wall_ms = 0;
    long peak_rss_kb = 0;
    std::string stdout_text;
    std::string stderr_text;
    bool stdout_truncated = false;
    bool stderr_truncated = false;
    std::string forbidden_syscall;
    std::string message; // why the verdict is not ok, or the first failing case's message
    // Not stored: the verdict may have been caused from outside the job (Decision::run_again);
    // an executor runs such a job once more and keeps that second result.
    bool run_again = false;

    [[nodiscard]] int passed() const;
    // The candidate passes: run ok, every expected case reported, every case passed.
    [[nodiscard]] bool all_passed() const;
};

// What the supervisor observed of one job, besides the judge's result lines.
struct Observed {
    nlohmann::json runner_reply;   // the runner zygote's "done" frame (null if none came)
    nlohmann::json judge_reply;    // the judge zygote's
    std::string forbidden_syscall; // named by the seccomp listener
    bool deadline_hit = false;     // the supervisor's own deadline (wall limit + margin)
    bool worker_died = false;
    bool oom = false;           // a memory cgroup killed something during the job
    bool cpu_limit_hit = false; // the supervisor killed the job at its CPU limit
    std::optional<long> cpu_ms; // the runner jail's cgroup CPU over the job, if counted
    bool memory_cgroup = true;  // a memory cgroup limits the runner's jail
    bool seccomp_kills = false; // the policy kills (no seccomp listener): SIGSYS counts
};

// The verdict of one job from the judge's result lines and what was observed (the policy is
// sandbox/verdict_policy.hpp, shared with the cold path). Lines that are not JSON objects, carry
// no nonce or another job's, have an index out of range or repeat an index are ignored; a line
// of this job with a member of the wrong type (or a nonce that is not a string) makes the job
// internal_error ("malformed result line: ..."); a case with no line is an error, and the run is
// not ok unless the judge reported every case and finished. Never throws.
[[nodiscard]] JobResult interpret(const HarnessJob& job, const std::string& nonce,
                                  const std::string& lines, const Observed& seen);

// Where a slot gets its jobs: the next (caller's index, job), or nullopt when there are none.
// The job must stay alive until its result has been handed over.
using JobSource = std::function<std::optional<std::pair<std::size_t, const HarnessJob*>>()>;
// Receives each job's result, with the caller's index, on the thread that runs the slot.
using ResultSink = std::function<void(std::size_t, JobResult)>;

// One slot: a runner zygote and a judge zygote, each in its own jail. Not thread-safe: one
// caller at a time.
class Zygote {
  public:
    // `spec` runs the language's zygote command (the role, "runner" or "judge", is appended);
    // the control channel is added as fd 3.
    explicit Zygote(SpawnSpec spec);
    Zygote(Zygote&&) noexcept;
    Zygote& operator=(Zygote&&) noexcept;
    ~Zygote();

    // Starts both workers if they are not running; errors say why a jail could not start.
    [[nodiscard]] Expected<void> ensure_started();
    // Runs one job. Anything the candidate does yields a verdict; a broken worker is replaced.
    [[nodiscard]] JobResult run(const HarnessJob& job);
    // Runs jobs from `next` until it has none, handing each result to `done` (not necessarily
    // in order). Each zygote takes its half of the next job as soon as it has reported its half
    // of the previous one (so the runner of a job can start while the judge of the previous one
    // is still being swept), and never holds more than one job. Trouble in either jail (a
    // forbidden call, an OOM kill, a deadline, a worker that dies or reports leftovers) ends
    // the job it holds and replaces both workers once neither holds a job.
    void serve(const JobSource& next, const ResultSink& done);

  private:
    friend class ZygotePool;
    // ensure_started() in two steps: spawn what is not running, then wait for the greetings.
    [[nodiscard]] Expected<void> launch();
    [[nodiscard]] Expected<void> await_started(std::chrono::steady_clock::time_point deadline);

    struct State;
    std::unique_ptr<State> state_;
};

// A fixed set of zygotes shared by worker threads.
class ZygotePool {
  public:
    ZygotePool(const SpawnSpec& spec, int size);
    // Starts every worker now (on this thread), so a slow or broken host fails early.
    [[nodiscard]] Expected<void> start();
    // start() in two steps, so that the caller can work while the jails boot: launch() spawns
    // every worker, await_started() waits until all have greeted (or says why one did not).
    [[nodiscard]] Expected<void> launch();
    [[nodiscard]] Expected<void> await_started();
    // Runs `job` on the first free worker; blocks while all are busy.
    [[nodiscard]] JobResult run(const HarnessJob& job);
    // Zygote::serve on the first free slot, which this caller keeps until `next` runs dry.
    void serve(const JobSource& next, const ResultSink& done);

  private:
    std::vector<Zygote> slots_;
    std::vector<int> free_;
    std::mutex mutex_;
    std::condition_variable available_;
};

} // namespace assay::sandbox
