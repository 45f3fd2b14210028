#include "llm/cache.hpp"

#include "util/hash.hpp"

#include <map>

namespace assay::llm {

std::string request_hash(const ChatRequest& request) {
    return util::content_hash_parts({"chat-completions-v1", request_json(request)});
}

std::optional<ChatReply> find_llm_call(store::Store& store, std::string_view hash) {
    store::Statement s(store.handle(),
                       "SELECT reply, finish_reason, prompt_tokens, completion_tokens, latency_ms "
                       "FROM llm_calls WHERE request_hash = ?");
    s.bind(1, hash);
    if (!s.step()) return std::nullopt;
    ChatReply reply;
    reply.content = s.column_text(0);
    reply.finish_reason = s.column_text(1);
    reply.prompt_tokens = static_cast<int>(s.column_int(2));
    reply.completion_tokens = static_cast<int>(s.column_int(3));
    reply.latency_ms = s.column_double(4);
    reply.from_cache = true;
    return reply;
}

void put_llm_call(store::Store& store, const ChatRequest& request, const ChatReply& reply) {
    store::Statement s(store.handle(),
                       "INSERT OR IGNORE INTO llm_calls(request_hash, model, request, reply, "
                       "finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, request_hash(request))
        .bind(2, request.model)
        .bind(3, request_json(request))
        .bind(4, reply.content)
        .bind(5, reply.finish_reason)
        .bind(6, reply.prompt_tokens)
        .bind(7, reply.completion_tokens)
        .bind(8, reply.latency_ms)
        .bind(9, reply.attempts)
        .run();
}

std::vector<ChatResult> CachingClient::complete(const std::vector<ChatRequest>& requests) {
    std::vector<std::optional<ChatResult>> results(requests.size());
    std::vector<ChatRequest> misses;
    std::map<std::string, std::vector<std::size_t>> waiting; // hash → indices into requests
    std::vector<std::string> miss_hashes;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const std::string hash = request_hash(requests[i]);
        if (auto cached = find_llm_call(store_, hash)) {
            results[i] = std::move(*cached);
            ++hits_;
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
    auto answers = misses.empty() ? std::vector<ChatResult>() : inner_.complete(misses);
    store_.transaction([&] {
        for (std::size_t m = 0; m < misses.size(); ++m) {
            if (answers[m]) put_llm_call(store_, misses[m], *answers[m]);
            for (std::size_t i : waiting[miss_hashes[m]])
                results[i] = answers[m];
        }
    });
    std::vector<ChatResult> out;
    out.reserve(results.size());
    for (auto& result : results)
        out.push_back(std::move(*result));
    return out;
}

} // namespace assay::llm
