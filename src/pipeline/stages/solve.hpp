// solve: k sampled solutions per target, run against its tests (the pass rate is stored as the
// problem's difficulty), and model-written tests cross-checked against the samples (CodeT dual
// agreement).
#pragma once

#include "pipeline/stages/context.hpp"

#include <cstddef>
#include <vector>

namespace assay::pipeline {

[[nodiscard]] Expected<void> solve(const LlmContext& context, const std::vector<Target>& targets,
                                   LlmSummary& summary);

// CodeT dual agreement: `passes[s]` is the set of tests sample s passes. Samples are grouped by
// that set; a group scores (samples in it) x (tests it passes). Returns the best group's samples
// (empty when every score is 0); ties go to the group found first.
[[nodiscard]] std::vector<std::size_t>
consensus(const std::vector<std::vector<std::size_t>>& passes);

} // namespace assay::pipeline
