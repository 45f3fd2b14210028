#include "tools/fake_llm_server.hpp"

#include "tools/http_listen.hpp"
#include "util/hash.hpp"

#include <array>
#include <atomic>
#include <fmt/format.h>
#include <httplib.h>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

namespace assay::tools {

using nlohmann::json;

namespace {

// A uniform 64-bit number determined by `parts`.
std::uint64_t draw(const std::vector<std::string_view>& parts) {
    return std::stoull(util::content_hash_parts(parts).substr(0, 16), nullptr, 16);
}

std::string last_user_message(const json& request) {
    const json& messages = request.value("messages", json::array());
    for (auto it = messages.rbegin(); it != messages.rend(); ++it)
        if (it->is_object() && it->value("role", "") == "user" && (*it)["content"].is_string())
            return (*it)["content"].get<std::string>();
    return {};
}

std::string entry_point_of(const std::string& prompt) {
    static const std::regex marker(R"(ENTRY_POINT:\s*([A-Za-z_][A-Za-z0-9_]*))");
    static const std::regex def(R"(def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\()");
    std::smatch match;
    if (std::regex_search(prompt, match, marker) || std::regex_search(prompt, match, def))
        return match[1];
    return "solve";
}

// Canned bodies: plausible, rarely right.
constexpr std::array<std::string_view, 5> kBodies{
    "return args[0] if args else None",
    "return sorted(args[0]) if args else []",
    "return sum(args[0]) if args else 0",
    "return len(args[0]) if args else 0",
    "result = []\n    for item in (args[0] if args else []):\n        result.append(item)\n    "
    "return result",
};

std::string function(const std::string& name, std::uint64_t pick) {
    return fmt::format("def {}(*args):\n    \"\"\"Written by assay-fake-llm.\"\"\"\n    {}\n", name,
                       kBodies[pick % kBodies.size()]);
}

std::string fenced(std::string_view code, std::string_view fence = "```",
                   std::string_view tag = "python") {
    return fmt::format("{}{}\n{}{}\n", fence, tag, code, fence);
}

// The shapes real replies take, in rough proportion (out of 100).
FakeReply shaped_reply(const std::string& name, std::uint64_t h) {
    const std::string code = function(name, h >> 8);
    const std::uint64_t shape = h % 100;
    if (shape < 50)
        return {fmt::format("Here is an implementation of `{}`:\n\n{}\nIt handles the empty case.",
                            name, fenced(code)),
                "stop"};
    if (shape < 65)
        return {fmt::format("Solution:\n\n{}\nExample usage:\n\n{}", fenced(code),
                            fenced(fmt::format("print({}([3, 1, 2]))\n", name))),
                "stop"};
    if (shape < 80)
        return {fmt::format("This should work:\n\n{}",
                            fenced(fmt::format("def {}(*args)\n    return args[0] +\n", name))),
                "stop"};
    if (shape < 90)
        return {fmt::format("Let me think step by step.\n\n```python\n{}",
                            code.substr(0, code.size() / 2)),
                "length"};
    if (shape < 95) return {code, "stop"};
    return {fmt::format("Sure.\n\n{}", fenced(code, "~~~", "py")), "stop"};
}

} // namespace

FakeReply fake_reply(std::uint64_t seed, const json& request) {
    const std::string prompt = last_user_message(request);
    const std::string seed_text = std::to_string(seed);
    const std::string canonical = request.dump();
    const std::uint64_t h = draw({"reply", seed_text, canonical});
    if (prompt.find("ENTRY_POINT") == std::string::npos && prompt.find("def ") == std::string::npos)
        return {fmt::format("Good question. A general approach:\n\n{}\nAdapt it to your data.",
                            fenced(function("solve", h))),
                "stop"};
    FakeReply reply = shaped_reply(entry_point_of(prompt), h);
    // A reply longer than max_tokens (about four characters a token) is cut, as servers do.
    const auto limit = static_cast<std::size_t>(std::max(1, request.value("max_tokens", 1024))) * 4;
    if (reply.content.size() > limit) reply = {reply.content.substr(0, limit), "length"};
    return reply;
}

Fault fake_fault(std::uint64_t seed, double fault_rate, const std::string& body, int seen) {
    const std::string seed_text = std::to_string(seed);
    const std::string seen_text = std::to_string(seen);
    const std::uint64_t h = draw({"fault", seed_text, body, seen_text});
    if (static_cast<double>(h % 1'000'000) >= fault_rate * 1'000'000) return Fault::none;
    constexpr std::array kFaults{Fault::rate_limited, Fault::server_error, Fault::unavailable,
                                 Fault::dropped,      Fault::slow,         Fault::malformed};
    return kFaults[(h >> 32) % kFaults.size()];
}

namespace {

std::string completion_body(const json& request, const FakeReply& reply) {
    std::size_t prompt_chars = 0;
    for (const json& m : request.value("messages", json::array()))
        if (m.is_object() && m.contains("content") && m["content"].is_string())
            prompt_chars += m["content"].get_ref<const std::string&>().size();
    return json{{"id", "chatcmpl-fake"},
                {"object", "chat.completion"},
                {"model", request.value("model", "fake-model")},
                {"choices",
                 {{{"index", 0},
                   {"message", {{"role", "assistant"}, {"content", reply.content}}},
                   {"finish_reason", reply.finish_reason}}}},
                {"usage",
                 {{"prompt_tokens", prompt_chars / 4 + 1},
                  {"completion_tokens", reply.content.size() / 4 + 1}}}}
        .dump();
}

void refuse(httplib::Response& res, int status, std::string_view message) {
    res.status = status;
    res.set_content(
        json{{"error", {{"message", message}, {"type", "invalid_request_error"}}}}.dump(),
        "application/json");
}

} // namespace

struct FakeLlmServer::Impl {
    FakeLlmOptions options;
    httplib::Server server;
    std::mutex mutex;
    std::map<std::string, int> seen; // request hash → arrivals so far
    std::atomic<bool> serving{false};
    std::atomic<bool> stopped{false};

