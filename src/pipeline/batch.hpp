// Running a stage's harness jobs: a pool of jailed workers, the execution cache, a progress line.
#pragma once

#include "core/language.hpp"
#include "sandbox/harness.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <memory>
#include <string>
#include <vector>

namespace assay::pipeline {

// A pool of `size` jailed workers for `language`, not started yet: run_batch starts it (and so
// finds a host that cannot jail) only when a batch has something the cache cannot answer. With
// `allow_weak_jail` a host without namespaces runs them weakly.
[[nodiscard]] std::unique_ptr<sandbox::ZygotePool> make_pool(const Language& language, int size,
                                                             bool allow_weak_jail);

// One job's result and where it came from.
struct Executed {
    sandbox::JobResult result;
    std::string key;           // store::execution_key of the job
    bool cached = false;       // answered by the store's execution cache, not run
    bool deduplicated = false; // an identical job earlier in the batch was run instead
};

struct BatchOptions {
    int threads = 1;               // jobs run at once (the pool's size)
    store::Store* cache = nullptr; // answer from (never write to) this store's cache when set
    std::string label;             // the progress line's label
    bool progress = false;
    std::string grammar; // the syntax gate's tree-sitter grammar; empty: no gate
    bool dedupe = true;  // identical jobs (same key) run once and share the result
};

// Runs every job and returns the results in job order. A job whose code does not parse is a
// compile_error without a jail run; a job identical to an earlier one shares its result; a job
// in the cache is answered from it. Fails only when the pool cannot start.
[[nodiscard]] Expected<std::vector<Executed>>
run_batch(sandbox::ZygotePool& pool, const std::vector<sandbox::HarnessJob>& jobs,
          const BatchOptions& options);

} // namespace assay::pipeline
