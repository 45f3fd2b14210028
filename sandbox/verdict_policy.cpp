#include "sandbox/verdict_policy.hpp"

#include <csignal>
#include <cstring>
#include <fmt/format.h>

namespace assay::sandbox {

namespace {

std::string signal_name(int sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

} // namespace

bool cpu_exhausted(long cpu_ms, long limit_ms) {
    return limit_ms > 0 && cpu_ms >= limit_ms - cpu_margin_ms(limit_ms);
}

namespace {
Decision decide_verdict(const Observations& seen);
} // namespace

Decision decide(const Observations& seen) {
    Decision decision = decide_verdict(seen);
    // A runtime error that a worker's death or a SIGKILL/SIGPIPE the supervisor did not send
    // came with (at load or later) may have come from outside the job.
    decision.run_again = decision.verdict == Verdict::runtime_error &&
                         (seen.worker_died || seen.signal == SIGKILL || seen.signal == SIGPIPE);
    return decision;
}

namespace {
Decision decide_verdict(const Observations& seen) {
    auto with_memory_note = [&seen](std::string message) {
        if (!seen.memory_cgroup)
            message += " (no memory cgroup on this host: the memory limit is RLIMIT_AS, whose "
                       "refusals cannot be told from the program's own errors)";
        return message;
    };
    if (!seen.harness_failure.empty()) return {Verdict::internal_error, seen.harness_failure};
    if (!seen.forbidden_syscall.empty())
        return {Verdict::forbidden_syscall,
                fmt::format("the jail refused the system call '{}'", seen.forbidden_syscall)};
    if (seen.seccomp_kills && seen.signal == SIGSYS)
        return {Verdict::forbidden_syscall,
                "killed by SIGSYS: the seccomp policy refused a system call"};
    if (seen.wall_timeout)
        return {Verdict::timeout, fmt::format("wall-clock limit of {} ms", seen.wall_limit_ms)};
    if (seen.cpu_timeout ||
        (seen.signal == SIGKILL && cpu_exhausted(seen.cpu_ms, seen.cpu_limit_ms)))
        return {Verdict::timeout, fmt::format("CPU time limit of {} ms", seen.cpu_limit_ms)};
    if (seen.output_limit)
        return {Verdict::output_limit,
                fmt::format("output over the limit of {} bytes", seen.output_limit_bytes)};
    if (seen.oom)
        return {Verdict::memory_limit, fmt::format("memory limit of {} MB", seen.memory_limit_mb)};
    if (seen.worker_died)
        // A zygote never runs job code, so a worker dying during a job was most likely pushed
        // by the job: the candidate fails, and the slot gets fresh jails.
        return {Verdict::runtime_error, "the jailed worker died during the job"};
    switch (seen.load) {
    case LoadFailure::compile:
        return {Verdict::compile_error, seen.load_message};
    case LoadFailure::timeout: // the time did not run out as far as the supervisor saw
    case LoadFailure::error:
        return {Verdict::runtime_error, with_memory_note(seen.load_message)};
    case LoadFailure::none:
        break;
    }
    if (seen.incomplete)
        return {Verdict::runtime_error,
                with_memory_note("the harness did not report every test case")};
    if (seen.signal != 0)
        return {Verdict::runtime_error,
                fmt::format("the program was killed by {}", signal_name(seen.signal))};
    if (seen.exit_code != 0)
        return {Verdict::runtime_error,
                with_memory_note(fmt::format("the program exited with code {}", seen.exit_code))};
    if (seen.runner_vanished)
        return {Verdict::runtime_error, "the program ended during a test case"};
    return {Verdict::ok, {}};
}

} // namespace

} // namespace assay::sandbox
