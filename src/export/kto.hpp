// Unpaired preference rows for KTO (TRL's `prompt`, `completion`, `label`): every verified program
// of a problem, labelled by whether it passed.
#pragma once

#include "store/readers.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace assay::exports {

// Where a row's program comes from, and so its label.
//   label true:
//     solution        a solution whose standing passed every test: a reference, a model's sample
//                     (store::passing_solutions, kind solution)
//     refactor        a kept refactoring (store::passing_solutions, kind refactor)
//   label false:
//     bug             a killed bug whose run ended on its own (store::killed_bugs: an AST mutant
//                     or a model-written bug that failed at least one test, verdict ok)
//     failed_sample   a model's sample (origin llm or sample) whose standing failed in any way
//                     but internal_error (a fault of the machine, not the answer)
//     failed_attempt  a Reflexion attempt whose run on the visible tests failed (not
//                     internal_error), with a program in it
enum class KtoSource { solution, refactor, bug, failed_sample, failed_attempt };

[[nodiscard]] std::string_view to_string(KtoSource source);
[[nodiscard]] bool label_of(KtoSource source);

struct KtoCandidate {
    std::string problem_id;
    std::string origin;
    std::string code;
    KtoSource source = KtoSource::solution;
};

// Every candidate, problem by problem in id order; within a problem the passing ones first
// (solutions, then refactorings), then bugs, failed samples and failed attempts, each in the
// readers' order. Blank programs are left out; nothing is deduplicated here.
[[nodiscard]] std::vector<KtoCandidate>
kto_candidates(const std::vector<store::CandidateRow>& passing,
               const std::vector<store::CandidateRow>& bugs,
               const std::vector<store::SolutionRow>& samples,
               const std::vector<store::TrajectoryRow>& reflexion);

// The kto row: prompt, completion, label (bool), source, origin, problem_id, language. Format
// "standard": prompt and completion strings; "messages": TRL's conversational form, prompt
// [{role user}] and completion [{role assistant}].
[[nodiscard]] nlohmann::json kto_row(std::string_view format, const Problem& problem,
                                     const KtoCandidate& candidate);

} // namespace assay::exports
