#include "tools/fake_llm_server.hpp"

#include "tools/http_listen.hpp"
#include "util/hash.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <httplib.h>
#include <map>
#include <mutex>
#include <thread>

namespace assay::tools {

using nlohmann::json;

namespace {

// A uniform 64-bit number determined by `parts`.
std::uint64_t draw(const std::vector<std::string_view>& parts) {
    return std::stoull(util::content_hash_parts(parts).substr(0, 16), nullptr, 16);
}

} // namespace

Fault fake_fault(std::uint64_t seed, double fault_rate, const std::string& body, int seen) {
    const std::string seed_text = std::to_string(seed);
    const std::string seen_text = std::to_string(seen);
    const std::uint64_t h = draw({"fault", seed_text, body, seen_text});
    if (static_cast<double>(h % 1'000'000) >= fault_rate * 1'000'000) return Fault::none;
    constexpr std::array kFaults{Fault::rate_limited, Fault::server_error, Fault::unavailable,
                                 Fault::dropped,      Fault::slow,         Fault::malformed};
    return kFaults[(h >> 32) % kFaults.size()];
}

std::string_view fault_name(Fault fault) {
    switch (fault) {
    case Fault::none:
        return "answered";
    case Fault::rate_limited:
        return "rate_limited";
    case Fault::server_error:
        return "server_error";
    case Fault::unavailable:
        return "unavailable";
    case Fault::dropped:
        return "dropped";
    case Fault::slow:
        return "slow";
    case Fault::malformed:
        return "malformed";
    }
    return "unknown";
}

namespace {

std::string completion_body(const json& request, const FakeReply& reply) {
    std::size_t prompt_chars = 0;
    for (const json& m : request.value("messages", json::array()))
        if (m.is_object() && m.contains("content") && m["content"].is_string())
            prompt_chars += m["content"].get_ref<const std::string&>().size();
    json message{{"role", "assistant"}, {"content", reply.content}};
    if (!reply.reasoning.empty()) message["reasoning_content"] = reply.reasoning;
    return json{
        {"id", "chatcmpl-fake"},
        {"object", "chat.completion"},
        {"model", request.contains("model") && request["model"].is_string()
                      ? request["model"].get<std::string>()
                      : std::string("fake-model")},
        {"choices",
         {{{"index", 0}, {"message", std::move(message)}, {"finish_reason", reply.finish_reason}}}},
        {"usage",
         {{"prompt_tokens", prompt_chars / 4 + 1},
          {"completion_tokens", (reply.content.size() + reply.reasoning.size()) / 4 + 1}}}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
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
    FakeModel model;
    httplib::Server server;
    std::mutex mutex;
    std::map<std::string, int> seen; // request hash → arrivals so far
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> log{nullptr, &std::fclose};
    std::atomic<bool> serving{false};
    std::atomic<bool> stopped{false};

    int arrival(const std::string& body) {
        std::lock_guard lock(mutex);
        return seen[util::content_hash(body)]++;
    }

    // One line in the log, written through before the reply is sent. A slow reply is an answer.
    void record(const std::string& body, int arrival, Fault fault) {
        if (!log) return;
        const std::string line =
            json{{"request", util::content_hash(body)},
                 {"arrival", arrival},
                 {"outcome", fault == Fault::slow ? "answered" : fault_name(fault)}}
                .dump() +
            "\n";
        std::lock_guard lock(mutex);
        std::fwrite(line.data(), 1, line.size(), log.get());
        std::fflush(log.get());
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
        if (request.is_discarded() || !request.is_object() || !request.contains("messages") ||
            !request["messages"].is_array())
            return refuse(res, 400, "the body is not a chat completions request");
        if (const auto n = request.find("n");
            n != request.end() && !(n->is_number_integer() && n->get<std::int64_t>() == 1))
            return refuse(res, 400, "only n = 1 is supported");
        const int seen_before = arrival(req.body);
        const Fault fault = fake_fault(options.seed, options.fault_rate, req.body, seen_before);
        record(req.body, seen_before, fault);
        if (inject(fault, res)) return;
        res.set_content(
            completion_body(request, model.reply(options.seed, request, options.reasoning)),
            "application/json");
    }
};

FakeLlmServer::FakeLlmServer(FakeLlmOptions options, FakeModel model)
    : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->model = std::move(model);
    const std::size_t threads = std::max<std::size_t>(impl_->options.threads, 1);
    impl_->server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // Real servers (uvicorn, llama-server) answer without Nagle delays; so does this one.
    impl_->server.set_tcp_nodelay(true);
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
    if (!impl_->options.log.empty()) {
        impl_->log.reset(std::fopen(impl_->options.log.c_str(), "ae"));
        if (!impl_->log)
            return fail_env("{}: cannot open the log: {}", impl_->options.log,
                            std::strerror(errno));
    }
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
