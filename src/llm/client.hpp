// The LLM boundary (ARCHITECTURE.md "The LLM stages"): chat requests to any OpenAI-compatible
// `{base}/chat/completions` server, many in flight, with retries, timeouts and budgets.
#pragma once

#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace assay::llm {

struct Message {
    std::string role; // "system", "user", "assistant"
    std::string content;
};

// One sample: `n` is never sent, each request carries its own seed. Servers that read the seed
// as a signed 64-bit integer want seeds below 2^63.
struct ChatRequest {
    std::string model;
    std::vector<Message> messages;
    double temperature = 0.0;
    int max_tokens = 1024;
    std::uint64_t seed = 0;
};

struct ChatReply {
    // The answer: the message's content without the reasoning a reasoning model put before it
    // (split_reasoning, reply_parser.hpp). Everything that reads replies reads this.
    std::string content;
    // The reasoning: the message's `reasoning_content` (or `reasoning`) field, then the think
    // blocks split off its content; "" when there is none. Training data, never parsed.
    std::string reasoning;
    std::string finish_reason; // "stop", "length" (truncated: the caller decides), … or ""
    int prompt_tokens = 0;
    int completion_tokens = 0;
    int attempts = 0;      // HTTP requests this reply took (0 when answered from a cache)
    double latency_ms = 0; // first send to final reply, backoff included
    bool from_cache = false;
};

enum class LlmFailure {
    timeout,     // the last attempt hit the per-request timeout, or its reply stalled
    http_status, // a non-retryable status, or a retryable one on the last attempt
    connection,  // refused, reset, dropped mid-reply
    bad_body,    // a reply that is not a chat completion (or too large)
    empty_reply, // a chat completion whose content is null or empty (and not cut by max_tokens)
    budget,      // not sent: the client's call or token budget is spent
    internal,    // libcurl itself failed (out of memory, bad option)
    interrupted, // SIGINT/SIGTERM stopped the batch before this request was answered
};

[[nodiscard]] std::string_view to_string(LlmFailure failure);

// An Error (so ASSAY_TRY carries it on as one) that also says which kind of failure it was.
struct LlmError : Error {
    LlmFailure kind = LlmFailure::internal;
    int http_status = 0; // the last status seen, 0 if none
    int attempts = 0;
};

using ChatResult = tl::expected<ChatReply, LlmError>;

// The outside boundary (ARCHITECTURE.md "The LLM stages"): production talks HTTP, tests substitute
// a double.
class LlmClient {
  public:
    // Called with a request's index and its final result the moment it is known, on the thread
    // that called complete().
    using Answered = std::function<void(std::size_t, const ChatResult&)>;
    // What complete() tells its caller while the batch runs (a progress line), on the thread that
    // called complete(). Either may be empty.
    struct Listener {
        // Request i was sent (its first attempt; retries are not told). A request answered from
        // a cache, or failed before it was sent (a budget spent), never is.
        std::function<void(std::size_t)> sent;
        Answered answered;
    };

    virtual ~LlmClient() = default;
    // One result per request, in order. Requests run concurrently; a failure of one does not
    // affect the others.
    [[nodiscard]] virtual std::vector<ChatResult>
    complete(const std::vector<ChatRequest>& requests) = 0;
    // The same, telling `listener` of each request as it is sent and of each result as it
    // arrives (so it can be kept before the batch ends). This default tells it that all were
    // sent, and of each result once all are in.
    [[nodiscard]] virtual std::vector<ChatResult> complete(const std::vector<ChatRequest>& requests,
                                                           const Listener& listener) {
        if (listener.sent)
            for (std::size_t i = 0; i < requests.size(); ++i)
                listener.sent(i);
        std::vector<ChatResult> out = complete(requests);
        if (listener.answered)
            for (std::size_t i = 0; i < out.size(); ++i)
                listener.answered(i, out[i]);
        return out;
    }
};

// Caps over the lifetime of one client; negative means unlimited. A call is one HTTP request
// (retries count); tokens are prompt + completion tokens as the server reports them. Once a cap
// is reached, requests not yet sent fail with LlmFailure::budget.
struct Budget {
    std::int64_t max_calls = -1;
    std::int64_t max_tokens = -1;
};

