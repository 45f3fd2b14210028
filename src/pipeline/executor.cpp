#include "pipeline/executor.hpp"

#include "pipeline/parallel.hpp"
#include "util/interrupt.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>

namespace assay::pipeline {

namespace {
std::unique_ptr<sandbox::ZygotePool> make_pool(const Language& language, int size,
                                               bool allow_weak_jail) {
    sandbox::SpawnSpec spec = language.spawn_spec(language.zygote);
    spec.strength = allow_weak_jail ? sandbox::Strength::weak : sandbox::Strength::strict;
    return std::make_unique<sandbox::ZygotePool>(spec, std::max(1, size));
}
} // namespace

JailExecutor::JailExecutor(const Language& language, int slots, bool allow_weak_jail)
    : pool_(make_pool(language, slots, allow_weak_jail)), slots_(std::max(1, slots)) {}

void JailExecutor::launch() {
    if (!launched_) launched_ = pool_->launch();
}

Expected<void> JailExecutor::started() {
    // Each batch launches again: workers a job's trouble stopped respawn (all at once, while the
    // syntax gate runs), and a launch that failed is tried again.
    if (!launched_) launch();
    Expected<void> launched = std::move(*launched_);
    launched_.reset();
    ASSAY_TRY(launched);
    return pool_->await_started();
}

namespace {

// One pass over `which` on the pool's slots: each thread keeps one slot and feeds it jobs from a
// shared queue; `finished` gets each job's index in `jobs` and its result. SIGINT/SIGTERM: no new
// job; the ones running finish and are reported.
void serve_pass(sandbox::ZygotePool& pool, int slots, const std::vector<sandbox::HarnessJob>& jobs,
                const std::vector<std::size_t>& which, const Executor::Started& on_start,
                const Executor::Done& finished) {
    std::atomic<std::size_t> cursor{0};
    const auto next = [&]() -> std::optional<std::pair<std::size_t, const sandbox::HarnessJob*>> {
        if (util::stop_signal() != 0) return std::nullopt;
        const std::size_t k = cursor++;
        if (k >= which.size()) return std::nullopt;
        if (on_start) on_start(which[k]);
        return std::pair{k, &jobs[which[k]]};
    };
    parallel_for(slots, std::min(static_cast<std::size_t>(slots), which.size()), [&](std::size_t) {
        pool.serve(next, [&](std::size_t k, sandbox::JobResult result) {
            finished(which[k], std::move(result));
        });
    });
}

} // namespace

Expected<void> JailExecutor::run(const std::vector<sandbox::HarnessJob>& jobs,
                                 const std::vector<std::size_t>& which, const Started& on_start,
                                 const Done& done) {
    if (which.empty()) return {};
    ASSAY_TRY(started());
    // A result that may have been caused from outside the job waits for a second run.
    std::mutex again_mutex;
    std::vector<std::size_t> again;
    serve_pass(*pool_, slots_, jobs, which, on_start,
               [&](std::size_t i, sandbox::JobResult result) {
                   if (result.run_again) {
                       std::lock_guard lock(again_mutex);
                       again.push_back(i);
                       return;
                   }
                   done(i, std::move(result));
               });
    if (again.empty()) return {};
    // Fresh jails (started() respawns the workers that died), then the second result stands.
    if (util::stop_signal() == 0) ASSAY_TRY(started());
    serve_pass(*pool_, slots_, jobs, again, {}, [&](std::size_t i, sandbox::JobResult result) {
        result.run_again = false;
        done(i, std::move(result));
    });
    return {};
}

} // namespace assay::pipeline
