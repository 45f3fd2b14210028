// verify: each problem's reference against its own tests. Every other stage but instruct and
// export works on the problems whose reference passes.
#pragma once

#include "core/problem.hpp"
#include "pipeline/driver.hpp"
#include "pipeline/run_summary.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace assay::pipeline {

struct ReferenceRun {
    sandbox::JobResult result;
    std::int64_t candidate = 0; // the reference's candidate
    std::int64_t execution = 0; // this run of it
    [[nodiscard]] bool passed() const { return result.all_passed(); }
};

// Runs every reference and records the problems, the references and their runs in one commit;
// counts passes and failures (with why) in `summary`. One result per problem, in order.
[[nodiscard]] Expected<std::vector<ReferenceRun>>
check_references(const Driver& driver, const std::vector<Problem>& problems, RunSummary& summary);

// The candidate kind and origin a problem's reference is stored with.
[[nodiscard]] store::CandidateRecord reference_record(const Problem& problem);

// Why a reference did not pass, in one line.
[[nodiscard]] std::string failure_reason(const sandbox::JobResult& result);

} // namespace assay::pipeline
