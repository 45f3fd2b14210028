// Bugs and what a model is told about a failing run: one recorder for every stage that makes
// bugs (the mutation operators of `mutate`, the model's injections of `bugs`).
#pragma once

#include "core/problem.hpp"
#include "pipeline/batch.hpp"
#include "pipeline/driver.hpp"
#include "sandbox/harness.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace assay::pipeline {

// What a model is told about a failing run: the run's verdict when not ok, then each failing
// test's code and message (at most `max_cases`). Deterministic: no timings.
[[nodiscard]] std::string test_feedback(const sandbox::HarnessJob& job,
                                        const sandbox::JobResult& result, int max_cases = 5);

// A program derived from a problem's reference that may be a bug.
struct Bug {
    const Problem* problem = nullptr;
    std::int64_t reference = 0;                      // the reference's candidate
    std::optional<std::int64_t> reference_execution; // its passing run, when this run made one
    store::Origin origin = store::Origin::mutation;
    std::string kind; // mutation operator or bug category
    std::string code;
    nlohmann::json meta = nlohmann::json::object(); // the candidate's; "survivor" is added
};

// Records `bug` and its run (inside Driver::commit): a candidate with parent the reference, and
// when a test caught it, the bug/fix trajectory from it to the reference, with the feedback a
// repairer would get. Returns whether a test caught it.
bool record_bug(const Driver& driver, const Bug& bug, const sandbox::HarnessJob& job,
                const Executed& run);

} // namespace assay::pipeline
