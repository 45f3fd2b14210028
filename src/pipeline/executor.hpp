// The seam around execution (ARCHITECTURE.md "Stages and the driver"): stages hand jobs to an
// Executor and get verdicts back. The jail (JailExecutor, a pool of zygote slots) is the real
// one; the stage tests use a fake that decides verdicts in-process
// (tests/support/fake_executor.hpp), so stage logic is tested without namespaces or HTTP.
#pragma once

#include "core/language.hpp"
#include "sandbox/harness.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace assay::pipeline {

class Executor {
  public:
    using Started = std::function<void(std::size_t)>;
    using Done = std::function<void(std::size_t, sandbox::JobResult)>;

    Executor() = default;
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;
    virtual ~Executor() = default;

    // Starts the workers that are not running without waiting for them, so that they boot while
    // the caller prepares the batch; a failure to start is reported by the next run(). Calling
    // it again before that run does nothing.
    virtual void launch() = 0;
    // Runs jobs[i] for every i in `which`, telling on_start(i) when a worker takes it and
    // done(i, result) as it ends (from any thread, in any order). Fails only when no job can run
    // (the workers cannot start).
    [[nodiscard]] virtual Expected<void> run(const std::vector<sandbox::HarnessJob>& jobs,
                                             const std::vector<std::size_t>& which,
                                             const Started& on_start, const Done& done) = 0;
};

// `slots` jailed zygote slots for `language`, started on first use; with `allow_weak_jail` a host
// without namespaces runs them weakly.
class JailExecutor final : public Executor {
  public:
    JailExecutor(const Language& language, int slots, bool allow_weak_jail);
    void launch() override;
    [[nodiscard]] Expected<void> run(const std::vector<sandbox::HarnessJob>& jobs,
                                     const std::vector<std::size_t>& which, const Started& on_start,
                                     const Done& done) override;

  private:
    // The launch of this batch (launching now if launch() was not called), then the greetings.
    [[nodiscard]] Expected<void> started();

    std::unique_ptr<sandbox::ZygotePool> pool_;
    int slots_;
    std::optional<Expected<void>> launched_;
};

} // namespace assay::pipeline
