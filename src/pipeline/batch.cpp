#include "pipeline/batch.hpp"

#include "pipeline/parallel.hpp"
#include "syntax/syntax_check.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace assay::pipeline {

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

Expected<std::vector<Executed>> run_batch(Executor& executor,
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
    if (std::any_of(cached.begin(), cached.end(), [](const auto& c) { return !c.has_value(); }))
        executor.launch();
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
        Progress progress(options.label, pending.size(), options.progress);
        ASSAY_TRY(executor.run(jobs, pending, [&](std::size_t i, sandbox::JobResult result) {
            out[i].result = std::move(result);
            progress.tick(out[i].result.all_passed());
        }));
        progress.finish();
    }
    for (const auto& [duplicate, original] : copies)
        out[duplicate].result = out[original].result;
    return out;
}

} // namespace assay::pipeline
