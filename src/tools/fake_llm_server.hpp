// A stand-in for an OpenAI-compatible model server, for tests and measurements: it answers the
// prompts of src/llm/prompts/ the way models do (FakeModel) and, on request, fails the way servers
// fail. Everything is deterministic in (seed, request).
#pragma once

#include "tools/fake_model.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace assay::tools {

struct FakeLlmOptions {
    std::uint64_t seed = 0;
    double fault_rate = 0;     // share of calls answered with a Fault
    int latency_ms = 0;        // added to every answer
    int slow_ms = 3000;        // how late a Fault::slow answer comes
    std::size_t threads = 128; // handler threads; one per open connection
    // Answers as a reasoning model: a think block or `reasoning_content` (fake_model.hpp).
    ReasoningMode reasoning = ReasoningMode::off;
    // When set, one JSON line per chat request is appended here as it is answered:
    // {"request": content hash of the body, "arrival": 0-based count of that body, "outcome":
    // "answered" or the fault's name}. Lets a test count what a client asked twice.
    std::string log;
};

// How a call fails. `none` answers normally.
enum class Fault { none, rate_limited, server_error, unavailable, dropped, slow, malformed };

// "answered" for none, else the fault's name (the log's outcome).
[[nodiscard]] std::string_view fault_name(Fault fault);

// Whether the `seen`-th arrival (0-based) of the same request body fails, and how.
[[nodiscard]] Fault fake_fault(std::uint64_t seed, double fault_rate, const std::string& body,
                               int seen);

// An HTTP server answering POST /v1/chat/completions and GET /v1/models.
class FakeLlmServer {
  public:
    // Answers with `model` (by default one that knows nothing and writes canned code).
    explicit FakeLlmServer(FakeLlmOptions options, FakeModel model = {});
    ~FakeLlmServer();
    FakeLlmServer(const FakeLlmServer&) = delete;
    FakeLlmServer& operator=(const FakeLlmServer&) = delete;

    // Opens the log (if any), binds and listens on host:port (port 0: any free port); returns
    // the port.
    [[nodiscard]] Expected<int> bind(const std::string& host, int port);
    // Accepts connections until stop(); call after bind().
    void serve();
    // Makes serve() return, or not start; safe from another thread.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace assay::tools
