#include "llm/cache.hpp"

#include "llm/reply_parser.hpp"
#include "store/llm_calls.hpp"
#include "util/hash.hpp"

#include <map>

namespace assay::llm {

std::string request_hash(const ChatRequest& request) {
    return util::content_hash_parts({"chat-completions-v1", request_json(request)});
}

std::optional<ChatReply> find_llm_call(store::Store& store, std::string_view hash) {
    auto call = store::find_llm_call(store, hash);
    if (!call) return std::nullopt;
    // A call recorded before the reasoning had its own column holds it in its reply still.
    Reasoned split = call->reasoning ? Reasoned{std::move(call->reply), std::move(*call->reasoning)}
                                     : split_reasoning(call->reply);
    return ChatReply{.content = std::move(split.answer),
                     .reasoning = std::move(split.reasoning),
                     .finish_reason = std::move(call->finish_reason),
                     .prompt_tokens = call->prompt_tokens,
                     .completion_tokens = call->completion_tokens,
                     .attempts = 0,
                     .latency_ms = call->latency_ms,
                     .from_cache = true};
}

void put_llm_call(store::Store& store, const ChatRequest& request, const ChatReply& reply) {
    store::put_llm_call(store, {.request_hash = request_hash(request),
                                .model = request.model,
                                .request = request_json(request),
                                .reply = reply.content,
                                .reasoning = reply.reasoning,
                                .finish_reason = reply.finish_reason,
                                .prompt_tokens = reply.prompt_tokens,
                                .completion_tokens = reply.completion_tokens,
                                .latency_ms = reply.latency_ms,
                                .attempts = reply.attempts});
}

std::vector<ChatResult> CachingClient::complete(const std::vector<ChatRequest>& requests) {
    return complete(requests, {});
}

std::vector<ChatResult> CachingClient::complete(const std::vector<ChatRequest>& requests,
                                                const Listener& listener) {
    std::vector<std::optional<ChatResult>> results(requests.size());
    std::vector<ChatRequest> misses;
    std::map<std::string, std::vector<std::size_t>> waiting; // hash → indices into requests
    std::vector<std::string> miss_hashes;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const std::string hash = request_hash(requests[i]);
        if (auto cached = llm::find_llm_call(store_, hash)) {
            results[i] = std::move(*cached);
            ++hits_;
            if (listener.answered) listener.answered(i, *results[i]);
            continue;
        }
        auto& indices = waiting[hash];
        if (indices.empty()) {
            misses.push_back(requests[i]);
            miss_hashes.push_back(hash);
        }
        indices.push_back(i);
    }
    misses_ += static_cast<std::int64_t>(misses.size());
    // Each answer is recorded as it arrives. A failed write must not unwind through the inner
    // client's transfer loop: it is kept, later answers are not recorded, and it ends the batch.
    std::optional<FatalError> unrecorded;
    const auto arrived = [&](std::size_t m, const ChatResult& answer) {
        if (answer && !unrecorded) {
            try {
                store_.transaction([&] { llm::put_llm_call(store_, misses[m], *answer); });
            } catch (const FatalError& error) {
                unrecorded = error;
            }
        }
        for (std::size_t i : waiting[miss_hashes[m]]) {
            results[i] = answer;
            if (listener.answered) listener.answered(i, answer);
        }
    };
    const auto sent = [&](std::size_t m) {
        if (listener.sent)
            for (std::size_t i : waiting[miss_hashes[m]])
                listener.sent(i);
    };
    if (!misses.empty()) (void)inner_.complete(misses, {sent, arrived});
    if (unrecorded) throw *unrecorded;
    std::vector<ChatResult> out;
    out.reserve(results.size());
    for (auto& result : results)
        out.push_back(std::move(*result));
    return out;
}

} // namespace assay::llm
