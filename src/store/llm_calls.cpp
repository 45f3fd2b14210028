#include "store/llm_calls.hpp"

#include "store/connection.hpp"

namespace assay::store {

std::optional<LlmCall> find_llm_call(Store& db, std::string_view request_hash) {
    Statement s(Connection::of(db),
                "SELECT model, request, reply, finish_reason, prompt_tokens, completion_tokens, "
                "latency_ms, attempts, reasoning FROM llm_calls WHERE request_hash = ?");
    s.bind(1, request_hash);
    if (!s.step()) return std::nullopt;
    return LlmCall{.request_hash = std::string(request_hash),
                   .model = s.column_text(0),
                   .request = s.column_text(1),
                   .reply = s.column_text(2),
                   .reasoning =
                       s.column_is_null(8) ? std::nullopt : std::optional(s.column_text(8)),
                   .finish_reason = s.column_text(3),
                   .prompt_tokens = static_cast<int>(s.column_int(4)),
                   .completion_tokens = static_cast<int>(s.column_int(5)),
                   .latency_ms = s.column_double(6),
                   .attempts = static_cast<int>(s.column_int(7))};
}

void put_llm_call(Store& db, const LlmCall& call) {
    Statement s(Connection::of(db),
                "INSERT OR IGNORE INTO llm_calls(request_hash, model, request, reply, "
                "finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, reasoning) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, call.request_hash)
        .bind(2, call.model)
        .bind(3, call.request)
        .bind(4, call.reply)
        .bind(5, call.finish_reason)
        .bind(6, call.prompt_tokens)
        .bind(7, call.completion_tokens)
        .bind(8, call.latency_ms)
        .bind(9, call.attempts)
        .bind(10, call.reasoning.value_or(""))
        .run();
}

std::int64_t count_llm_calls(Store& db, std::string_view model) {
    Statement s(Connection::of(db), "SELECT count(*) FROM llm_calls WHERE model = ?");
    s.bind(1, model);
    return s.step() ? s.column_int(0) : 0;
}

} // namespace assay::store
