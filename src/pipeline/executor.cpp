#include "pipeline/executor.hpp"

#include "pipeline/parallel.hpp"
#include "util/interrupt.hpp"

#include <algorithm>
#include <atomic>

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

Expected<void> JailExecutor::run(const std::vector<sandbox::HarnessJob>& jobs,
                                 const std::vector<std::size_t>& which, const Started& on_start,
                                 const Done& done) {
    if (which.empty()) return {};
    ASSAY_TRY(started());
    // Each thread keeps one slot and feeds it jobs from the shared queue.
    std::atomic<std::size_t> cursor{0};
    const auto next = [&]() -> std::optional<std::pair<std::size_t, const sandbox::HarnessJob*>> {
        // SIGINT/SIGTERM: no new job; the ones running finish and are reported.
        if (util::stop_signal() != 0) return std::nullopt;
        const std::size_t k = cursor++;
        if (k >= which.size()) return std::nullopt;
        on_start(which[k]);
        return std::pair{k, &jobs[which[k]]};
    };
    const auto finished = [&](std::size_t k, sandbox::JobResult result) {
        done(which[k], std::move(result));
    };
    parallel_for(slots_, std::min(static_cast<std::size_t>(slots_), which.size()),
                 [&](std::size_t) { pool_->serve(next, finished); });
    return {};
}

} // namespace assay::pipeline
