// A stand-in for the jail behind pipeline::Executor (the seam ninja's FakeCommandRunner is to
// its CommandRunner): it runs nothing. Each job's result comes from a rule the test writes
// ("a program containing `BUG` fails its first case"), so stage logic is tested without
// namespaces; every job handed to it is kept, so a test sees what would have reached the jail.
#pragma once

#include "pipeline/executor.hpp"
#include "util/interrupt.hpp"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace assay::testing {

// Every case passed.
inline sandbox::JobResult passing(const sandbox::HarnessJob& job) {
    sandbox::JobResult r;
    r.verdict = Verdict::ok;
    for (const sandbox::HarnessCase& c : job.cases)
        r.cases.push_back({c.name, TestVerdict::passed, "", 1});
    return r;
}

// Case `index` failed with `message`, the others passed.
inline sandbox::JobResult failing(const sandbox::HarnessJob& job, std::size_t index,
                                  const std::string& message) {
    sandbox::JobResult r = passing(job);
    if (index < r.cases.size()) {
        r.cases[index].verdict = TestVerdict::failed;
        r.cases[index].message = message;
        r.message = message;
    }
    return r;
}

// The whole run ended with `verdict` (a timeout, an internal error, ...); no case passed.
inline sandbox::JobResult ended(const sandbox::HarnessJob& job, Verdict verdict,
                                const std::string& message) {
    sandbox::JobResult r;
    r.verdict = verdict;
    r.message = message;
    for (const sandbox::HarnessCase& c : job.cases)
        r.cases.push_back({c.name, TestVerdict::error, message, 0});
    return r;
}

class FakeExecutor final : public pipeline::Executor {
  public:
    using Rule = std::function<sandbox::JobResult(const sandbox::HarnessJob&)>;
    explicit FakeExecutor(Rule rule) : rule_(std::move(rule)) {}

    void launch() override { ++launches; }

    Expected<void> run(const std::vector<sandbox::HarnessJob>& jobs,
                       const std::vector<std::size_t>& which, const Started& on_start,
                       const Done& done) override {
        if (!start_error.empty()) return fail_env("{}", start_error);
        // Results come back in reverse order, as a pool of slots may finish them: run_batch must
        // put each where its job is (and run_tagged pair it with that job's tag).
        std::vector<std::size_t> order = which;
        std::reverse(order.begin(), order.end());
        for (const std::size_t i : order) {
            // As the jail executor: after SIGINT/SIGTERM no new job starts.
            if (util::stop_signal() != 0) break;
            ran.push_back(jobs[i]);
            on_start(i);
            done(i, rule_(jobs[i]));
        }
        return {};
    }

    std::vector<sandbox::HarnessJob> ran; // every job run, in the order run
    int launches = 0;
    std::string start_error; // when set, run() fails with it (a host that cannot jail)

  private:
    Rule rule_;
};

} // namespace assay::testing
