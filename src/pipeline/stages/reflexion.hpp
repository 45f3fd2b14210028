// reflexion: attempt, visible tests, feedback, reflection and a revised attempt, up to
// max_steps; the final attempt is judged on every test, hidden ones included (Reflexion traces).
#pragma once

#include "pipeline/stages/context.hpp"

#include <vector>

namespace assay::pipeline {

[[nodiscard]] Expected<void> reflexion(const LlmContext& context,
                                       const std::vector<Target>& targets, LlmSummary& summary);

} // namespace assay::pipeline
