#include "export/reflexion.hpp"

#include "export/conversation.hpp"

namespace assay::exports {

using nlohmann::json;

namespace {
json final_verdict(const store::TrajectoryRow& t) {
    if (t.final_execution)
        return {{"verdict", t.final_execution->verdict},
                {"tests_passed", t.final_execution->tests_passed},
                {"tests_total", t.final_execution->tests_total}};
    // The execution it names is not stored: fall back on what the trajectory says about it.
    if (const auto& final_run = t.meta.final_run)
        return {{"verdict", final_run->verdict},
                {"tests_passed", final_run->tests_passed},
                {"tests_total", final_run->tests_total}};
    return nullptr;
}
} // namespace

json conversation(const Problem& problem, const store::TrajectoryRow& t, bool train_reflections) {
    if (const auto& recorded = t.meta.messages; recorded && !recorded->empty()) {
        json out = json::array();
        for (const store::TrajectoryMessage& m : *recorded)
            out.push_back(message(m.role, m.content));
        return weighted(std::move(out), t.solved, train_reflections);
    }
    json out = json::array({message("user", problem.prompt)});
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        std::string reply;
        if (i > 0) {
            out.push_back(message("user", t.steps[i - 1].feedback));
            reply = t.steps[i - 1].reflection;
        }
        // An attempt whose reply held no program is stored with empty code.
        if (!t.steps[i].code.empty())
            reply += (reply.empty() ? "" : "\n\n") + fenced(problem.language, t.steps[i].code);
        out.push_back(message("assistant", reply));
    }
    return weighted(std::move(out), t.solved, train_reflections);
}

namespace {
// The i-th assistant message gets the reasoning of step i.
void add_reasoning(json& messages, const store::TrajectoryRow& t) {
    std::size_t step = 0;
    for (json& m : messages)
        if (m["role"] == "assistant") {
            m["reasoning"] = step < t.steps.size() ? t.steps[step].reasoning : std::string();
            ++step;
        }
}
} // namespace

json reflexion_row(const store::ProblemRecord& problem, const store::TrajectoryRow& t,
                   bool with_reasoning, bool train_reflections) {
    json steps = json::array();
    for (const store::StepRow& s : t.steps) {
        const auto& e = s.execution;
        steps.push_back({{"code", s.code},
                         {"verdict", e ? json(e->verdict) : json(nullptr)},
                         {"tests_passed", e ? e->tests_passed : 0},
                         {"tests_total", e ? e->tests_total : 0},
                         {"feedback", s.feedback},
                         {"reflection", s.reflection}});
        if (with_reasoning) steps.back()["reasoning"] = s.reasoning;
    }
    json messages = conversation(problem.problem, t, train_reflections);
    if (with_reasoning) add_reasoning(messages, t);
    return {{"origin", t.steps.empty() ? std::string() : t.steps.front().origin},
            {"problem_id", t.problem_id},
            {"language", problem.problem.language},
            {"key", t.key},
            {"prompt", problem.problem.prompt},
            {"steps", std::move(steps)},
            {"num_steps", t.steps.size()},
            {"solved", t.solved},
            {"final", final_verdict(t)},
            {"messages", std::move(messages)}};
}

} // namespace assay::exports
