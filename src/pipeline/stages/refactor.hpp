// refactor: rewrites of each passing reference kept when they still pass every test — the syntax
// layer's refactorings (offline) and, with a model, the model's.
#pragma once

#include "pipeline/run_summary.hpp"
#include "pipeline/stages/context.hpp"
#include "pipeline/stages/references.hpp"

#include <vector>

namespace assay::pipeline {

// The syntax layer's refactorings of every problem whose reference passed; counts them per kind
// in `summary` and the kept ones per problem in `tallies`.
[[nodiscard]] Expected<void> refactor_offline(const Driver& driver,
                                              const std::vector<Problem>& problems,
                                              const std::vector<ReferenceRun>& references,
                                              RunSummary& summary,
                                              std::vector<ProblemTally>& tallies);

// The model's refactorings, one per goal asked for.
[[nodiscard]] Expected<void> refactor(const LlmContext& context, const std::vector<Target>& targets,
                                      LlmSummary& summary);

} // namespace assay::pipeline
