#include "pipeline/batch.hpp"

#include "pipeline/parallel.hpp"
#include "syntax/syntax_check.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>

namespace assay::pipeline {

std::unique_ptr<sandbox::ZygotePool> make_pool(const Language& language, int size,
                                               bool allow_weak_jail) {
    sandbox::SpawnSpec spec = language.spawn_spec(language.zygote);
    spec.strength = allow_weak_jail ? sandbox::Strength::weak : sandbox::Strength::strict;
    return std::make_unique<sandbox::ZygotePool>(spec, std::max(1, size));
}

namespace {
sandbox::JobResult compile_error(const sandbox::HarnessJob& job, const std::string& message) {
    sandbox::JobResult r;
    r.verdict = Verdict::compile_error;
    r.message = message;
    for (const sandbox::HarnessCase& c : job.cases)
        r.cases.push_back({c.name, TestVerdict::error, "not run: " + message, 0});
    return r;
}
} // namespace

Expected<std::vector<Executed>> run_batch(sandbox::ZygotePool& pool,
                                          const std::vector<sandbox::HarnessJob>& jobs,
                                          const BatchOptions& options) {
    std::vector<Executed> out(jobs.size());
    std::vector<std::size_t> pending;
    std::map<std::string, std::size_t> first_with_key;
    std::vector<std::pair<std::size_t, std::size_t>> copies; // (duplicate, original)
    std::vector<std::optional<sandbox::JobResult>> cached(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        out[i].key = store::execution_key(jobs[i]);
        if (options.cache != nullptr) cached[i] = options.cache->find_execution(out[i].key);
    }
    // The jails boot while the syntax gate runs; a launch failure matters only if some job
    // needs a jail after all.
    Expected<void> launched = {};
    if (std::any_of(cached.begin(), cached.end(), [](const auto& c) { return !c.has_value(); }))
        launched = pool.launch();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (!options.grammar.empty()) {
            auto error = syntax::check_syntax(options.grammar, jobs[i].code);
            if (error && *error) {
                out[i].result = compile_error(jobs[i], (*error)->describe());
                continue;
            }
        }
        if (options.dedupe) {
            auto [first, inserted] = first_with_key.emplace(out[i].key, i);
            if (!inserted) {
                copies.emplace_back(i, first->second);
                out[i].deduplicated = true;
                continue;
            }
        }
        if (cached[i]) {
            out[i].result = std::move(*cached[i]);
            out[i].cached = true;
            continue;
        }
        pending.push_back(i);
    }
    if (!pending.empty()) {
        ASSAY_TRY(launched);
        ASSAY_TRY(pool.await_started());
        Progress progress(options.label, pending.size(), options.progress);
        // Each thread keeps one slot and feeds it jobs from the shared queue.
        std::atomic<std::size_t> cursor{0};
        const auto next =
            [&]() -> std::optional<std::pair<std::size_t, const sandbox::HarnessJob*>> {
            const std::size_t k = cursor++;
            if (k >= pending.size()) return std::nullopt;
            return std::pair{k, &jobs[pending[k]]};
        };
        const auto done = [&](std::size_t k, sandbox::JobResult result) {
            Executed& e = out[pending[k]];
            e.result = std::move(result);
            progress.tick(e.result.all_passed());
        };
        const auto slots = static_cast<std::size_t>(std::max(1, options.threads));
        parallel_for(options.threads, std::min(slots, pending.size()),
                     [&](std::size_t) { pool.serve(next, done); });
        progress.finish();
    }
    for (const auto& [duplicate, original] : copies)
        out[duplicate].result = out[original].result;
    return out;
}

} // namespace assay::pipeline
