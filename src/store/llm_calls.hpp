// The `llm_calls` table: every successful LLM call, keyed by the content hash of its canonical
// request (llm::request_hash), so a rerun is answered offline. Never holds the API key.
#pragma once

#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace assay::store {

struct LlmCall {
    std::string request_hash;
    std::string model;
    std::string request; // the canonical request JSON
    std::string reply;   // the answer (llm::ChatReply::content)
    // The reasoning apart from the answer ("" when there was none); nullopt for a call recorded
    // before schema version 5, whose `reply` still holds any reasoning.
    std::optional<std::string> reasoning;
    std::string finish_reason;
    int prompt_tokens = 0;
    int completion_tokens = 0;
    double latency_ms = 0;
    int attempts = 0; // HTTP attempts it took
};

// The call recorded under `request_hash`, if any. Throws FatalError when a statement fails, as
// the other plain-value functions of the store (store.hpp).
[[nodiscard]] std::optional<LlmCall> find_llm_call(Store& db, std::string_view request_hash);

// Records a call; the first one wins when its hash is already there. Throws as find_llm_call.
void put_llm_call(Store& db, const LlmCall& call);

// How many calls of `model` are recorded. Throws as find_llm_call.
[[nodiscard]] std::int64_t count_llm_calls(Store& db, std::string_view model);

} // namespace assay::store
