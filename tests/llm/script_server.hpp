// A real HTTP server on 127.0.0.1 (ephemeral port) for client tests: `/v1/chat/completions` is
// answered by a scripted handler that sees the call number, other routes by what `routes` adds
// (GET /v1/models, say). Records what the client sent to /v1/chat/completions.
#pragma once

#include "tools/http_listen.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <httplib.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace assay::testing {

// The body of a chat completion reply.
inline std::string chat_body(const std::string& content, const std::string& finish_reason = "stop",
                             int prompt_tokens = 5, int completion_tokens = 3) {
    return nlohmann::json{
        {"id", "chatcmpl-test"},
        {"object", "chat.completion"},
        {"choices",
         {{{"index", 0},
           {"message", {{"role", "assistant"}, {"content", content}}},
           {"finish_reason", finish_reason}}}},
        {"usage", {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens}}}}
        .dump();
}

// A chat completion reply whose message content is JSON null.
inline std::string null_content_body() {
    return nlohmann::json{{"id", "chatcmpl-test"},
                          {"object", "chat.completion"},
                          {"choices",
                           {{{"index", 0},
                             {"message", {{"role", "assistant"}, {"content", nullptr}}},
                             {"finish_reason", "stop"}}}}}
        .dump();
}

// Sends the headers at once, then one byte of a body every `every` until the client gives up
// (a server that has stalled mid-reply).
inline void trickle(httplib::Response& res, std::chrono::milliseconds every) {
    res.set_chunked_content_provider(
        "application/json", [every](std::size_t, httplib::DataSink& sink) {
            if (!sink.write("{", 1)) return false;
            for (auto slept = std::chrono::milliseconds(0); slept < every;
                 slept += std::chrono::milliseconds(50)) {
                if (!sink.is_writable()) return false;
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            return true;
        });
}

// Makes the server close the connection after the headers, before the promised body.
inline void drop_connection(httplib::Response& res) {
    res.set_content_provider(100, "application/json",
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
}

class ScriptServer {
  public:
    using Clock = std::chrono::steady_clock;
    // `call` counts from 0 in arrival order.
    using Handler = std::function<void(int call, const httplib::Request&, httplib::Response&)>;

    using Routes = std::function<void(httplib::Server&)>;

    explicit ScriptServer(Handler handler, std::size_t threads = 72, const Routes& routes = {})
        : handler_(std::move(handler)) {
        server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
        server_.Post("/v1/chat/completions", [this](const httplib::Request& req,
                                                    httplib::Response& res) { serve(req, res); });
        if (routes) routes(server_);
        port_ = tools::bind_for_bursts(server_, "127.0.0.1", 0);
        if (port_ <= 0) throw std::runtime_error("cannot bind a loopback port");
        // bind_to_any_port already listens: connections queue until the loop accepts them.
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // stop() before the loop runs would be lost, so wait for it (bounded).
        for (int i = 0; i < 500 && !server_.is_running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ScriptServer(const ScriptServer&) = delete;
    ScriptServer& operator=(const ScriptServer&) = delete;
    ~ScriptServer() { stop(); }

    void stop() {
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }

    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] int calls() const { return calls_.load(); }
    [[nodiscard]] int peak_in_flight() const { return peak_.load(); }

    // What arrived, in arrival order.
    [[nodiscard]] std::vector<std::string> bodies() const { return locked(bodies_); }
    [[nodiscard]] std::vector<std::string> authorizations() const {
        return locked(authorizations_);
    }
    [[nodiscard]] std::vector<Clock::time_point> arrivals() const { return locked(arrivals_); }

  private:
    template <typename T> T locked(const T& value) const {
        std::lock_guard lock(mutex_);
        return value;
    }

    void serve(const httplib::Request& req, httplib::Response& res) {
        const int now = ++in_flight_;
        int peak = peak_.load();
        while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
        }
        int call = 0;
        {
            std::lock_guard lock(mutex_);
            call = calls_++;
            bodies_.push_back(req.body);
            authorizations_.push_back(req.get_header_value("Authorization"));
            arrivals_.push_back(Clock::now());
        }
        handler_(call, req, res);
        --in_flight_;
    }

    Handler handler_;
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::atomic<int> calls_{0};
    std::atomic<int> in_flight_{0};
    std::atomic<int> peak_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> bodies_;
    std::vector<std::string> authorizations_;
    std::vector<Clock::time_point> arrivals_;
};

} // namespace assay::testing
