// The verdict vocabulary (README.md "Verdicts"). The jail produces verdicts, so it defines them;
// the orchestrator, store, exports and report use this one enum.
#pragma once

#include <optional>
#include <string_view>

namespace assay {

// How one jailed run ended.
enum class Verdict {
    ok,                // ran to completion (its test cases may still have failed)
    compile_error,     // did not parse or compile; never reached the jail's run step
    runtime_error,     // crashed, raised, or exited before reporting every case
    timeout,           // CPU or wall limit
    memory_limit,      // memory cgroup, RLIMIT_AS or MemoryError
    output_limit,      // stdout or stderr over its cap
    forbidden_syscall, // the seccomp policy killed it
    internal_error,    // the jail or harness failed, not the candidate
};

// How one test case ended.
enum class TestVerdict { passed, failed, error, timeout };

[[nodiscard]] std::string_view to_string(Verdict verdict);
[[nodiscard]] std::string_view to_string(TestVerdict verdict);
[[nodiscard]] std::optional<Verdict> parse_verdict(std::string_view text);
[[nodiscard]] std::optional<TestVerdict> parse_test_verdict(std::string_view text);

} // namespace assay
