// What `assay run` did: counts per stage, written to run_summary.json and the store's run row.
#pragma once

#include "pipeline/llm_summary.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace assay::pipeline {

// Counts per mutation operator.
struct MutantCounts {
    int generated = 0; // distinct mutants run
    int killed = 0;    // failed at least one test: a bug
    int survived = 0;  // passed every test
    int errored = 0;   // the run hit an internal error; not stored
};

// Counts per refactoring kind.
struct RefactorCounts {
    int generated = 0;
    int kept = 0; // passed every test
};

// What the decontaminate stage did (pipeline/stages/decontaminate.hpp).
struct DecontaminationCounts {
    std::vector<std::string> files;     // the benchmark files
    int benchmarks = 0;                 // benchmark problems loaded from them
    int checked = 0;                    // stored problems checked
    std::map<std::string, int> dropped; // problems left out of the exports, by rule

    [[nodiscard]] int total() const {
        int n = 0;
        for (const auto& [rule, count] : dropped)
            n += count;
        return n;
    }
};

struct RunSummary {
    int problems = 0;
    int references_passed = 0;
    struct LanguageCounts {
        int problems = 0;
        int references_passed = 0;
    };
    std::map<std::string, LanguageCounts> languages;      // by language name
    std::map<std::string, std::string> references_failed; // problem id → why
    std::map<std::string, MutantCounts> mutants;          // by operator
    std::map<std::string, RefactorCounts> refactorings;   // by kind
    std::map<std::string, double> mutation_scores;        // problem id → killed / stored
    std::map<std::string, std::size_t> exported;          // file name → rows
    std::optional<LlmSummary> llm;
    std::optional<DecontaminationCounts> decontamination; // absent: the stage did not run
    std::int64_t run_id = 0;
    int runs_died = 0; // earlier runs of the database found `running` with their process gone
    double seconds = 0;

    [[nodiscard]] nlohmann::json to_json() const;
    // A few lines for people: counts by kind, failures, wall time.
    [[nodiscard]] std::string describe() const;
};

// Per problem: what its derived programs came to.
struct ProblemTally {
    int killed = 0;   // mutants a test caught
    int survived = 0; // mutants that passed every test
    int kept = 0;     // refactorings that passed every test
};

} // namespace assay::pipeline
