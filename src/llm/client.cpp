#include "llm/client.hpp"

#include "llm/curl_handles.hpp"
#include "llm/reply_parser.hpp"
#include "util/interrupt.hpp"
#include "util/string.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <queue>
#include <random>

namespace assay::llm {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string_view to_string(LlmFailure failure) {
    switch (failure) {
    case LlmFailure::timeout:
        return "timeout";
    case LlmFailure::http_status:
        return "http_status";
    case LlmFailure::connection:
        return "connection";
    case LlmFailure::bad_body:
        return "bad_body";
    case LlmFailure::empty_reply:
        return "empty_reply";
    case LlmFailure::budget:
        return "budget";
    case LlmFailure::internal:
        return "internal";
    case LlmFailure::interrupted:
        return "interrupted";
    }
    return "internal";
}

std::string request_json(const ChatRequest& request) {
    json messages = json::array();
    for (const Message& m : request.messages)
        messages.push_back({{"role", m.role}, {"content", m.content}});
    // nlohmann's object is a std::map: keys come out sorted, so the dump is canonical.
    return json{{"model", request.model},
                {"messages", std::move(messages)},
                {"temperature", request.temperature},
                {"max_tokens", request.max_tokens},
                {"seed", request.seed}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// The start of a body for an error message, which ends up in JSON: the body may be anything.
std::string snippet(std::string_view text, std::size_t limit = 300) {
    std::string out = util::valid_utf8(util::utf8_prefix(text, limit));
    if (text.size() > limit) out += "…";
    return out;
}

const json* member(const json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

// A string or null (as ""); nullopt for anything else.
std::optional<std::string> string_or_null(const json* value) {
    if (value == nullptr || value->is_null()) return std::string();
    if (value->is_string()) return value->get<std::string>();
    return std::nullopt;
}

int token_count(const json* usage, const char* key) {
    const json* count = usage != nullptr ? member(*usage, key) : nullptr;
    if (count == nullptr || !count->is_number_integer()) return 0;
    return static_cast<int>(std::clamp<std::int64_t>(count->get<std::int64_t>(), 0, 1 << 30));
}

// The reasoning a server returned beside the content (vLLM's and SGLang's reasoning parsers and
// DeepSeek's API: `reasoning_content`; others: `reasoning`), trimmed; "" when neither is a string.
std::string reasoning_field(const json& message) {
    for (const char* key : {"reasoning_content", "reasoning"})
        if (const json* value = member(message, key); value != nullptr && value->is_string()) {
            const std::string_view text = util::trim(value->get_ref<const std::string&>());
            if (!text.empty()) return std::string(text);
        }
    return {};
}

} // namespace

Expected<ChatReply> parse_chat_response(std::string_view body) {
    const json reply = json::parse(body.begin(), body.end(), nullptr, false);
    if (reply.is_discarded() || !reply.is_object())
        return fail("reply is not a JSON object: {}", snippet(body));
    if (const json* error = member(reply, "error"); error != nullptr && !error->is_null())
        return fail("server reported an error: {}", snippet(error->dump()));
    const json* choices = member(reply, "choices");
    if (choices == nullptr || !choices->is_array() || choices->empty())
        return fail("reply has no choices: {}", snippet(body));
    const json& choice = (*choices)[0];
    const json* message = member(choice, "message");
    const auto content = message != nullptr ? string_or_null(member(*message, "content"))
                                            : std::optional<std::string>();
    const auto finish = string_or_null(member(choice, "finish_reason"));
    if (!content || !finish) return fail("reply's first choice is malformed: {}", snippet(body));
    ChatReply out;
    Reasoned split = split_reasoning(*content);
    out.content = std::move(split.answer);
    out.reasoning = reasoning_field(*message);
    if (!split.reasoning.empty())
        out.reasoning += (out.reasoning.empty() ? "" : "\n\n") + split.reasoning;
    out.finish_reason = *finish;
    const json* usage = member(reply, "usage");
    out.prompt_tokens = token_count(usage, "prompt_tokens");
    out.completion_tokens = token_count(usage, "completion_tokens");
    return out;
}

namespace {

LlmError llm_error(LlmFailure kind, std::string message, int status = 0) {
    LlmError error;
    error.message = std::move(message);
    error.kind = kind;
    error.http_status = status;
    return error;
}

bool retryable_status(long status) {
    return status == 408 || status == 409 || status == 429 || status >= 500;
}

// One request on its way through attempts. Its address is handed to libcurl, so it never moves.
struct Transfer {
    std::size_t index = 0;
    std::string body;
    int attempts = 0;
    Clock::time_point first_sent{};
    Clock::time_point ready_at{};
    CurlEasy easy;
    std::string response;
    std::size_t max_body = 0;
    bool too_large = false;
    // The stall watch of the attempt in flight: bytes received (headers and body) and, once
    // the first arrived, (when, bytes received by then) samples over the last stall window.
    milliseconds stall_timeout{0};
    std::size_t received = 0;
    std::deque<std::pair<Clock::time_point, std::size_t>> samples;
    bool stalled = false;

    void begin_attempt() {
        response.clear();
        too_large = false;
        received = 0;
        samples.clear();
        stalled = false;
    }

    void count(std::size_t bytes) {
        if (received == 0 && bytes > 0) samples.emplace_back(Clock::now(), 0);
        received += bytes;
    }
};

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    transfer->count(bytes);
    if (transfer->response.size() + bytes > transfer->max_body) {
        transfer->too_large = true;
        return 0; // makes libcurl abort the transfer with CURLE_WRITE_ERROR
    }
    transfer->response.append(data, bytes);
    return bytes;
}

std::size_t count_header(char*, std::size_t size, std::size_t count, void* user) {
    static_cast<Transfer*>(user)->count(size * count);
    return size * count;
}

// libcurl's progress callback (at least once a second while a transfer is in flight): aborts
// an attempt whose reply started and then received no more than one byte a second over the
// last stall window. Not libcurl's own low-speed limit, which also counts the silence while the
// server generates the reply before sending any of it.
int watch_stall(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    if (t->samples.empty()) return 0;
    const auto now = Clock::now();
    t->samples.emplace_back(now, t->received);
    const auto window_start = now - t->stall_timeout;
    while (t->samples.size() > 1 && t->samples[1].first <= window_start)
        t->samples.pop_front();
    const auto& [since, bytes_then] = t->samples.front();
    if (since > window_start) return 0; // not one whole window since the reply started
    const auto seconds = std::max<std::int64_t>(
        1, std::chrono::duration_cast<std::chrono::seconds>(t->stall_timeout).count());
    if (t->received - bytes_then > static_cast<std::size_t>(seconds)) return 0;
    t->stalled = true;
    return 1; // CURLE_ABORTED_BY_CALLBACK
}

struct LaterFirst {
    bool operator()(const Transfer* a, const Transfer* b) const {
        return a->ready_at > b->ready_at;
    }
};

} // namespace

struct HttpClient::State {
    HttpClientOptions options;
    std::string url;
    CurlMulti multi;
    CurlHeaders headers;
    std::mt19937_64 rng;
    std::int64_t calls = 0;
    std::int64_t tokens = 0;

    [[nodiscard]] bool budget_spent() const {
        const Budget& b = options.budget;
        return (b.max_calls >= 0 && calls >= b.max_calls) ||
               (b.max_tokens >= 0 && tokens >= b.max_tokens);
    }
};

namespace {

// The state machine of one complete() call: waiting → in flight → retry wait or finished.
class Batch {
  public:
    using State = HttpClient::State;

    Batch(State& state, const std::vector<ChatRequest>& requests,
          const LlmClient::Listener& listener)
        : state_(state), listener_(listener), results_(requests.size()),
          unfinished_(requests.size()) {
        for (std::size_t i = 0; i < requests.size(); ++i) {
            auto transfer = std::make_unique<Transfer>();
            transfer->index = i;
            transfer->body = request_json(requests[i]);
            transfer->max_body = state.options.max_body_bytes;
            fresh_.push_back(transfer.get());
            transfers_.push_back(std::move(transfer));
        }
    }

    std::vector<ChatResult> run() {
        while (unfinished_ > 0) {
            if (util::stop_signal() != 0) {
                abandon();
                break;
            }
            start_ready();
            int running = 0;
            curl_multi_perform(state_.multi.get(), &running);
            collect_finished();
            if (unfinished_ > 0) wait();
        }
        std::vector<ChatResult> out;
        out.reserve(results_.size());
        for (auto& result : results_)
            out.push_back(std::move(*result));
        return out;
    }

  private:
    Transfer* next_ready() {
        if (!retries_.empty() && retries_.top()->ready_at <= Clock::now()) {
            Transfer* t = retries_.top();
            retries_.pop();
            return t;
        }
        if (fresh_.empty()) return nullptr;
        Transfer* t = fresh_.front();
        fresh_.pop_front();
        return t;
    }

    void start_ready() {
        while (in_flight_ < state_.options.max_in_flight) {
            Transfer* t = next_ready();
            if (t == nullptr) return;
            if (state_.budget_spent()) {
                finish(*t,
                       tl::unexpected(llm_error(LlmFailure::budget,
                                                "LLM budget spent before the request was sent")));
                continue;
            }
            start(*t);
        }
    }

    void start(Transfer& t) {
        t.easy.reset(curl_easy_init());
        t.begin_attempt();
        t.stall_timeout = state_.options.stall_timeout;
        if (!t.easy || !configure(t) ||
            curl_multi_add_handle(state_.multi.get(), t.easy.get()) != CURLM_OK) {
            t.easy.reset();
            finish(t, tl::unexpected(
                          llm_error(LlmFailure::internal, "libcurl could not set up the request")));
            return;
        }
        ++state_.calls;
        ++in_flight_;
        if (t.attempts++ == 0) {
            t.first_sent = Clock::now();
            if (listener_.sent) listener_.sent(t.index);
        }
    }

    bool configure(Transfer& t) {
        CURL* e = t.easy.get();
        const HttpClientOptions& o = state_.options;
        CURLcode code = CURLE_OK;
        const auto set = [&](CURLoption option, auto value) {
            if (code == CURLE_OK) code = curl_easy_setopt(e, option, value);
        };
        set(CURLOPT_URL, state_.url.c_str());
        set(CURLOPT_HTTPHEADER, state_.headers.get());
        set(CURLOPT_POSTFIELDS, t.body.c_str());
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.body.size()));
        set(CURLOPT_WRITEFUNCTION, &collect_body);
        set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
        set(CURLOPT_HEADERFUNCTION, &count_header);
        set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
        set(CURLOPT_NOPROGRESS, 0L);
        set(CURLOPT_XFERINFOFUNCTION, &watch_stall);
        set(CURLOPT_XFERINFODATA, static_cast<void*>(&t));
        set(CURLOPT_PRIVATE, static_cast<void*>(&t));
        set(CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
        set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
        set(CURLOPT_NOSIGNAL, 1L);
        return code == CURLE_OK;
    }

    void collect_finished() {
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(state_.multi.get(), &queued)) {
            if (msg->msg != CURLMSG_DONE) continue;
            void* user = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &user);
            const CURLcode code = msg->data.result;
            on_done(*static_cast<Transfer*>(user), code);
        }
    }

