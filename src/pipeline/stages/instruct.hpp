// instruct: new problems by Self-Instruct from the seed problems (few-shot examples, topics) and
// by Evol-Instruct of them.
#pragma once

#include "pipeline/shard.hpp"
#include "pipeline/stages/context.hpp"

#include <string>
#include <vector>

namespace assay::pipeline {

// What instruct compares new problems with and which of its requests it makes.
struct InstructScope {
    // The problems stored before this run began (the same problem made again by a rerun is
    // not a copy of itself).
    const std::vector<Problem>& prior;
    // Only the requests this shard owns (pipeline/shard.hpp); the other shards make the others.
    Shard shard;
};

// Returns the accepted problems: complete, their reference passing their own tests in the jail,
// and not too similar to a seed (every seed of the run, whatever the shard) or to a problem in
// `scope.prior`. Two new problems of one run are not compared here: which shard makes which is
// not theirs to decide, so the decontaminate stage drops near-duplicates among them (keeping one
// of each group). Records nothing: accepted problems join the run's problems and are recorded
// with them.
[[nodiscard]] Expected<std::vector<Problem>> instruct(const LlmContext& context,
                                                      const std::vector<Problem>& seeds,
                                                      const InstructScope& scope,
                                                      LlmSummary& summary);

// Parses an instruct/evolve reply into a problem in `language` (id "llm/<entry point>-<hash>",
// tests split into visible and hidden). Fails with the reason.
[[nodiscard]] Expected<Problem> parse_problem_reply(const Language& language,
                                                    const std::string& reply);

} // namespace assay::pipeline
