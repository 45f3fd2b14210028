// mutate: the syntax layer's mutation operators on each passing reference; a mutant a test
// catches is a bug with a bug/fix trajectory, one that passes every test a survivor.
#pragma once

#include "core/problem.hpp"
#include "pipeline/driver.hpp"
#include "pipeline/run_summary.hpp"
#include "pipeline/stages/references.hpp"

#include <cstdint>
#include <vector>

namespace assay::pipeline {

struct MutateOptions {
    std::size_t per_problem = 8; // mutants sampled per reference
};

// Runs and records the mutants of every problem whose reference passed (`references`, one per
// problem); counts them per operator in `summary` and per problem in `tallies`.
[[nodiscard]] Expected<void> mutate(const Driver& driver, const std::vector<Problem>& problems,
                                    const std::vector<ReferenceRun>& references,
                                    const MutateOptions& options, RunSummary& summary,
                                    std::vector<ProblemTally>& tallies);

} // namespace assay::pipeline