    void on_done(Transfer& t, CURLcode code) {
        long status = 0;
        curl_off_t retry_after = 0;
        curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(t.easy.get(), CURLINFO_RETRY_AFTER, &retry_after);
        curl_multi_remove_handle(state_.multi.get(), t.easy.get());
        t.easy.reset();
        --in_flight_;
        auto [error, retry] = classify(t, code, status);
        if (!error) return;
        if (!retry || t.attempts >= state_.options.max_attempts) {
            finish(t, tl::unexpected(std::move(*error)));
            return;
        }
        t.ready_at = Clock::now() + backoff(t.attempts, retry_after);
        retries_.push(&t);
    }

    // Finishes `t` on success; otherwise returns the error, naming the URL, and whether it is
    // worth retrying.
    std::pair<std::optional<LlmError>, bool> classify(Transfer& t, CURLcode code, long status) {
        const int s = static_cast<int>(status);
        const std::string& url = state_.url;
        if (code == CURLE_ABORTED_BY_CALLBACK && t.stalled)
            return {llm_error(LlmFailure::timeout,
                              fmt::format("the reply from {} stalled: at most one byte a second "
                                          "for {} ms after it started ({} bytes received)",
                                          url, t.stall_timeout.count(), t.received)),
                    true};
        if (code == CURLE_OPERATION_TIMEDOUT)
            return {
                llm_error(LlmFailure::timeout, fmt::format("no complete reply from {} within {} ms",
                                                           url, state_.options.timeout.count())),
                true};
        if (code == CURLE_WRITE_ERROR && t.too_large)
            return {llm_error(LlmFailure::bad_body,
                              fmt::format("reply from {} larger than {} bytes", url, t.max_body)),
                    false};
        if (code == CURLE_OUT_OF_MEMORY || code == CURLE_URL_MALFORMAT ||
            code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_BAD_FUNCTION_ARGUMENT)
            return {llm_error(LlmFailure::internal,
                              fmt::format("{}: {}", url, curl_easy_strerror(code))),
                    false};
        if (code != CURLE_OK)
            return {llm_error(LlmFailure::connection,
                              fmt::format("{}: {}", url, curl_easy_strerror(code)), s),
                    true};
        if (status < 200 || status >= 300)
            return {llm_error(LlmFailure::http_status,
                              fmt::format("HTTP {} from {}: {}", status, url, snippet(t.response)),
                              s),
                    retryable_status(status)};
        auto reply = parse_chat_response(t.response);
        if (!reply)
            return {llm_error(LlmFailure::bad_body,
                              fmt::format("{} (from {})", reply.error().message, url), s),
                    true};
        state_.tokens += reply->prompt_tokens + reply->completion_tokens;
        // An empty answer is a fault of the server, never an answer to keep; one cut by
        // max_tokens before any content (a reasoning model still thinking) is the caller's to
        // ask again with more.
        if (reply->content.empty() && reply->finish_reason != "length")
            return {llm_error(LlmFailure::empty_reply,
                              fmt::format("the reply from {} has no content (message.content is "
                                          "null or empty): {}",
                                          url, snippet(t.response)),
                              s),
                    true};
        finish(t, std::move(*reply));
        return {std::nullopt, false};
    }

