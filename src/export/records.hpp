// What the exports read from the store: passing solutions, killed bugs, kept refactorings, each
// with its problem. A candidate's standing is its newest execution that ran every test of its
// problem: a run against some of them (a Reflexion attempt is run against the visible tests
// only) does not decide whether it passes.
#pragma once

#include "core/problem.hpp"
#include "sandbox/harness.hpp"
#include "store/store.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace assay::exports {

// A stored problem and its mutation score (killed / stored mutants), if it has one.
struct ProblemRecord {
    Problem problem;
    std::optional<double> mutation_score;
};

// One candidate, with the code of its parent (empty when it has none).
struct CandidateRow {
    std::string problem_id;
    std::string kind;   // solution, bug, refactor, ...
    std::string origin; // seed, sample, mutation, llm
    std::string label;  // bug kind or refactoring kind
    std::string code;
    std::string parent_code;
    std::vector<sandbox::CaseResult> failing; // the cases that did not pass (bugs only)
};

// Every stored problem, by id.
[[nodiscard]] std::map<std::string, ProblemRecord> problem_records(store::Store& db);

// Solutions and refactorings whose newest execution passed, by problem then id.
[[nodiscard]] std::vector<CandidateRow> passing_solutions(store::Store& db);

// Bugs whose newest execution failed and whose parent passes, with their failing cases. Only
// bugs whose run ended on its own with the harness reporting every case (verdict ok): one that
// hung, was killed or flooded memory or output could make an exported test script hang rather
// than exit non-zero.
[[nodiscard]] std::vector<CandidateRow> killed_bugs(store::Store& db);

// Refactorings whose newest execution passed and whose parent passes.
[[nodiscard]] std::vector<CandidateRow> kept_refactorings(store::Store& db);

} // namespace assay::exports
