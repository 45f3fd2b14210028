// The one verdict policy of the cold and fast paths: categories from the kernel and the
// supervisor only, in one order.
#include "sandbox/verdict_policy.hpp"

#include <csignal>
#include <doctest/doctest.h>

using namespace assay;
using sandbox::decide;
using sandbox::LoadFailure;
using sandbox::Observations;

namespace {
Observations base() {
    Observations o;
    o.cpu_limit_ms = 1000;
    o.wall_limit_ms = 4000;
    o.memory_limit_mb = 256;
    o.output_limit_bytes = 65536;
    return o;
}
} // namespace

TEST_CASE("sandbox::verdict_policy margins") {
    CHECK(sandbox::cpu_margin_ms(500) == 100);
    CHECK(sandbox::cpu_margin_ms(10'000) == 1000);
    CHECK(sandbox::cpu_backstop_ms(2000) == 3000);
    CHECK(sandbox::cpu_backstop_ms(10'000) == 12'500);
    CHECK(sandbox::cpu_exhausted(900, 1000));
    CHECK_FALSE(sandbox::cpu_exhausted(899, 1000));
}

TEST_CASE("sandbox::decide") {
    SUBCASE("a clean exit is ok") {
        CHECK(decide(base()).verdict == Verdict::ok);
    }
    SUBCASE("the listener names a forbidden call, and that wins") {
        auto o = base();
        o.forbidden_syscall = "ptrace";
        o.wall_timeout = o.oom = o.output_limit = true;
        auto d = decide(o);
        CHECK(d.verdict == Verdict::forbidden_syscall);
        CHECK(d.message.find("ptrace") != std::string::npos);
    }
    SUBCASE("a harness failure is internal_error before anything else") {
        auto o = base();
        o.harness_failure = "malformed result line: x";
        o.forbidden_syscall = "ptrace";
        CHECK(decide(o).verdict == Verdict::internal_error);
    }
    SUBCASE("SIGSYS is forbidden_syscall only where the policy kills") {
        auto o = base();
        o.signal = SIGSYS;
        CHECK(decide(o).verdict == Verdict::runtime_error);
        o.seccomp_kills = true;
        CHECK(decide(o).verdict == Verdict::forbidden_syscall);
    }
    SUBCASE("timeouts: the supervisor's deadline or kill, or SIGKILL at the CPU count") {
        auto o = base();
        o.wall_timeout = true;
        CHECK(decide(o).verdict == Verdict::timeout);
        o = base();
        o.cpu_timeout = true;
        CHECK(decide(o).verdict == Verdict::timeout);
        o = base();
        o.signal = SIGKILL;
        o.cpu_ms = 905; // RLIMIT_CPU's tick fired a little before the cgroup count
        CHECK(decide(o).verdict == Verdict::timeout);
        o.cpu_ms = 500; // a SIGKILL long before the limit: someone else's
        CHECK(decide(o).verdict == Verdict::runtime_error);
        o = base();
        o.signal = SIGXCPU; // self-sent: the kernel's backstop would be SIGKILL
        o.cpu_ms = 2000;
        CHECK(decide(o).verdict == Verdict::runtime_error);
    }
    SUBCASE("output before memory, memory only from the OOM counter") {
        auto o = base();
        o.output_limit = o.oom = true;
        CHECK(decide(o).verdict == Verdict::output_limit);
        o.output_limit = false;
        CHECK(decide(o).verdict == Verdict::memory_limit);
        o = base();
        o.exit_code = 1; // a MemoryError traceback, whoever raised it
        CHECK(decide(o).verdict == Verdict::runtime_error);
        o.memory_cgroup = false;
        auto d = decide(o);
        CHECK(d.verdict == Verdict::runtime_error);
        CHECK(d.message.find("no memory cgroup") != std::string::npos);
    }
    SUBCASE("load failures as the harness classed them") {
        auto o = base();
        o.load = LoadFailure::compile;
        o.load_message = "SyntaxError: x";
        CHECK(decide(o).verdict == Verdict::compile_error);
        CHECK(decide(o).message == "SyntaxError: x");
        o.load = LoadFailure::timeout;
        CHECK(decide(o).verdict == Verdict::runtime_error);
        o.cpu_timeout = true;
        CHECK(decide(o).verdict == Verdict::timeout);
        o = base();
        o.load = LoadFailure::error;
        CHECK(decide(o).verdict == Verdict::runtime_error);
    }
    SUBCASE("a dead worker, missing cases, a signal, an exit code") {
        auto o = base();
        o.worker_died = true;
        CHECK(decide(o).verdict == Verdict::runtime_error);
        o = base();
        o.incomplete = true;
        CHECK(decide(o).verdict == Verdict::runtime_error);
        o = base();
        o.signal = SIGSEGV;
        CHECK(decide(o).message == "the program was killed by SIGSEGV");
        o = base();
        o.exit_code = 3;
        CHECK(decide(o).message == "the program exited with code 3");
        o = base();
        o.runner_vanished = true;
        CHECK(decide(o).verdict == Verdict::runtime_error);
    }
    SUBCASE("what may come from outside the job is run again; the job's own failures are not") {
        auto o = base();
        o.worker_died = true;
        CHECK(decide(o).run_again);
        for (const int signal : {SIGKILL, SIGPIPE}) {
            o = base();
            o.signal = signal;
            CHECK(decide(o).verdict == Verdict::runtime_error);
            CHECK(decide(o).run_again);
        }
        o = base();
        o.signal = SIGSEGV;
        CHECK_FALSE(decide(o).run_again);
        o = base();
        o.exit_code = 1;
        CHECK_FALSE(decide(o).run_again);
        o = base();
        o.signal = SIGKILL;
        o.oom = true;
        CHECK(decide(o).verdict == Verdict::memory_limit);
        CHECK_FALSE(decide(o).run_again);
        CHECK_FALSE(decide(base()).run_again);
    }
}
