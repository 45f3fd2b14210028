// What the exports read from the store: passing solutions, killed bugs, kept refactorings, model
// solutions with their standing, and trajectories, each with its problem. A candidate's standing
// is the newest execution of its code that ran every test of its problem (whichever candidate
// with that code it is stored under: executions are content-addressed): a run against some of
// them (a Reflexion attempt is run against the visible tests only) does not decide whether it
// passes. Every reader returns a failing statement as an error naming the database (see
// store.hpp); none throws.
#pragma once

#include "core/problem.hpp"
#include "sandbox/harness.hpp"
#include "store/store.hpp"
#include "store/trajectory_meta.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::store {

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
    // The reasoning of the llm call its meta names (`llm_call`: model samples, bugs and
    // refactorings), cut at 16 bytes per token asked for as the answer was; "" when it names
    // none, the call is not stored, or the call had none.
    std::string reasoning;
};

// How one stored execution went.
struct ExecutionSummary {
    std::int64_t id = 0;
    std::string verdict; // run level: ok, compile_error, timeout, ...
    bool passed = false; // run ok, every expected case reported and passed
    int tests_passed = 0;
    int tests_total = 0;
    std::string message; // why the run failed, or the first failing case's message
    std::optional<sandbox::CaseResult> first_failure; // the first case that did not pass
};

// A model's answer to a problem (kind solution, origin llm or sample) with its standing.
struct SolutionRow {
    std::int64_t id = 0;
    std::string problem_id;
    std::string origin;
    std::string code;
    ExecutionSummary standing;
};

// One step of a trajectory: the attempt, its execution (if recorded) and the texts around it.
struct StepRow {
    std::int64_t candidate = 0;
    std::string kind;
    std::string origin;
    std::string code;
    std::optional<ExecutionSummary> execution;
    std::string feedback;
    std::string reflection;
    // The reasoning of the call the trajectory's meta names for this step (`calls`), as
    // CandidateRow::reasoning; "" when there is none.
    std::string reasoning;
};

struct TrajectoryRow {
    std::int64_t id = 0;
    std::string key;
    std::string problem_id;
    bool solved = false;
    TrajectoryMeta meta;        // empty when the stored text is not a JSON object
    std::vector<StepRow> steps; // in order
    // The execution meta.final_run names (the final code against every test), if stored.
    std::optional<ExecutionSummary> final_execution;
};

// Every stored problem, by id.
[[nodiscard]] Expected<std::map<std::string, ProblemRecord>> problem_records(Store& db);

// Solutions and refactorings whose newest execution passed, by problem then id.
[[nodiscard]] Expected<std::vector<CandidateRow>> passing_solutions(Store& db);

// Bugs whose newest execution failed and whose parent passes, with their failing cases. Only
// bugs whose run ended on its own with the harness reporting every case (verdict ok): one that
// hung, was killed or flooded memory or output could make an exported test script hang rather
// than exit non-zero.
[[nodiscard]] Expected<std::vector<CandidateRow>> killed_bugs(Store& db);

// Refactorings whose newest execution passed and whose parent passes.
[[nodiscard]] Expected<std::vector<CandidateRow>> kept_refactorings(Store& db);

// Solutions of origin llm or sample that have a standing, by problem then id.
[[nodiscard]] Expected<std::vector<SolutionRow>> model_solutions(Store& db);

// Trajectories of `kind` ("reflexion", "bugfix") with their steps, by problem then id.
[[nodiscard]] Expected<std::vector<TrajectoryRow>> trajectories(Store& db, std::string_view kind);

// The distinct labels of the candidates of `kind` ("bug": mutation operators and bug categories;
// "refactor": refactoring kinds and goals), sorted: what an export's --kind can match.
[[nodiscard]] Expected<std::vector<std::string>> candidate_labels(Store& db, std::string_view kind);

// The distinct languages of the stored problems, sorted.
[[nodiscard]] Expected<std::vector<std::string>> problem_languages(Store& db);

} // namespace assay::store
