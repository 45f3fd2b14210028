// One verdict policy for the cold path (sandbox/run.cpp) and the fast path (sandbox/harness.cpp):
// what the supervisor and the kernel observed of a run, in, a (Verdict, message) out.
//
// SECURITY.md "Verdict categories come from the kernel": categories come from the kernel, never
// from the candidate. `timeout` comes only from the supervisor's own deadline or kill, or from the
// CPU count (a SIGKILL the supervisor did not send counts when the CPU used reaches the limit less
// a margin for the kernel's tick); `memory_limit` only from the memory cgroup's OOM counter;
// `forbidden_syscall` only from the seccomp listener (or, on a host whose policy kills because it
// has no listener, a SIGSYS); `output_limit` only from the supervisor's or zygote's byte counts.
// A candidate's exception name, message, exit code or self-sent signal never picks a category.
#pragma once

#include "sandbox/verdict.hpp"

#include <algorithm>
#include <string>

namespace assay::sandbox {

// A SIGKILL the supervisor did not send is a timeout when the CPU used is at least
// limit - cpu_margin_ms(limit): RLIMIT_CPU is checked on the kernel's tick, the cgroup count is
// read every few tens of ms, and the two need not agree to the millisecond.
[[nodiscard]] constexpr long cpu_margin_ms(long limit_ms) {
    return std::max(100L, limit_ms / 10);
}
// RLIMIT_CPU is only a backstop (for hosts without cgroup CPU accounting): the supervisor
// enforces the limit itself from the cgroup count, so the rlimit sits well above it.
[[nodiscard]] constexpr long cpu_backstop_ms(long limit_ms) {
    return limit_ms + std::max(1000L, limit_ms / 4);
}

// How the harness (the judge) says the program loaded. The harness decides `compile` (the code
// did not compile), not the candidate's exception name.
enum class LoadFailure { none, compile, timeout, error };

struct Observations {
    // Limits the run had.
    long cpu_limit_ms = 0;
    long wall_limit_ms = 0;
    long memory_limit_mb = 0;
    long output_limit_bytes = 0;

    // The harness itself broke (a malformed result line, ...): internal_error with this reason.
    std::string harness_failure;

    // Kernel and supervisor.
    std::string forbidden_syscall; // named by the seccomp user-notification listener
    bool seccomp_kills = false;    // the policy kills (no listener on this host): SIGSYS counts
    bool wall_timeout = false;     // the supervisor's (or the zygote's) wall deadline passed
    bool cpu_timeout = false;      // the supervisor killed the job at the CPU limit
    long cpu_ms = 0;               // CPU of the whole job (cgroup count where there is one)
    bool output_limit = false;     // the supervisor's or the zygote's byte count
    bool oom = false;              // the memory cgroup's OOM counter moved
    bool memory_cgroup = true;     // a memory cgroup limits the run (else RLIMIT_AS does)

    // How the program ended: a signal (0: it exited) or its exit code.
    int signal = 0;
    int exit_code = 0;

    // The fast path's harness (the judge's records and the zygotes' replies).
    bool worker_died = false; // a zygote died or never reported
    LoadFailure load = LoadFailure::none;
    std::string load_message;
    bool incomplete = false;      // not every case was reported, or no valid done record
    bool runner_vanished = false; // the judge saw the runner die during a case
};

struct Decision {
    Verdict verdict = Verdict::internal_error;
    std::string message;
    // The failure may have come from outside the job (a worker died; a SIGKILL or SIGPIPE the
    // supervisor did not send, e.g. another process's kill, or the judge closing the channel
    // at its own deadline under load): the job deserves one more run in fresh jails.
    bool run_again = false;
};

[[nodiscard]] Decision decide(const Observations& seen);

// Whether the CPU used counts as the limit reached (see cpu_margin_ms).
[[nodiscard]] bool cpu_exhausted(long cpu_ms, long limit_ms);

} // namespace assay::sandbox
