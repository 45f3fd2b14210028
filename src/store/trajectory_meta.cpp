#include "store/trajectory_meta.hpp"

#include <nlohmann/json.hpp>

namespace assay::store {

using nlohmann::json;

namespace {
// in[key] when it is there and `accepts` it.
template <typename Accepts> const json* member(const json& in, const char* key, Accepts accepts) {
    const auto it = in.find(key);
    return it != in.end() && accepts(*it) ? &*it : nullptr;
}

const json* string_member(const json& in, const char* key) {
    return member(in, key, [](const json& v) { return v.is_string(); });
}

const json* integer_member(const json& in, const char* key) {
    return member(in, key, [](const json& v) { return v.is_number_integer(); });
}

std::optional<std::vector<TrajectoryMessage>> read_messages(const json& in) {
    if (!in.is_array()) return std::nullopt;
    std::vector<TrajectoryMessage> out;
    for (const json& m : in) {
        const json* role = m.is_object() ? string_member(m, "role") : nullptr;
        const json* content = m.is_object() ? string_member(m, "content") : nullptr;
        if (role == nullptr || content == nullptr) return std::nullopt;
        out.push_back({.role = role->get<std::string>(), .content = content->get<std::string>()});
    }
    return out;
}

std::optional<std::vector<std::string>> read_calls(const json& in) {
    if (!in.is_array()) return std::nullopt;
    std::vector<std::string> out;
    for (const json& call : in) {
        if (!call.is_string()) return std::nullopt;
        out.push_back(call.get<std::string>());
    }
    return out;
}

std::optional<TrajectoryFinal> read_final(const json& in) {
    if (!in.is_object()) return std::nullopt;
    const json* execution = integer_member(in, "execution");
    const json* verdict = string_member(in, "verdict");
    const json* passed = integer_member(in, "tests_passed");
    const json* total = integer_member(in, "tests_total");
    if (execution == nullptr || verdict == nullptr || passed == nullptr || total == nullptr)
        return std::nullopt;
    return TrajectoryFinal{.execution = execution->get<std::int64_t>(),
                           .verdict = verdict->get<std::string>(),
                           .tests_passed = passed->get<int>(),
                           .tests_total = total->get<int>()};
}
} // namespace

void to_json(json& out, const TrajectoryMessage& message) {
    out = {{"role", message.role}, {"content", message.content}};
}

void to_json(json& out, const TrajectoryFinal& final_run) {
    out = {{"execution", final_run.execution},
           {"verdict", final_run.verdict},
           {"tests_passed", final_run.tests_passed},
           {"tests_total", final_run.tests_total}};
}

void to_json(json& out, const TrajectoryMeta& meta) {
    out = json::object();
    if (meta.bug_kind) out["bug_kind"] = *meta.bug_kind;
    if (meta.origin) out["origin"] = *meta.origin;
    if (meta.messages) out["messages"] = *meta.messages;
    if (meta.calls) out["calls"] = *meta.calls;
    if (meta.final_run) out["final"] = *meta.final_run;
    if (meta.max_steps) out["max_steps"] = *meta.max_steps;
    if (meta.model) out["model"] = *meta.model;
    if (meta.seed) out["seed"] = *meta.seed;
}

void from_json(const json& in, TrajectoryMeta& meta) {
    meta = {};
    if (!in.is_object()) return;
    if (const json* v = string_member(in, "bug_kind")) meta.bug_kind = v->get<std::string>();
    if (const json* v = string_member(in, "origin")) meta.origin = v->get<std::string>();
    if (const auto v = in.find("messages"); v != in.end()) meta.messages = read_messages(*v);
    if (const auto v = in.find("calls"); v != in.end()) meta.calls = read_calls(*v);
    if (const auto v = in.find("final"); v != in.end()) meta.final_run = read_final(*v);
    if (const json* v = integer_member(in, "max_steps")) meta.max_steps = v->get<int>();
    if (const json* v = string_member(in, "model")) meta.model = v->get<std::string>();
    if (const json* v = member(in, "seed", [](const json& s) { return s.is_number_unsigned(); }))
        meta.seed = v->get<std::uint64_t>();
}

TrajectoryMeta parse_trajectory_meta(std::string_view text) {
    const json parsed = json::parse(text.begin(), text.end(), nullptr, false);
    return parsed.is_discarded() ? TrajectoryMeta{} : parsed.get<TrajectoryMeta>();
}

} // namespace assay::store
