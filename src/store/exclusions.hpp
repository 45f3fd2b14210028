// The `exclusions` table: the problems that decontamination and near-duplicate removal leave out
// of the exports (pipeline/stages/decontaminate.hpp), each with the rule that matched, what it
// matched against and the score.
#pragma once

#include "store/store.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace assay::store {

struct Exclusion {
    std::string problem_id;
    // The candidate whose code matched (a model's sample), when it was not the problem's own
    // prompt or reference.
    std::optional<std::int64_t> candidate;
    std::string rule;    // e.g. "exact_solution", "ngram_prompt", "near_duplicate_prompt"
    std::string against; // a benchmark task id ("HumanEval/0") or the kept problem's id
    double score = 0;    // 1 for exact matches; the similarity or overlap otherwise
    std::int64_t run = 0;
};

// A stored program that answers a problem (kinds solution, refactor, repair), as decontamination
// reads it.
struct CandidateCode {
    std::int64_t id = 0;
    std::string problem_id;
    std::string code;
};
// Every such candidate, by problem id then candidate id.
[[nodiscard]] Expected<std::vector<CandidateCode>> candidate_codes(Store& db);

// Replaces every stored exclusion with `exclusions` (the newest decontamination decides). Throws
// FatalError when a statement fails, as the store's other writers.
void replace_exclusions(Store& db, const std::vector<Exclusion>& exclusions);

// Every stored exclusion, by problem id then rule.
[[nodiscard]] Expected<std::vector<Exclusion>> exclusions(Store& db);

// The ids of the problems with at least one exclusion.
[[nodiscard]] Expected<std::set<std::string>> excluded_problems(Store& db);

} // namespace assay::store
