// What the LLM stages asked for, kept and rejected: the `llm` part of a run's summary.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace assay::pipeline {

// What each stage asked for and what it kept.
struct LlmSummary {
    struct Calls {
        int requests = 0;  // asked by the stage (a reply cut by max_tokens asked again counts once)
        int failed = 0;    // no usable reply after every retry
        int truncated = 0; // still cut after asking again with more tokens
        int retried_for_length = 0;
    };
    std::map<std::string, Calls> calls; // by stage
    std::int64_t http_requests = 0;     // HTTP requests sent (retries included)
    std::int64_t cache_hits = 0;        // requests answered from the store
    std::int64_t tokens = 0;
    std::string first_error;            // the first failed request's error, "" when none failed
    [[nodiscard]] int requests() const; // over every stage
    [[nodiscard]] int failed() const;

    int problems_asked = 0;
    std::vector<std::string> problems_accepted;   // ids
    std::map<std::string, int> problems_rejected; // reason → count

    int samples = 0;                           // sampled solutions with code
    int samples_passed = 0;                    // passing every test
    int tests_proposed = 0;                    // distinct LLM-written tests
    int tests_chosen = 0;                      // kept by agreement
    int tests_chosen_correct = 0;              // of those, the reference passes
    int tests_rejected_incorrect = 0;          // not chosen, and the reference fails them
    int codet_problems = 0;                    // problems with a consensus
    int codet_pick_passed = 0;                 // whose consensus pick passes every real test
    std::map<std::string, int> solve_rejected; // replies that gave no sample or no test: why

    int bugs_asked = 0;
    int bugs_kept = 0;
    std::map<std::string, int> bugs_rejected; // reason → count
    int refactors_asked = 0;
    int refactors_kept = 0;
    std::map<std::string, int> refactors_rejected;

    int traces = 0;
    int traces_solved = 0;
    int traces_solved_first = 0;
    int traces_aborted = 0; // cut short by a failed call: not recorded, a rerun finishes them
    std::map<int, int> trace_steps; // steps → traces

    [[nodiscard]] nlohmann::json to_json() const;
    [[nodiscard]] std::string describe() const;
};

} // namespace assay::pipeline
