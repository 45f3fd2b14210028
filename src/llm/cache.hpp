// The LLM call cache: every successful call recorded in the store's `llm_calls` table, keyed by
// the hash of its full request, so a rerun is answered offline and reproducibly.
#pragma once

#include "llm/client.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace assay::llm {

// The content hash of the canonical JSON of `request` (model, messages, temperature, max_tokens,
// seed): requests that differ in any of these differ in hash.
[[nodiscard]] std::string request_hash(const ChatRequest& request);

// The recorded reply for `hash`, marked from_cache with attempts 0, if any: answer and reasoning
// apart (a call recorded before schema version 5 is split as it is read). Both throw
// FatalError when a statement fails, as the store's other plain-value functions (store.hpp).
[[nodiscard]] std::optional<ChatReply> find_llm_call(store::Store& store, std::string_view hash);

// Records a successful call, its answer and reasoning apart (the first one wins when the hash is
// already there).
void put_llm_call(store::Store& store, const ChatRequest& request, const ChatReply& reply);

// Wraps any client: answers from the store when the request was seen, otherwise asks `inner`
// (each distinct request once per batch) and records every success the moment it arrives, in a
// transaction of its own, so a run killed mid-batch never asks (and pays for) it again.
// Failures are not recorded, so a rerun asks again.
class CachingClient final : public LlmClient {
  public:
    // Neither is owned; both must outlive this client. `store` is used from the calling thread.
    CachingClient(LlmClient& inner, store::Store& store) : inner_(inner), store_(store) {}

    [[nodiscard]] std::vector<ChatResult>
    complete(const std::vector<ChatRequest>& requests) override;
    // Throws FatalError (naming the database) when an answer cannot be recorded, after the batch.
    // An answer from the store is told to `listener` at once (marked from_cache), before any
    // request is sent; `inner`'s sent and answered are passed on for every request they stand for.
    [[nodiscard]] std::vector<ChatResult> complete(const std::vector<ChatRequest>& requests,
                                                   const Listener& listener) override;

    // Requests answered from the store, and requests passed to `inner`, so far.
    [[nodiscard]] std::int64_t hits() const { return hits_; }
    [[nodiscard]] std::int64_t misses() const { return misses_; }

  private:
    LlmClient& inner_;
    store::Store& store_;
    std::int64_t hits_ = 0;
    std::int64_t misses_ = 0;
};

} // namespace assay::llm
