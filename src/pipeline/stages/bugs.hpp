// bugs: bug injections asked of the model, by category; a bug is kept (with a bug/fix
// trajectory) when a test catches it.
#pragma once

#include "pipeline/stages/context.hpp"

namespace assay::pipeline {

[[nodiscard]] Expected<void> inject_bugs(const LlmContext& context,
                                         const std::vector<Target>& targets, LlmSummary& summary);

} // namespace assay::pipeline
