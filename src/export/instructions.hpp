// The user turn of the bugfix and refactor rows in their prompt-completion and messages formats:
// the task in words a reader understands without the rest of the row, with the code fenced.
#pragma once

#include "core/problem.hpp"
#include "store/readers.hpp"

#include <string>

namespace assay::exports {

// The problem statement, the buggy program (`bug.code`) fenced, the first five failing tests
// (each with its name, its code when the problem has a test of that name, its verdict and
// message, indented; then how many more fail), and the request to reply with the whole
// corrected program.
[[nodiscard]] std::string bugfix_instruction(const Problem& problem,
                                             const store::CandidateRow& bug);

// The problem statement, the working program (`refactoring.parent_code`) fenced, and the request
// to apply the refactoring `refactoring.label` keeping its behaviour and the entry point's
// signature, replying with the whole refactored program.
[[nodiscard]] std::string refactor_instruction(const Problem& problem,
                                               const store::CandidateRow& refactoring);

} // namespace assay::exports
