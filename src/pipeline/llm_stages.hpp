// The LLM stages of `assay run` (ARCHITECTURE.md "The LLM stages"): new problems (Self-Instruct and
// Evol-Instruct), sampled solutions with LLM-written tests chosen by agreement (CodeT), realistic
// bugs, refactorings, and Reflexion traces. Each stage asks the model in one concurrent batch
// per round, treats every reply as untrusted text, runs everything it keeps in the jail, and
// records what it asked, what came back and what ran.
//
// Every request's seed is derived from --seed and what the request is for (stage, problem,
// index, step), and every reply is cached by the hash of its full request: the same command on
// the same database gives the same rows, with or without the server.
#pragma once

#include "core/language.hpp"
#include "core/problem.hpp"
#include "llm/client.hpp"
#include "llm/prompts.hpp"
#include "pipeline/batch.hpp"
#include "sandbox/harness.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace assay::pipeline {

// What an LLM run asks for, per problem unless said otherwise.
struct LlmSettings {
    std::string url; // the server: "http://127.0.0.1:8080" (the client adds /v1/chat/completions)
    std::string model;
    int concurrency = 8;          // requests in flight
    std::int64_t max_calls = -1;  // HTTP requests over the run; negative: unlimited
    std::int64_t max_tokens = -1; // prompt + completion tokens over the run
    int timeout_s = 120;          // per request attempt
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

// A problem whose reference passes, with the reference's candidate id.
struct Target {
    const Problem* problem = nullptr;
    std::int64_t reference = 0;
};

struct LlmContext {
    llm::LlmClient& client;
    const llm::PromptBook& prompts;
    store::Store& db;
    sandbox::ZygotePool& pool;
    const Language& language;
    const LlmSettings& settings;
    std::int64_t run = 0;
    std::uint64_t seed = 0;
    int jobs = 2;
    bool progress = false;
};

// Self-Instruct from `seeds` (few-shot examples, topics) and Evol-Instruct of them. Returns the
// accepted problems: complete, their reference passing their own tests in the jail, and not
// too similar to a seed, to a problem stored by an earlier run (the same problem made again by a
// rerun excepted) or to one accepted before. Records nothing: accepted problems join the
// run's problems and are recorded with them.
[[nodiscard]] Expected<std::vector<Problem>>
instruct(const LlmContext& context, const std::vector<Problem>& seeds, LlmSummary& summary);

// k sampled solutions per target, run against its tests (pass rate stored as difficulty), and
// LLM-written tests cross-checked against the samples (CodeT dual agreement).
[[nodiscard]] Expected<void> solve(const LlmContext& context, const std::vector<Target>& targets,
                                   LlmSummary& summary);

// LLM bug injection by category; a bug is kept (with a bug/fix trajectory) when it fails a test.
[[nodiscard]] Expected<void> inject_bugs(const LlmContext& context,
                                         const std::vector<Target>& targets, LlmSummary& summary);

// LLM refactorings, kept when they pass every test.
[[nodiscard]] Expected<void> refactor(const LlmContext& context, const std::vector<Target>& targets,
                                      LlmSummary& summary);

// Reflexion: attempt, visible tests, feedback, reflection and a revised attempt, up to
// max_steps; the final attempt is judged on every test, hidden ones included.
[[nodiscard]] Expected<void> reflexion(const LlmContext& context,
                                       const std::vector<Target>& targets, LlmSummary& summary);

// What a model is told about a failing run: the run's verdict when not ok, then each failing
// test's code and message (at most `max_cases`). Deterministic: no timings.
[[nodiscard]] std::string test_feedback(const sandbox::HarnessJob& job,
                                        const sandbox::JobResult& result, int max_cases = 5);

// Parses an instruct/evolve reply into a problem (id "llm/<entry point>-<hash>", tests split
// into visible and hidden). Fails with the reason.
[[nodiscard]] Expected<Problem> parse_problem_reply(const std::string& reply);

// CodeT dual agreement: `passes[s]` is the set of tests sample s passes. Samples are grouped by
// that set; a group scores (samples in it) x (tests it passes). Returns the best group's samples
// (empty when every score is 0); ties go to the group found first.
[[nodiscard]] std::vector<std::size_t>
consensus(const std::vector<std::vector<std::size_t>>& passes);

} // namespace assay::pipeline
