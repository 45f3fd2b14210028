// instruct: new problems by Self-Instruct from the seed problems (few-shot examples, topics) and
// by Evol-Instruct of them.
#pragma once

#include "pipeline/stages/context.hpp"

#include <string>
#include <vector>

namespace assay::pipeline {

// Returns the accepted problems: complete, their reference passing their own tests in the jail,
// and not too similar to a seed, to a problem stored by an earlier run (the same problem made
// again by a rerun excepted) or to one accepted before. Records nothing: accepted problems join
// the run's problems and are recorded with them.
[[nodiscard]] Expected<std::vector<Problem>>
instruct(const LlmContext& context, const std::vector<Problem>& seeds, LlmSummary& summary);

// Parses an instruct/evolve reply into a problem in `language` (id "llm/<entry point>-<hash>",
// tests split into visible and hidden). Fails with the reason.
[[nodiscard]] Expected<Problem> parse_problem_reply(const Language& language,
                                                    const std::string& reply);

} // namespace assay::pipeline
