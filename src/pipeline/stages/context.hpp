// What the stages of `assay run` are given (ARCHITECTURE.md "Stages and the driver"): the
// driver, and for the LLM stages the prompts and settings. Each stage lives in its own file
// under src/pipeline/stages/ and is declared in its own header.
#pragma once

#include "core/problem.hpp"
#include "llm/prompts.hpp"
#include "pipeline/driver.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace assay::pipeline {

// What an LLM run asks for, per problem unless said otherwise.
struct LlmSettings {
    std::string url; // the server as the user wrote it (llm::normalise_base_url)
    std::string model;
    int concurrency = 8;          // requests in flight
    std::int64_t max_calls = -1;  // HTTP requests over the run; negative: unlimited
    std::int64_t max_tokens = -1; // prompt + completion tokens over the run
    int timeout_s = 120;          // per request attempt
    int stall_timeout_s = 30;     // a reply that started and then stalls (HttpClientOptions)
    int max_attempts = 5;         // per request, with backoff (Retry-After honoured)
    int new_problems = -1;        // instruct attempts; negative: half the seed problems, >= 2
    int samples = 4;              // sampled solutions (solve)
    int test_replies = 2;         // replies asked for tests (solve)
    int tests_per_reply = 8;
    int bugs = 2;                // bug injections asked for
    int refactors = 1;           // refactorings asked for
    int max_steps = 4;           // Reflexion attempts per trace
    double max_similarity = 0.5; // a new problem this close (word 3-gram Jaccard) is a copy
};

// A problem whose reference passes, with the reference's candidate id and the CPU time its run
// took (what the limits of code generated for the problem scale with: stages::quick).
struct Target {
    const Problem* problem = nullptr;
    std::int64_t reference = 0;
    long reference_cpu_ms = 0;
};

struct LlmContext {
    const Driver& driver;
    const llm::PromptBook& prompts;
    const LlmSettings& settings;
};

} // namespace assay::pipeline
