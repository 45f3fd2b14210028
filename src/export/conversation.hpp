// The pieces every conversational export is built from: messages in the OpenAI/TRL shape
// ({role, content}), code in a Markdown fence, and the per-assistant-turn `weight` that marks
// which replies are training targets (OpenAI's fine-tuning convention, also read by axolotl's
// chat_template).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace assay::exports {

// {"role": role, "content": content}.
[[nodiscard]] nlohmann::json message(std::string_view role, const std::string& content);

// `code` in a Markdown fence tagged with `language`: ``` unless the code holds a run of three or
// more backticks, then one backtick longer than its longest run, so the fence cannot close early.
[[nodiscard]] std::string fenced(const std::string& language, const std::string& code);

// The messages with `weight` on every assistant turn: 1 on the last one when `trained` (the
// answer the conversation ends with is a target), 0 on every other (context, not targets); with
// `from_second` (and `trained`), 1 on every assistant turn after the first too.
[[nodiscard]] nlohmann::json weighted(nlohmann::json messages, bool trained,
                                      bool from_second = false);

// [user: prompt, assistant: reply (weight 1)]: a one-turn exchange whose reply is the target.
[[nodiscard]] nlohmann::json exchange(const std::string& prompt, const std::string& reply);

} // namespace assay::exports