    milliseconds backoff(int attempts, curl_off_t retry_after_seconds) {
        const HttpClientOptions& o = state_.options;
        if (retry_after_seconds > 0)
            return std::min(milliseconds(retry_after_seconds * 1000), o.retry_after_cap);
        const int doublings = std::min(attempts - 1, 30);
        const auto ceiling = std::min(o.backoff_cap.count(), o.backoff_base.count() << doublings);
        std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
        return milliseconds(pick(state_.rng));
    }

    // SIGINT/SIGTERM: every request not answered yet fails now, its transfer dropped.
    void abandon() {
        for (const auto& t : transfers_) {
            if (results_[t->index]) continue;
            if (t->easy) {
                curl_multi_remove_handle(state_.multi.get(), t->easy.get());
                t->easy.reset();
                --in_flight_;
            }
            finish(*t, tl::unexpected(llm_error(
                           LlmFailure::interrupted,
                           fmt::format("not answered: {}", util::interrupted().value().message))));
        }
    }

    void finish(Transfer& t, ChatResult result) {
        if (result) {
            result->attempts = t.attempts;
            result->latency_ms =
                std::chrono::duration<double, std::milli>(Clock::now() - t.first_sent).count();
        } else {
            result.error().attempts = t.attempts;
        }
        results_[t.index] = std::move(result);
        --unfinished_;
        if (listener_.answered) listener_.answered(t.index, *results_[t.index]);
    }

