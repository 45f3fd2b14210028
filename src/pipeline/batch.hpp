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

// Starts `size` jailed zygotes of `language` (all started before this returns, so a host that
// cannot jail fails here). With `allow_weak_jail` a host without namespaces runs them weakly.
[[nodiscard]] Expected<std::unique_ptr<sandbox::ZygotePool>>
start_pool(const Language& language, int size, bool allow_weak_jail);

// One job's result and where it came from.
struct Executed {
    sandbox::JobResult result;
    std::string key;     // store::execution_key of the job
    bool cached = false; // answered by the store's execution cache, not run
};

struct BatchOptions {
    int threads = 1;               // jobs run at once (the pool's size)
    store::Store* cache = nullptr; // answer from (never write to) this store's cache when set
    std::string label;             // the progress line's label
    bool progress = false;
};

// Runs every job (or takes its cached result) and returns the results in job order.
[[nodiscard]] std::vector<Executed> run_batch(sandbox::ZygotePool& pool,
                                              const std::vector<sandbox::HarnessJob>& jobs,
                                              const BatchOptions& options);

} // namespace assay::pipeline
