// Reflexion rows: one per stored "reflexion" trajectory (attempt → visible-test feedback →
// reflection → new attempt → …), with the final code's verdict on every test.
#pragma once

#include "store/readers.hpp"

#include <nlohmann/json.hpp>

namespace assay::exports {

// The row: origin (the first attempt's), problem_id, language, prompt, key (the trajectory's),
// steps [{code, verdict, tests_passed, tests_total, feedback, reflection}] (verdict null and
// counts 0 for a step with no recorded execution), num_steps, solved, final {verdict,
// tests_passed, tests_total} (null when unknown) and messages (see conversation()). With
// `with_reasoning`, each step and each assistant message (the i-th answers step i) also has
// `reasoning`: the model's reasoning before that answer ("" when there was none or it is not
// stored).
[[nodiscard]] nlohmann::json reflexion_row(const store::ProblemRecord& problem,
                                           const store::TrajectoryRow& t,
                                           bool with_reasoning = false,
                                           bool train_reflections = false);

// The trajectory as a multi-turn conversation: meta.messages as recorded when it is a non-empty
// list of {role, content} strings; otherwise rebuilt from the steps: user = the prompt,
// assistant = attempt 0 in a fenced block, then per later attempt i: user = the feedback on
// attempt i-1, assistant = the reflection written with attempt i, a blank line, attempt i fenced
// (an attempt whose reply held no program has empty code, and no block). Every assistant message
// has `weight` (OpenAI's fine-tuning convention, also read by axolotl): 1 on the last one of a
// solved trajectory, the passing attempt; 0 on the failed attempts, so they are context, not
// targets. With `train_reflections`, a solved trajectory's assistant turns after the first (each
// a reflection and the attempt it led to) have weight 1 too.
[[nodiscard]] nlohmann::json conversation(const Problem& problem, const store::TrajectoryRow& t,
                                          bool train_reflections = false);

} // namespace assay::exports
