// What `assay report` reads from a database: the runs, executions by stage and outcome, each
// problem's outcome, bug and refactoring kinds, Reflexion trace lengths, the LLM calls, the
// problems decontamination left out (`exclusions`), and one problem's
// candidates with their runs. Plain structs; every text in them comes from the database and is
// untrusted (a problem id may hold markup). Readers return a failing statement as an error naming
// the database (store.hpp); none throws.
#pragma once

#include "store/exclusions.hpp"
#include "store/stats.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::store {

struct RunRow {
    std::int64_t id = 0;
    std::string command; // run, verify, ...
    std::string status;  // running, done, interrupted, failed, died
    std::string started_at;
    std::string finished_at; // "" while running
    std::string summary;     // the JSON summary finish_run recorded, "" when none
};

// One problem and what the runs learned about it. A solution is a candidate of kind solution or
// repair (references, model samples, imported samples, Reflexion attempts) judged by its standing
// (readers.hpp): the newest run of its code on every test.
struct ProblemOutcome {
    std::string id;
    std::string title;
    std::string source;     // bank, humaneval, mbpp, llm
    std::string difficulty; // as declared by the problem
    std::optional<bool> reference_passed;
    std::optional<double> mutation_score;
    std::optional<int> mutants_total;
    std::optional<double> solve_rate;            // sampled model solutions passing
    std::optional<std::string> solve_difficulty; // easy, medium, hard by solve_rate
    int solutions = 0;                           // solutions with a standing
    int solutions_passed = 0;
};

// Candidates of one kind (bug or refactor) with one label and origin, by their standing: a bug is
// `kept` when a test killed it (a survivor is `dropped`); a refactoring when it passed.
struct LabelTally {
    std::string label;
    std::string origin;
    std::int64_t kept = 0;
    std::int64_t dropped = 0;
};

// One Reflexion trajectory: how many attempts it took, and whether the last one passed.
struct TraceLength {
    int steps = 0;
    bool solved = false;
};

struct LlmCallRow {
    std::string model;
    std::string finish_reason;
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    double latency_ms = 0;
    int attempts = 0;
};

struct ReportData {
    int schema_version = 0;
    std::vector<RunRow> runs; // oldest first
    Counts problems;          // by source
    Counts candidates;        // by "kind/origin"
    // Executions by the stage that made their candidate (verify, mutate, refactor, solve, bugs,
    // reflexion, or the stage its meta names) and outcome: "passed", "tests failed" (the run was
    // ok, a test did not pass) or the run verdict (compile_error, timeout, ...).
    std::map<std::string, Counts> stage_outcomes;
    std::vector<ProblemOutcome> problems_by_id; // every problem, by id
    std::vector<LabelTally> bug_kinds;          // by label, origin
    std::vector<LabelTally> refactor_kinds;
    std::vector<TraceLength> reflexion; // by trajectory id
    std::vector<LlmCallRow> llm_calls;  // in the order recorded
    // What decontamination left out of the exports (store/exclusions.hpp), by problem then rule.
    std::vector<Exclusion> exclusions;
    // The counts of `assay stats` per problem language (store/stats.hpp).
    std::map<std::string, std::map<std::string, Counts>> by_language;
};

// One candidate of a problem with the newest run of its code (on any tests), if it ran.
struct CandidateOutcome {
    std::int64_t id = 0;
    std::string kind;
    std::string origin;
    std::string label;
    std::optional<std::string> verdict; // run verdict; nullopt when it never ran
    bool passed = false;
    int tests_passed = 0;
    int tests_total = 0;
    std::string message;
};

[[nodiscard]] Expected<ReportData> report_data(Store& db);

// The first `limit` candidates of `problem_id` (by id), with their newest runs.
[[nodiscard]] Expected<std::vector<CandidateOutcome>>
problem_candidates(Store& db, std::string_view problem_id, int limit);

} // namespace assay::store
