// Reading a chat-completions request the way assay-fake-llm needs to: which prompt of
// src/llm/prompts/ it is, and what that prompt names (the entry point, the program, the topic,
// the test count, the bug category, the test feedback). Requests are untrusted: any JSON, any
// size. Everything here is a linear scan (no std::regex, which recurses on long inputs) and
// never throws.
#pragma once

#include "util/string.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace assay::tools {

struct FakeRequest {
    // The word after `### Task:` at the start of a line of the last user message ("solve",
    // "reflexion-retry", …); "" when there is none.
    std::string kind;
    // The word after `### Language:` at the start of a line of a user message (the first
    // message that has one), else "python" (Python's prompts name no language).
    std::string language = "python";
    std::vector<std::string> user;      // the user messages, in order
    std::vector<std::string> assistant; // the assistant messages, in order
    // The function the request is about: the first of named_entry_point() over the user
    // messages, last to first; "" when none names one.
    std::string entry_point;
    // The code of the first fenced block of the last user message, blank lines at its end
    // dropped and one newline added; "" when there is none.
    std::string program;
    // Kind-specific parts of the templates, "" / 0 when absent.
    std::string topic;    // instruct: "… exercise about <topic>, of …"
    int count = 0;        // tests: "Write <count> unit tests"
    std::string category; // bug: "… bug of this kind: <category> (…"
    std::string feedback; // reflexion-retry: between "What failed:" and "First explain"
    int max_tokens = 1024;
    std::string canonical; // the request re-serialised (keys sorted): what a reply is drawn from

    [[nodiscard]] const std::string& last_user() const;
};

// Never throws; a request that is not an object, or whose fields have the wrong types, reads as
// one without them. Message content may be a string or an array of `{"type":"text","text":…}`.
[[nodiscard]] FakeRequest read_request(const nlohmann::json& request);

// The word after `### Task:` at the start of a line, or "".
[[nodiscard]] std::string task_kind(std::string_view message);

// The word after `marker` (`### Task:`, `### Language:`) at the start of a line, or "".
[[nodiscard]] std::string marked_word(std::string_view message, std::string_view marker);

// The function a message names, in order of preference: "the function `name`" (how every
// template names it), `ENTRY_POINT: name`, the first `def name(` inside a fenced block, the
// first `def name(` at the start of a line. "" when none.
[[nodiscard]] std::string named_entry_point(std::string_view message);

// `text` without spaces, tabs and line breaks at either end.
using util::trim;

// Every identifier of `text` that is followed by `(` or enclosed in backticks, in order of first
// appearance, without repeats: the names a prompt may mention.
[[nodiscard]] std::vector<std::string> mentioned_names(std::string_view text);

} // namespace assay::tools
