// Running a stage's harness jobs on an Executor: the execution cache, the syntax gate, in-batch
// deduplication, a progress line; and jobs that carry a typed tag back to their results.
#pragma once

#include "pipeline/executor.hpp"
#include "sandbox/harness.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <string>
#include <utility>
#include <vector>

namespace assay::pipeline {

// One job's result and where it came from.
struct Executed {
    sandbox::JobResult result;
    std::string key;           // store::execution_key of the job
    bool cached = false;       // answered by the store's execution cache, not run
    bool deduplicated = false; // an identical job earlier in the batch was run instead
};

struct BatchOptions {
    // Answer from this store's execution cache, and journal each result there the moment it
    // is known (Store::journal_results), when set.
    store::Store* cache = nullptr;
    std::string label; // the progress line's label
    bool progress = false;
    std::string grammar; // the syntax gate's tree-sitter grammar; empty: no gate
    bool dedupe = true;  // identical jobs (same key) run once and share the result
    // What the progress line calls the jobs that passed every test ("survived" for mutants).
    std::string passed_word = "ok";
};

// Runs every job and returns the results in job order. A job whose code does not parse is a
// compile_error without a jail run; a job identical to an earlier one shares its result; a job
// in the cache is answered from it. Fails when the executor cannot start, when the cache's
// journal cannot be written, or (ErrorKind::interrupted) when SIGINT/SIGTERM stopped it: then the
// results that finished are journaled and the rest never ran.
[[nodiscard]] Expected<std::vector<Executed>>
run_batch(Executor& executor, const std::vector<sandbox::HarnessJob>& jobs,
          const BatchOptions& options);

// Jobs, each with what it is for: results come back with their tag, not by position.
template <typename Tag> struct TaggedJobs {
    std::vector<Tag> tags;
    std::vector<sandbox::HarnessJob> jobs;

    void add(Tag tag, sandbox::HarnessJob job) {
        tags.push_back(std::move(tag));
        jobs.push_back(std::move(job));
    }
    [[nodiscard]] bool empty() const { return jobs.empty(); }
};

// A job that ran, with its tag.
template <typename Tag> struct Ran {
    Tag tag;
    sandbox::HarnessJob job;
    Executed run;
    [[nodiscard]] const sandbox::JobResult& result() const { return run.result; }
};

template <typename Tag>
[[nodiscard]] Expected<std::vector<Ran<Tag>>> run_tagged(Executor& executor, TaggedJobs<Tag> jobs,
                                                         const BatchOptions& options) {
    std::vector<Executed> runs = ASSAY_TRY(run_batch(executor, jobs.jobs, options));
    std::vector<Ran<Tag>> out;
    out.reserve(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i)
        out.push_back({std::move(jobs.tags[i]), std::move(jobs.jobs[i]), std::move(runs[i])});
    return out;
}

} // namespace assay::pipeline
