#include "pipeline/batch.hpp"

#include "pipeline/parallel.hpp"

namespace assay::pipeline {

Expected<std::unique_ptr<sandbox::ZygotePool>> start_pool(const Language& language, int size,
                                                          bool allow_weak_jail) {
    sandbox::SpawnSpec spec = language.spawn_spec(language.zygote);
    spec.strength = allow_weak_jail ? sandbox::Strength::weak : sandbox::Strength::strict;
    auto pool = std::make_unique<sandbox::ZygotePool>(spec, std::max(1, size));
    ASSAY_TRY(pool->start());
    return pool;
}

std::vector<Executed> run_batch(sandbox::ZygotePool& pool,
                                const std::vector<sandbox::HarnessJob>& jobs,
                                const BatchOptions& options) {
    std::vector<Executed> out(jobs.size());
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        out[i].key = store::execution_key(jobs[i]);
        if (options.cache != nullptr) {
            if (auto cached = options.cache->find_execution(out[i].key)) {
                out[i].result = std::move(*cached);
                out[i].cached = true;
                continue;
            }
        }
        pending.push_back(i);
    }
    if (pending.empty()) return out;
    Progress progress(options.label, pending.size(), options.progress);
    parallel_for(options.threads, pending.size(), [&](std::size_t k) {
        Executed& e = out[pending[k]];
        e.result = pool.run(jobs[pending[k]]);
        progress.tick(e.result.all_passed());
    });
    progress.finish();
    return out;
}

} // namespace assay::pipeline
