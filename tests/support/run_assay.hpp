// Runs the built `assay` binary for black-box tests, and plain programs for comparisons.
#pragma once

#include "support/process.hpp"

#include <string>
#include <vector>

namespace assay::testing {

// ASSAY_BINARY with `args` (no shell): exit code, stdout, stderr.
inline Ran run_assay(const std::vector<std::string>& args) {
    return assay_binary(args);
}

// Any program's exit code, or -1 when it ran past `timeout_seconds` and was killed.
inline int run_program(const std::string& program, const std::vector<std::string>& args,
                       int timeout_seconds = 30) {
    const Ran ran = run_process(program, args, std::chrono::seconds(timeout_seconds));
    return ran.timed_out ? -1 : ran.exit_code;
}

} // namespace assay::testing
