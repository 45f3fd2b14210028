#include "export/preference.hpp"

#include "export/conversation.hpp"
#include "util/hash.hpp"

#include <map>
#include <set>

namespace assay::exports {

using nlohmann::json;

std::string_view to_string(PairSource source) {
    switch (source) {
    case PairSource::samples:
        return "samples";
    case PairSource::reflexion:
        return "reflexion";
    }
    return "samples";
}

namespace {
// A failure of the answer, not of the machine it ran on.
bool failed(const store::ExecutionSummary& e) {
    return !e.passed && e.verdict != "internal_error";
}

// A reply that held no program is stored as an attempt with empty code: no answer to prefer or
// reject.
bool blank(const std::string& code) {
    return code.find_first_not_of(" \t\r\n") == std::string::npos;
}

// One side of a pair: an answer, where it came from and how its run went.
struct Answer {
    const std::string& origin;
    const std::string& code;
    const store::ExecutionSummary& run;
};

PreferencePair pair_of(const std::string& problem_id, PairSource source, const Answer& chosen,
                       const Answer& rejected) {
    PreferencePair p{problem_id,
                     source,
                     chosen.origin,
                     rejected.origin,
                     chosen.code,
                     rejected.code,
                     chosen.run.tests_passed,
                     rejected.run.tests_passed,
                     chosen.run.tests_total,
                     rejected.run.verdict,
                     "",
                     rejected.run.message};
    if (rejected.run.first_failure) {
        p.failing_test = rejected.run.first_failure->name;
        p.failing_message = rejected.run.first_failure->message;
    }
    return p;
}

struct ProblemInputs {
    std::vector<const store::SolutionRow*> solutions;
    std::vector<const store::TrajectoryRow*> trajectories;
};

void sample_pairs(const std::vector<const store::SolutionRow*>& solutions,
                  std::vector<PreferencePair>& out) {
    std::vector<const store::SolutionRow*> chosen;
    std::vector<const store::SolutionRow*> rejected;
    for (const store::SolutionRow* s : solutions) {
        if (s->standing.passed)
            chosen.push_back(s);
        else if (failed(s->standing))
            rejected.push_back(s);
    }
    if (chosen.empty()) return;
    for (std::size_t j = 0; j < rejected.size(); ++j) {
        const store::SolutionRow& c = *chosen[j % chosen.size()];
        const store::SolutionRow& r = *rejected[j];
        out.push_back(pair_of(r.problem_id, PairSource::samples, {c.origin, c.code, c.standing},
                              {r.origin, r.code, r.standing}));
    }
}

void reflexion_pairs(const store::TrajectoryRow& t, std::vector<PreferencePair>& out) {
    if (!t.solved || t.steps.empty()) return;
    const store::StepRow& last = t.steps.back();
    if (!last.execution || !last.execution->passed) return;
    if (t.final_execution && !t.final_execution->passed) return;
    for (std::size_t i = 0; i + 1 < t.steps.size(); ++i) {
        const store::StepRow& s = t.steps[i];
        if (s.execution && failed(*s.execution))
            out.push_back(pair_of(t.problem_id, PairSource::reflexion,
                                  {last.origin, last.code, *last.execution},
                                  {s.origin, s.code, *s.execution}));
    }
}
} // namespace

std::vector<PreferencePair> preference_pairs(const std::vector<store::SolutionRow>& solutions,
                                             const std::vector<store::TrajectoryRow>& reflexion) {
    std::map<std::string, ProblemInputs> by_problem;
    for (const store::SolutionRow& s : solutions)
        by_problem[s.problem_id].solutions.push_back(&s);
    for (const store::TrajectoryRow& t : reflexion)
        by_problem[t.problem_id].trajectories.push_back(&t);
    std::vector<PreferencePair> out;
    for (const auto& [problem_id, inputs] : by_problem) {
        std::vector<PreferencePair> pairs;
        sample_pairs(inputs.solutions, pairs);
        for (const store::TrajectoryRow* t : inputs.trajectories)
            reflexion_pairs(*t, pairs);
        std::set<std::string> seen;
        for (PreferencePair& p : pairs)
            if (!blank(p.chosen) && !blank(p.rejected) && p.chosen != p.rejected &&
                seen.insert(util::content_hash_parts({p.chosen, p.rejected})).second)
                out.push_back(std::move(p));
    }
    return out;
}

json dpo_row(std::string_view format, const Problem& problem, const PreferencePair& pair) {
    json row{
        {"origin", pair.origin},
        {"rejected_origin", pair.rejected_origin},
        {"problem_id", pair.problem_id},
        {"language", problem.language},
        {"source", std::string(to_string(pair.source))},
        {"chosen_tests_passed", pair.chosen_tests_passed},
        {"rejected_tests_passed", pair.rejected_tests_passed},
        {"tests_total", pair.tests_total},
        {"rejected_verdict", pair.rejected_verdict},
        {"rejected_feedback", {{"name", pair.failing_test}, {"message", pair.failing_message}}}};
    if (format == "messages") {
        row["prompt"] = json::array({message("user", problem.prompt)});
        row["chosen"] = json::array({message("assistant", pair.chosen)});
        row["rejected"] = json::array({message("assistant", pair.rejected)});
    } else if (format == "sharegpt") {
        // LLaMA-Factory's ranking shape: the conversation up to the answer (ending with the
        // human turn), the two answers as single gpt messages.
        row["conversations"] = json::array({{{"from", "human"}, {"value", problem.prompt}}});
        row["chosen"] = {{"from", "gpt"}, {"value", pair.chosen}};
        row["rejected"] = {{"from", "gpt"}, {"value", pair.rejected}};
    } else if (format == "alpaca") {
        row["instruction"] = problem.prompt;
        row["input"] = "";
        row["chosen"] = pair.chosen;
        row["rejected"] = pair.rejected;
    } else {
        row["prompt"] = problem.prompt;
        row["chosen"] = pair.chosen;
        row["rejected"] = pair.rejected;
    }
    return row;
}

} // namespace assay::exports
