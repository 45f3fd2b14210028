// Preference pairs for DPO: a passing and a failing answer to one prompt, both judged by the jail.
#pragma once

#include "store/readers.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace assay::exports {

// Where a pair comes from: two sampled answers, or a failing Reflexion attempt and the passing
// attempt that ended its trajectory.
enum class PairSource { samples, reflexion };

[[nodiscard]] std::string_view to_string(PairSource source);

struct PreferencePair {
    std::string problem_id;
    PairSource source = PairSource::samples;
    std::string origin;          // the chosen answer's
    std::string rejected_origin; // the rejected answer's (samples may mix llm and sample)
    std::string chosen;
    std::string rejected;
    // Over the tests both were judged on: every test of the problem for samples, the visible
    // tests for reflexion (whose chosen code also passed the hidden ones: the trajectory is
    // solved).
    int chosen_tests_passed = 0;
    int rejected_tests_passed = 0;
    int tests_total = 0;
    std::string rejected_verdict;
    std::string failing_test;    // the rejected answer's first failing case ("" if none failed)
    std::string failing_message; // that case's message, or why the run failed
};

// Every pair, problem by problem in id order; within a problem first the samples', then the
// reflexion trajectories' in id order.
//   samples:   the solutions whose standing passed are chosen, those whose standing failed in
//              any way but internal_error (a fault of the machine, not the answer) are
//              rejected; the j-th rejected (in candidate-id order) is paired with the
//              (j mod m)-th of the m chosen. A problem without both gets none.
//   reflexion: in a solved trajectory whose last attempt passed (and whose final run on every
//              test passed, when it is stored), every earlier attempt whose run failed (not
//              internal_error) is rejected against the last attempt.
// A pair with a blank answer (a reply that held no program), whose two answers are the same
// text, or that repeats an earlier pair of the same problem, is left out.
[[nodiscard]] std::vector<PreferencePair>
preference_pairs(const std::vector<store::SolutionRow>& solutions,
                 const std::vector<store::TrajectoryRow>& reflexion);

// The dpo row: prompt, chosen, rejected (format "standard": strings; "messages": message lists,
// TRL's conversational format, prompt [user] and chosen/rejected [assistant]; "sharegpt":
// LLaMA-Factory's ranking shape, conversations [{from: human, value: prompt}] and chosen/rejected
// {from: gpt, value}, no prompt; "alpaca": instruction (the prompt), input "", chosen and
// rejected strings), source, origin
// (the chosen answer's), rejected_origin, problem_id, language, chosen_tests_passed,
// rejected_tests_passed, tests_total, rejected_verdict, rejected_feedback {name, message}.
[[nodiscard]] nlohmann::json dpo_row(std::string_view format, const Problem& problem,
                                     const PreferencePair& pair);

} // namespace assay::exports
