// What a database holds, counted (assay stats).
#pragma once

#include "store/store.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace assay::store {

// Row counts by a key, keys in byte order.
using Counts = std::map<std::string, std::int64_t>;

struct DatabaseStats {
    int schema_version = 0;
    Counts problems;     // by source: bank, humaneval, mbpp, llm
    Counts candidates;   // by "kind/origin"
    Counts verdicts;     // executions by run verdict
    Counts passed;       // executions: "passed" or "failed"
    Counts runs;         // by "command:status"
    Counts trajectories; // by "kind/solved" or "kind/unsolved"
    Counts llm_calls;    // by "model finish_reason"
    Counts difficulty;   // problems by measured solve difficulty, where measured
    Counts exclusions;   // problems left out of the exports, by rule (store/exclusions.hpp)
    // Every figure above that belongs to a problem, per problem language: "problems",
    // "candidates", "verdicts", "passed", "trajectories", "difficulty", "exclusions" →
    // the same keys as above.
    std::map<std::string, std::map<std::string, Counts>> by_language;
};

// DatabaseStats::by_language alone (inside a guarded read: a failing statement throws).
[[nodiscard]] std::map<std::string, std::map<std::string, Counts>> counts_by_language(Store& db);

// The counts; a failing statement is an error naming the database.
[[nodiscard]] Expected<DatabaseStats> database_stats(Store& db);

} // namespace assay::store