    // Until libcurl has something to do or the next retry is due (at most one second).
    void wait() {
        milliseconds timeout(1000);
        if (!retries_.empty() && in_flight_ < state_.options.max_in_flight) {
            const auto due =
                std::chrono::duration_cast<milliseconds>(retries_.top()->ready_at - Clock::now());
            timeout = std::clamp(due + milliseconds(1), milliseconds(0), timeout);
        }
        if (in_flight_ < state_.options.max_in_flight && !fresh_.empty()) timeout = milliseconds(0);
        curl_multi_poll(state_.multi.get(), nullptr, 0, static_cast<int>(timeout.count()), nullptr);
    }

    State& state_;
    const LlmClient::Listener& listener_;
    std::vector<std::unique_ptr<Transfer>> transfers_;
    std::vector<std::optional<ChatResult>> results_;
    std::deque<Transfer*> fresh_;
    std::priority_queue<Transfer*, std::vector<Transfer*>, LaterFirst> retries_;
    int in_flight_ = 0;
    std::size_t unfinished_;
};

} // namespace

HttpClient::HttpClient(std::unique_ptr<State> state) : state_(std::move(state)) {}
HttpClient::~HttpClient() = default;

Expected<std::unique_ptr<HttpClient>> HttpClient::create(HttpClientOptions options) {
    ASSAY_TRY(init_curl());
    if (options.base_url.empty()) return fail("no LLM server URL given");
    if (options.max_in_flight < 1 || options.max_attempts < 1)
        return fail("max_in_flight and max_attempts must be at least 1");

    if (options.stall_timeout < milliseconds(1000))
        return fail("the stall timeout must be at least one second");

    auto state = std::make_unique<State>();
    state->url = endpoint_url(ASSAY_TRY(normalise_base_url(options.base_url)), "chat/completions");
    state->multi.reset(curl_multi_init());
    if (!state->multi) return fail_env("libcurl: cannot create a multi handle");
    curl_multi_setopt(state->multi.get(), CURLMOPT_MAXCONNECTS,
                      static_cast<long>(options.max_in_flight));
    // "Expect:" stops libcurl from waiting for 100-continue before sending a large body.
    std::string authorization = "Authorization: Bearer " + options.api_key;
    bool ok = append_header(state->headers, "Content-Type: application/json") &&
              append_header(state->headers, "Expect:");
    if (!options.api_key.empty()) ok = ok && append_header(state->headers, authorization.c_str());
    if (!ok) return fail_env("libcurl: out of memory building headers");
    state->rng.seed(options.jitter_seed != 0 ? options.jitter_seed : std::random_device{}());
    state->options = std::move(options);
    return std::unique_ptr<HttpClient>(new HttpClient(std::move(state)));
}

std::vector<ChatResult> HttpClient::complete(const std::vector<ChatRequest>& requests) {
    return complete(requests, {});
}

std::vector<ChatResult> HttpClient::complete(const std::vector<ChatRequest>& requests,
                                             const Listener& listener) {
    return Batch(*state_, requests, listener).run();
}

std::int64_t HttpClient::calls_made() const {
    return state_->calls;
}
std::int64_t HttpClient::tokens_used() const {
    return state_->tokens;
}

} // namespace assay::llm
