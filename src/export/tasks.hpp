// Verifiable tasks for reinforcement learning (the shape KodCode and AceCoder publish, what
// GRPO-style trainers reward against): a problem, its tests as code and as a list, and how hard
// the pipeline's model found it.
#pragma once

#include "store/readers.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace assay::exports {

// How the model's samples of one problem fared.
struct SampleRecord {
    int samples = 0; // judged samples (internal errors not counted)
    int passed = 0;  // those whose standing passed every test
};

// Per problem id: the model's sampled solutions (store::model_solutions: origin llm or sample)
// with a standing, leaving out the problem's own reference (a candidate whose code is the
// problem's solution: the reference of an LLM-made problem is stored with origin llm) and runs
// that ended in internal_error.
[[nodiscard]] std::map<std::string, SampleRecord>
sample_records(const std::vector<store::SolutionRow>& solutions,
               const std::map<std::string, store::ProblemRecord>& problems);

// The tasks row: prompt, entry_point, language, tests (test_script: `reference + "\n\n" +
// tests` under python3 exits 0), test_setup, test_list (each test case's code, in order; each
// runs after test_setup with the program's names and `candidate` bound), reference (the passing
// reference), sample_pass_rate (passed / samples of `samples`; null when the model was not
// sampled on it), samples, stated_difficulty (the problem file's easy|medium|hard, null when it
// has none), problem_id, origin (the reference's: seed or llm), source (bank, humaneval, mbpp,
// llm).
[[nodiscard]] nlohmann::json task_row(const store::ProblemRecord& problem,
                                      const store::CandidateRow& reference,
                                      const std::optional<SampleRecord>& samples);

} // namespace assay::exports
