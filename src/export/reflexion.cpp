#include "export/reflexion.hpp"

namespace assay::exports {

using nlohmann::json;

namespace {
// object[key], or null when absent.
json field(const json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? json(nullptr) : *it;
}

std::string fenced(const std::string& language, const std::string& code) {
    const bool newline = !code.empty() && code.back() == '\n';
    return "```" + language + "\n" + code + (newline ? "" : "\n") + "```";
}

bool is_message_list(const json& messages) {
    if (!messages.is_array() || messages.empty()) return false;
    for (const json& m : messages)
        if (!field(m, "role").is_string() || !field(m, "content").is_string()) return false;
    return true;
}

json message(const std::string& role, const std::string& content) {
    return {{"role", role}, {"content", content}};
}

json final_verdict(const TrajectoryRow& t) {
    if (t.final_execution)
        return {{"verdict", t.final_execution->verdict},
                {"tests_passed", t.final_execution->tests_passed},
                {"tests_total", t.final_execution->tests_total}};
    // The execution it names is not stored: fall back on what the trajectory says about it.
    const json final = field(t.meta, "final");
    const json verdict = field(final, "verdict");
    const json passed = field(final, "tests_passed");
    const json total = field(final, "tests_total");
    if (verdict.is_string() && passed.is_number_integer() && total.is_number_integer())
        return {{"verdict", verdict}, {"tests_passed", passed}, {"tests_total", total}};
    return nullptr;
}
} // namespace

json conversation(const Problem& problem, const TrajectoryRow& t) {
    if (const json recorded = field(t.meta, "messages"); is_message_list(recorded)) {
        json out = json::array();
        for (const json& m : recorded)
            out.push_back(message(m["role"].get<std::string>(), m["content"].get<std::string>()));
        return out;
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
    return out;
}

json reflexion_row(const ProblemRecord& problem, const TrajectoryRow& t) {
    json steps = json::array();
    for (const StepRow& s : t.steps) {
        const auto& e = s.execution;
        steps.push_back({{"code", s.code},
                         {"verdict", e ? json(e->verdict) : json(nullptr)},
                         {"tests_passed", e ? e->tests_passed : 0},
                         {"tests_total", e ? e->tests_total : 0},
                         {"feedback", s.feedback},
                         {"reflection", s.reflection}});
    }
    return {{"origin", t.steps.empty() ? std::string() : t.steps.front().origin},
            {"problem_id", t.problem_id},
            {"language", problem.problem.language},
            {"key", t.key},
            {"prompt", problem.problem.prompt},
            {"steps", std::move(steps)},
            {"num_steps", t.steps.size()},
            {"solved", t.solved},
            {"final", final_verdict(t)},
            {"messages", conversation(problem.problem, t)}};
}

} // namespace assay::exports
