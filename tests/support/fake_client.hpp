// An in-process llm::LlmClient whose replies a test writes: stage tests talk to it instead of a
// server (the HTTP client has its own tests against real loopback servers).
#pragma once

#include "llm/client.hpp"

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace assay::testing {

// What the request is: the `### Task: <kind>` line of its last user message.
inline std::string task_of(const llm::ChatRequest& request) {
    const std::string& last = request.messages.back().content;
    const std::string marker = "### Task: ";
    const auto at = last.find(marker);
    if (at == std::string::npos) return "";
    const auto begin = at + marker.size();
    return last.substr(begin, last.find('\n', begin) - begin);
}

inline llm::ChatResult reply(std::string content, std::string finish_reason = "stop") {
    llm::ChatReply r;
    r.content = std::move(content);
    r.finish_reason = std::move(finish_reason);
    r.prompt_tokens = 10;
    r.completion_tokens = 10;
    r.attempts = 1;
    return r;
}

inline llm::ChatResult failure(std::string message) {
    llm::LlmError error;
    error.message = std::move(message);
    error.kind = llm::LlmFailure::http_status;
    return tl::unexpected(error);
}

class FakeClient final : public llm::LlmClient {
  public:
    using Script = std::function<llm::ChatResult(const llm::ChatRequest&)>;
    explicit FakeClient(Script script) : script_(std::move(script)) {}

    std::vector<llm::ChatResult> complete(const std::vector<llm::ChatRequest>& requests) override {
        std::vector<llm::ChatResult> out;
        for (const llm::ChatRequest& r : requests) {
            asked.push_back(r);
            out.push_back(script_(r));
        }
        return out;
    }

    std::vector<llm::ChatRequest> asked; // every request, in order

  private:
    Script script_;
};

} // namespace assay::testing