    int arrival(const std::string& body) {
        std::lock_guard lock(mutex);
        return seen[util::content_hash(body)]++;
    }

    // Answers with `fault`; false when the call should be answered normally after all.
    bool inject(Fault fault, httplib::Response& res) {
        switch (fault) {
        case Fault::none:
            return false;
        case Fault::rate_limited:
            res.set_header("Retry-After", "1");
            refuse(res, 429, "rate limited");
            return true;
        case Fault::server_error:
            refuse(res, 500, "internal error");
            return true;
        case Fault::unavailable:
            refuse(res, 503, "overloaded");
            return true;
        case Fault::dropped:
            res.set_content_provider(
                64, "application/json",
                [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
            return true;
        case Fault::slow:
            std::this_thread::sleep_for(std::chrono::milliseconds(options.slow_ms));
            return false;
        case Fault::malformed:
            res.set_content(R"({"id":"chatcmpl-fake","choices":[{"message":{"content":"def f(")",
                            "application/json");
            return true;
        }
        return false;
    }

    void chat(const httplib::Request& req, httplib::Response& res) {
        if (options.latency_ms > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(options.latency_ms));
        const json request = json::parse(req.body, nullptr, false);
        if (request.is_discarded() || !request.is_object() || !request.contains("messages"))
            return refuse(res, 400, "the body is not a chat completions request");
        if (request.value("n", 1) != 1) return refuse(res, 400, "only n = 1 is supported");
        if (inject(fake_fault(options.seed, options.fault_rate, req.body, arrival(req.body)), res))
            return;
        res.set_content(completion_body(request, fake_reply(options.seed, request)),
                        "application/json");
    }
};

FakeLlmServer::FakeLlmServer(FakeLlmOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    const std::size_t threads = std::max<std::size_t>(options.threads, 1);
    impl_->server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    impl_->server.Post(
        "/v1/chat/completions",
        [this](const httplib::Request& req, httplib::Response& res) { impl_->chat(req, res); });
    impl_->server.Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(
            R"({"object":"list","data":[{"id":"fake-model","object":"model","owned_by":"assay"}]})",
            "application/json");
    });
}

FakeLlmServer::~FakeLlmServer() {
    stop();
}

Expected<int> FakeLlmServer::bind(const std::string& host, int port) {
    const int bound = bind_for_bursts(impl_->server, host, port);
    if (bound <= 0) return fail("cannot listen on {}:{}", host, port);
    return bound;
}

void FakeLlmServer::serve() {
    impl_->serving = true;
    if (!impl_->stopped) impl_->server.listen_after_bind();
    impl_->serving = false;
}

void FakeLlmServer::stop() {
    impl_->stopped = true;
    // httplib forgets a stop() that comes before its loop runs: wait for the loop (bounded).
    for (int i = 0; i < 500 && impl_->serving && !impl_->server.is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    impl_->server.stop();
}

} // namespace assay::tools
