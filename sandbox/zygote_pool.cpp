// ZygotePool (sandbox/harness.hpp): a fixed set of slots, each job served by a free one.
#include "sandbox/harness_wire.hpp"

#include <fmt/format.h>

namespace assay::sandbox {

using namespace wire;

ZygotePool::ZygotePool(const SpawnSpec& spec, int size) {
    for (int i = 0; i < size; ++i) {
        SpawnSpec slot = spec;
        if (!slot.cgroup_name.empty()) slot.cgroup_name += fmt::format("-{}", i);
        slots_.emplace_back(std::move(slot));
        free_.push_back(i);
    }
}

Expected<void> ZygotePool::start() {
    ASSAY_TRY(launch());
    return await_started();
}

Expected<void> ZygotePool::launch() {
    // Every jail boots at once: a zygote's start-up is mostly its own interpreter's.
    for (Zygote& z : slots_)
        ASSAY_TRY(z.launch());
    return {};
}

Expected<void> ZygotePool::await_started() {
    const auto deadline = Clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
    for (Zygote& z : slots_)
        ASSAY_TRY(z.await_started(deadline));
    return {};
}

JobResult ZygotePool::run(const HarnessJob& job) {
    return run_alone(job,
                     [this](const JobSource& next, const ResultSink& done) { serve(next, done); });
}

void ZygotePool::serve(const JobSource& next, const ResultSink& done) {
    int slot = 0;
    {
        std::unique_lock lock(mutex_);
        available_.wait(lock, [this] { return !free_.empty(); });
        slot = free_.back();
        free_.pop_back();
    }
    slots_[static_cast<std::size_t>(slot)].serve(next, done);
    {
        std::lock_guard lock(mutex_);
        free_.push_back(slot);
    }
    available_.notify_one();
}

} // namespace assay::sandbox
