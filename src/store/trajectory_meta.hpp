// The `meta` JSON of a trajectory: what each kind records beside its steps. Writers store
// `nlohmann::json(meta).dump()`; only the fields that are set are written (a JSON object sorts
// its keys), so each kind keeps its own keys:
//   bugfix     {"bug_kind", "origin"}: "mutation" (an AST operator) or "llm" (the model);
//   reflexion  {"calls", "final", "max_steps", "messages", "model", "seed"}.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::store {

// One message of a Reflexion conversation, as sent to or received from the model.
struct TrajectoryMessage {
    std::string role;
    std::string content;

    bool operator==(const TrajectoryMessage&) const = default;
};

// The final code of a Reflexion trajectory judged on every test, hidden ones included (JSON
// key "final").
struct TrajectoryFinal {
    std::int64_t execution = 0; // its executions row
    std::string verdict;        // run level: ok, compile_error, timeout, ...
    int tests_passed = 0;
    int tests_total = 0;

    bool operator==(const TrajectoryFinal&) const = default;
};

struct TrajectoryMeta {
    std::optional<std::string> bug_kind; // bugfix: the mutation operator or bug category
    std::optional<std::string> origin;   // bugfix: who made the bug, "mutation" or "llm"
    // reflexion: the conversation, system message first.
    std::optional<std::vector<TrajectoryMessage>> messages;
    // reflexion: the request hash (llm::request_hash) of the call each step's answer came from,
    // in step order: where its reasoning is stored (llm_calls).
    std::optional<std::vector<std::string>> calls;
    std::optional<TrajectoryFinal> final_run;
    std::optional<int> max_steps;
    std::optional<std::string> model;
    std::optional<std::uint64_t> seed;

    bool operator==(const TrajectoryMeta&) const = default;
};

void to_json(nlohmann::json& out, const TrajectoryMessage& message);
void to_json(nlohmann::json& out, const TrajectoryFinal& final_run);
void to_json(nlohmann::json& out, const TrajectoryMeta& meta);

// Reads what it can and never throws: stored meta may come from an older build or by hand, so a
// field that is absent or of another type is left unset, as is a message list with an entry
// that is not {role, content} strings, a call list with an entry that is not a string and a final
// run missing one of its four fields.
void from_json(const nlohmann::json& in, TrajectoryMeta& meta);

// The meta stored as `text`; empty when it is not a JSON object.
[[nodiscard]] TrajectoryMeta parse_trajectory_meta(std::string_view text);

} // namespace assay::store