struct HttpClientOptions {
    // The server as a user writes it (normalise_base_url): "http://127.0.0.1:8080",
    // "http://127.0.0.1:8080/v1", or the full ".../v1/chat/completions".
    std::string base_url;
    // Sent as `Authorization: Bearer …` when not empty; never logged, never stored.
    std::string api_key;
    int max_in_flight = 16;
    std::chrono::milliseconds timeout{120'000}; // per attempt, whole transfer
    std::chrono::milliseconds connect_timeout{10'000};
    // Once the reply has started (its first header byte), an attempt that receives no more than
    // one byte a second over this long has stalled: a timeout, retried. Before the first byte
    // only `timeout` applies, since a server sends nothing while it generates the whole reply.
    std::chrono::milliseconds stall_timeout{30'000};
    int max_attempts = 5;
    // Backoff before attempt k+1 is uniform in [0, min(cap, base * 2^(k-1))] ("full jitter"),
    // unless the server sent Retry-After, which is honoured up to retry_after_cap.
    std::chrono::milliseconds backoff_base{500};
    std::chrono::milliseconds backoff_cap{30'000};
    std::chrono::milliseconds retry_after_cap{120'000};
    std::size_t max_body_bytes = 16u << 20; // a larger reply is bad_body
    Budget budget;
    std::uint64_t jitter_seed = 0; // 0: seeded from std::random_device
};

// Fails, saying why, unless `url` is an http:// or https:// URL with a host (and a valid port,
// when it has one): what HttpClient takes as base_url.
[[nodiscard]] Expected<void> check_base_url(const std::string& url);

// The base that `/chat/completions` and `/models` are appended to, from a URL as users write
// it: the server's root gets `/v1` ("http://h:8000" → "http://h:8000/v1"), a path that has a
// version segment (`/v1`, `/proxy/v1`, `/v1beta/openai`) is kept, any other path gets `/v1`
// (`/proxy` → `/proxy/v1`), and a full `…/chat/completions` URL is cut before that, whatever
// precedes it; trailing slashes go, a query stays. Takes what the user wrote (a root-level
// "http://h/chat/completions" gives "http://h/", which is not to be normalised again). Fails as
// check_base_url.
[[nodiscard]] Expected<std::string> normalise_base_url(const std::string& url);

// `base` (from normalise_base_url) with `/leaf` appended to its path: endpoint_url(b, "models").
[[nodiscard]] std::string endpoint_url(const std::string& base, std::string_view leaf);

// $ASSAY_API_KEY, else $OPENAI_API_KEY, else "".
[[nodiscard]] std::string api_key_from_env();

// The canonical JSON of a request, also its request body: keys sorted, every field present.
[[nodiscard]] std::string request_json(const ChatRequest& request);

// Parses a `/v1/chat/completions` response body into answer, reasoning, finish reason and token
// counts; the reasoning is split from the answer here, once for every client. Fails on anything
// else (including a body that holds an `error` object). A reasoning field that is not a string is
// ignored.
[[nodiscard]] Expected<ChatReply> parse_chat_response(std::string_view body);

// The HTTP implementation on libcurl's multi interface. Not thread-safe: one thread calls
// complete() at a time. Budget counters persist across calls.
class HttpClient final : public LlmClient {
  public:
    // Fails when libcurl cannot be initialised or the options are unusable.
    [[nodiscard]] static Expected<std::unique_ptr<HttpClient>> create(HttpClientOptions options);
    ~HttpClient() override;

    [[nodiscard]] std::vector<ChatResult>
    complete(const std::vector<ChatRequest>& requests) override;
    // Stops early on SIGINT/SIGTERM (util/interrupt.hpp): transfers in flight are dropped and
    // every request not answered yet fails with LlmFailure::interrupted.
    [[nodiscard]] std::vector<ChatResult> complete(const std::vector<ChatRequest>& requests,
                                                   const Listener& listener) override;

    // HTTP requests sent and tokens reported so far.
    [[nodiscard]] std::int64_t calls_made() const;
    [[nodiscard]] std::int64_t tokens_used() const;

    struct State; // libcurl handles, options, budget counters; defined in client.cpp

  private:
    explicit HttpClient(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

} // namespace assay::llm
