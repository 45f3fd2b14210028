// The HTTP client against a real loopback server that scripts its answers.
#include "llm/client.hpp"
#include "llm/script_server.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

using assay::llm::ChatRequest;
using assay::llm::ChatResult;
using assay::llm::HttpClient;
using assay::llm::HttpClientOptions;
using assay::llm::LlmFailure;
using assay::testing::chat_body;
using assay::testing::ScriptServer;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

HttpClientOptions fast_options(const ScriptServer& server) {
    HttpClientOptions options;
    options.base_url = server.url();
    options.timeout = milliseconds(5000);
    options.backoff_base = milliseconds(10);
    options.backoff_cap = milliseconds(50);
    options.max_attempts = 4;
    options.jitter_seed = 7;
    return options;
}

std::unique_ptr<HttpClient> make_client(const HttpClientOptions& options) {
    auto client = HttpClient::create(options);
    REQUIRE(client);
    return std::move(*client);
}

ChatRequest request(std::string prompt, std::uint64_t seed = 1) {
    return {"test-model", {{"user", std::move(prompt)}}, 0.5, 64, seed};
}

ChatResult complete_one(HttpClient& client, ChatRequest r = request("hi")) {
    auto results = client.complete({std::move(r)});
    REQUIRE(results.size() == 1);
    return std::move(results[0]);
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

} // namespace

TEST_CASE("llm::parse_chat_response") {
    SUBCASE("content, finish reason, usage") {
        const auto reply = assay::llm::parse_chat_response(chat_body("x = 1", "length", 11, 22));
        REQUIRE(reply);
        CHECK(reply->content == "x = 1");
        CHECK(reply->finish_reason == "length");
        CHECK(reply->prompt_tokens == 11);
        CHECK(reply->completion_tokens == 22);
    }
    SUBCASE("null content and missing usage are accepted") {
        const auto reply = assay::llm::parse_chat_response(
            R"({"choices":[{"message":{"role":"assistant","content":null},"finish_reason":null}]})");
        REQUIRE(reply);
        CHECK(reply->content.empty());
        CHECK(reply->prompt_tokens == 0);
    }
    SUBCASE("anything else is refused") {
        for (const char* body : {"", "{", "[]", "{\"choices\":[]}", "{\"choices\":[{}]}",
                                 R"({"choices":[{"message":{"content":5}}]})",
                                 R"({"error":{"message":"overloaded"}})", "null"})
            CHECK_FALSE(assay::llm::parse_chat_response(body));
    }
}

TEST_CASE("llm::parse_chat_response splits the reasoning from the answer") {
    const auto parse = [](const nlohmann::json& message) {
        const nlohmann::json body{{"choices", {{{"message", message}, {"finish_reason", "stop"}}}}};
        auto reply = assay::llm::parse_chat_response(body.dump());
        REQUIRE(reply);
        return *reply;
    };
    const std::string answer = "```python\ndef f():\n    return 1\n```";
    SUBCASE("reasoning_content, or reasoning, beside the content") {
        for (const char* key : {"reasoning_content", "reasoning"}) {
            const auto reply = parse({{"content", answer}, {key, "  Let me think.\n"}});
            CHECK(reply.content == answer);
            CHECK(reply.reasoning == "Let me think.");
        }
    }
    SUBCASE("think blocks in the content") {
        const auto reply = parse({{"content", "<think>\nhmm\n</think>\n\n" + answer}});
        CHECK(reply.content == answer);
        CHECK(reply.reasoning == "hmm");
    }
    SUBCASE("both: the field first, then the blocks") {
        const auto reply =
            parse({{"content", "draft</think>" + answer}, {"reasoning_content", "field"}});
        CHECK(reply.content == answer);
        CHECK(reply.reasoning == "field\n\ndraft");
    }
    SUBCASE("reasoning with an empty or null content: no answer") {
        CHECK(parse({{"content", ""}, {"reasoning_content", "all thought"}}).content.empty());
        const auto reply = parse({{"content", nullptr}, {"reasoning_content", "all thought"}});
        CHECK(reply.content.empty());
        CHECK(reply.reasoning == "all thought");
    }
    SUBCASE("a reasoning field that is not a string is ignored") {
        const auto reply = parse({{"content", answer}, {"reasoning", {{"effort", "high"}}}});
        CHECK(reply.content == answer);
        CHECK(reply.reasoning.empty());
    }
    SUBCASE("a reply without reasoning is unchanged") {
        const auto reply = parse({{"content", "  " + answer + "\n"}});
        CHECK(reply.content == "  " + answer + "\n");
        CHECK(reply.reasoning.empty());
    }
}

TEST_CASE("llm::request_json is canonical and never sends n") {
    const auto body = nlohmann::json::parse(assay::llm::request_json(request("hello", 42)));
    CHECK(body["model"] == "test-model");
    CHECK(body["seed"] == 42);
    CHECK(body["max_tokens"] == 64);
    CHECK(body["messages"][0]["content"] == "hello");
    CHECK_FALSE(body.contains("n"));
    CHECK(assay::llm::request_json(request("hello", 42)) ==
          assay::llm::request_json(request("hello", 42)));
    CHECK(assay::llm::request_json(request("hello", 42)) !=
          assay::llm::request_json(request("hello", 43)));
}

TEST_CASE("llm::HttpClient retries") {
    SUBCASE("429 with Retry-After in seconds, then 200") {
        ScriptServer server([](int call, const httplib::Request&, httplib::Response& res) {
            if (call == 0) {
                res.status = 429;
                res.set_header("Retry-After", "1");
                return;
            }
            res.set_content(chat_body("ok"), "application/json");
        });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE(result);
        CHECK(result->content == "ok");
        CHECK(result->attempts == 2);
        const auto arrivals = server.arrivals();
        REQUIRE(arrivals.size() == 2);
        const double waited = seconds_between(arrivals[0], arrivals[1]);
        CHECK(waited >= 0.95);
        CHECK(waited < 2.5);
    }
    SUBCASE("503 with Retry-After as an HTTP date") {
        ScriptServer server([](int call, const httplib::Request&, httplib::Response& res) {
            if (call == 0) {
                res.status = 503;
                const std::time_t when = std::time(nullptr) + 2;
                char date[64];
                std::tm tm{};
                gmtime_r(&when, &tm);
                std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
                res.set_header("Retry-After", date);
                return;
            }
            res.set_content(chat_body("ok"), "application/json");
        });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE(result);
        CHECK(result->attempts == 2);
        const auto arrivals = server.arrivals();
        REQUIRE(arrivals.size() == 2);
        const double waited = seconds_between(arrivals[0], arrivals[1]);
        CHECK(waited >= 0.8); // a date has one-second resolution
        CHECK(waited < 3.5);
    }
    SUBCASE("500 and 503, then 200, with jittered backoff") {
        ScriptServer server([](int call, const httplib::Request&, httplib::Response& res) {
            if (call < 2) {
                res.status = call == 0 ? 500 : 503;
                return;
            }
            res.set_content(chat_body("third time"), "application/json");
        });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE(result);
        CHECK(result->content == "third time");
        CHECK(result->attempts == 3);
        CHECK(result->latency_ms < 1000);
    }
    SUBCASE("a dropped connection, then 200") {
        ScriptServer server([](int call, const httplib::Request&, httplib::Response& res) {
            if (call == 0) return assay::testing::drop_connection(res);
            res.set_content(chat_body("ok"), "application/json");
        });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE(result);
        CHECK(result->attempts == 2);
    }
    SUBCASE("a malformed body is retried, then reported as bad_body") {
        ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
            res.set_content(chat_body("cut").substr(0, 30), "application/json");
        });
        auto options = fast_options(server);
        options.max_attempts = 3;
        auto client = make_client(options);
        const auto result = complete_one(*client);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::bad_body);
        CHECK(result.error().attempts == 3);
        CHECK(server.calls() == 3);
    }
    SUBCASE("a 400 is final") {
        ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
            res.status = 400;
            res.set_content(R"({"error":{"message":"n must be 1"}})", "application/json");
        });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::http_status);
        CHECK(result.error().http_status == 400);
        CHECK(result.error().attempts == 1);
        CHECK(result.error().message.find("n must be 1") != std::string::npos);
    }
    SUBCASE("a 503 on every attempt ends as http_status") {
        ScriptServer server(
            [](int, const httplib::Request&, httplib::Response& res) { res.status = 503; });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::http_status);
        CHECK(result.error().attempts == 4);
    }
}

TEST_CASE("llm::HttpClient timeouts and connection failures") {
    SUBCASE("a reply slower than the timeout") {
        ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
            std::this_thread::sleep_for(milliseconds(700));
            res.set_content(chat_body("late"), "application/json");
        });
        auto options = fast_options(server);
        options.timeout = milliseconds(200);
        options.max_attempts = 2;
        auto client = make_client(options);
        const auto start = Clock::now();
        const auto result = complete_one(*client);
        const double elapsed = seconds_between(start, Clock::now());
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::timeout);
        CHECK(result.error().attempts == 2);
        CHECK(elapsed >= 0.4);
        CHECK(elapsed < 1.5);
    }
    SUBCASE("nobody listening") {
        std::string url;
        {
            ScriptServer gone([](int, const httplib::Request&, httplib::Response&) {});
            url = gone.url();
        }
        HttpClientOptions options;
        options.base_url = url;
        options.max_attempts = 2;
        options.backoff_base = milliseconds(5);
        auto client = make_client(options);
        const auto result = complete_one(*client);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::connection);
        CHECK(result.error().attempts == 2);
        CHECK_MESSAGE(result.error().message.find(url + "/v1/chat/completions") !=
                          std::string::npos,
                      result.error().message);
    }
    SUBCASE("a reply over the size cap") {
        ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
            res.set_content(chat_body(std::string(100'000, 'x')), "application/json");
        });
        auto options = fast_options(server);
        options.max_body_bytes = 10'000;
        auto client = make_client(options);
        const auto result = complete_one(*client);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::bad_body);
        CHECK(result.error().attempts == 1);
    }
}

TEST_CASE("llm::HttpClient replies") {
    ScriptServer server([](int, const httplib::Request& req, httplib::Response& res) {
        const auto body = nlohmann::json::parse(req.body);
        const std::string prompt = body["messages"][0]["content"];
        const bool truncated = prompt == "long";
        res.set_content(chat_body("echo " + prompt + " seed " +
                                      std::to_string(body["seed"].get<std::uint64_t>()),
                                  truncated ? "length" : "stop"),
                        "application/json");
    });
    auto options = fast_options(server);
    options.api_key = "sk-test-secret";
    auto client = make_client(options);

    SUBCASE("in order, one sample per request with its own seed") {
        const auto results =
            client->complete({request("a", 1), request("b", 2), request("long", 3)});
        REQUIRE(results.size() == 3);
        CHECK(results[0]->content == "echo a seed 1");
        CHECK(results[1]->content == "echo b seed 2");
        CHECK(results[2]->finish_reason == "length");
        CHECK(results[0]->finish_reason == "stop");
        for (const std::string& body : server.bodies()) {
            const auto sent = nlohmann::json::parse(body);
            CHECK_FALSE(sent.contains("n"));
            CHECK(sent.contains("seed"));
        }
    }
    SUBCASE("the key travels as a bearer token") {
        REQUIRE(complete_one(*client));
        CHECK(server.authorizations().at(0) == "Bearer sk-test-secret");
    }
    SUBCASE("an empty batch") {
        CHECK(client->complete({}).empty());
    }
}

TEST_CASE("llm::api_key_from_env prefers ASSAY_API_KEY") {
    ::setenv("OPENAI_API_KEY", "from-openai", 1);
    ::unsetenv("ASSAY_API_KEY");
    CHECK(assay::llm::api_key_from_env() == "from-openai");
    ::setenv("ASSAY_API_KEY", "from-assay", 1);
    CHECK(assay::llm::api_key_from_env() == "from-assay");
    ::unsetenv("ASSAY_API_KEY");
    ::unsetenv("OPENAI_API_KEY");
    CHECK(assay::llm::api_key_from_env().empty());
}

TEST_CASE("llm::HttpClient budgets") {
    ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
        res.set_content(chat_body("ok", "stop", 5, 3), "application/json");
    });
    auto options = fast_options(server);
    SUBCASE("calls") {
        options.budget.max_calls = 2;
        options.max_in_flight = 1;
        auto client = make_client(options);
        const auto results = client->complete({request("a"), request("b"), request("c")});
        CHECK(results[0]);
        CHECK(results[1]);
        REQUIRE_FALSE(results[2]);
        CHECK(results[2].error().kind == LlmFailure::budget);
        CHECK(results[2].error().attempts == 0);
        CHECK(server.calls() == 2);
    }
    SUBCASE("tokens, across batches") {
        options.budget.max_tokens = 10;
        auto client = make_client(options);
        CHECK(complete_one(*client));
        CHECK(complete_one(*client));
        CHECK(client->tokens_used() == 16);
        const auto third = complete_one(*client);
        REQUIRE_FALSE(third);
        CHECK(third.error().kind == LlmFailure::budget);
        CHECK(server.calls() == 2);
    }
}

TEST_CASE("llm::HttpClient tells its listener of each request's send, once, and its answer") {
    ScriptServer server([](int call, const httplib::Request&, httplib::Response& res) {
        if (call == 0) {
            res.status = 500;
            return;
        }
        res.set_content(chat_body("ok"), "application/json");
    });
    auto options = fast_options(server);
    options.max_in_flight = 1;
    options.budget.max_calls = 3;
    auto client = make_client(options);
    std::vector<std::string> events;
    const assay::llm::LlmClient::Listener listener{
        .sent = [&](std::size_t i) { events.push_back("sent " + std::to_string(i)); },
        .answered =
            [&](std::size_t i, const ChatResult& r) {
                events.push_back((r ? "ok " : "failed ") + std::to_string(i));
            }};
    const auto results = client->complete({request("a"), request("b"), request("c")}, listener);
    INFO(fmt::format("{}", fmt::join(events, ", ")));
    const auto at = [&](const std::string& event) {
        return std::find(events.begin(), events.end(), event) - events.begin();
    };
    CHECK(at("sent 0") < at("ok 0"));
    CHECK(at("sent 1") < at("ok 1"));
    // a: a 500, then an answer (two calls, one send told; while it waits to retry, b goes); b:
    // one call; c: the budget is spent, so it fails without being sent. Each answer comes after
    // its send.
    std::sort(events.begin(), events.end());
    CHECK(events == std::vector<std::string>{"failed 2", "ok 0", "ok 1", "sent 0", "sent 1"});
    CHECK(server.calls() == 3);
    REQUIRE_FALSE(results[2]);
    CHECK(results[2].error().kind == LlmFailure::budget);
}

TEST_CASE("llm::HttpClient keeps many requests in flight") {
    ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
        std::this_thread::sleep_for(milliseconds(200));
        res.set_content(chat_body("slow"), "application/json");
    });
    auto options = fast_options(server);
    options.max_in_flight = 32;
    auto client = make_client(options);
    std::vector<ChatRequest> requests;
    for (int i = 0; i < 32; ++i)
        requests.push_back(request("p" + std::to_string(i), i));
    const auto start = Clock::now();
    const auto results = client->complete(requests);
    const double elapsed = seconds_between(start, Clock::now());
    for (const auto& r : results)
        CHECK(r);
    CHECK(server.peak_in_flight() >= 16);
    CHECK(elapsed < 3.0);
    MESSAGE("32 × 200 ms in ", elapsed, " s, peak in flight ", server.peak_in_flight());
}

TEST_CASE("llm::normalise_base_url takes the URL as users write it") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"http://h:8000", "http://h:8000/v1"},
        {"http://h:8000/", "http://h:8000/v1"},
        {"http://h:8000/v1", "http://h:8000/v1"},
        {"http://h:8000/v1/", "http://h:8000/v1"},
        {"http://h:8000/v1//", "http://h:8000/v1"},
        {"http://h:8000/v1/chat/completions", "http://h:8000/v1"},
        {"http://h:8000/v1/chat/completions/", "http://h:8000/v1"},
        {"https://h/proxy/v1", "https://h/proxy/v1"},
        {"https://h/proxy", "https://h/proxy/v1"},
        {"https://h/api/v1/chat/completions", "https://h/api/v1"},
        {"https://h/v1beta/openai/", "https://h/v1beta/openai"},
        {"https://h/v1?key=1", "https://h/v1?key=1"},
        {"http://h:4000/chat/completions", "http://h:4000/"},
    };
    for (const auto& [written, base] : cases) {
        const auto normalised = assay::llm::normalise_base_url(written);
        REQUIRE_MESSAGE(normalised, written);
        CHECK_MESSAGE(*normalised == base, written);
    }
    CHECK(assay::llm::endpoint_url("http://h:8000/v1", "chat/completions") ==
          "http://h:8000/v1/chat/completions");
    CHECK(assay::llm::endpoint_url("https://h/v1?key=1", "models") == "https://h/v1/models?key=1");
    CHECK(assay::llm::endpoint_url("http://h:4000/", "chat/completions") ==
          "http://h:4000/chat/completions");
    CHECK_FALSE(assay::llm::normalise_base_url("ftp://h/v1"));
    CHECK_FALSE(assay::llm::normalise_base_url("http://"));
}

TEST_CASE("llm::HttpClient reaches /v1/chat/completions from every form of the URL") {
    ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
        res.set_content(chat_body("ok"), "application/json");
    });
    for (const std::string& written :
         {server.url(), server.url() + "/", server.url() + "/v1", server.url() + "/v1/",
          server.url() + "/v1/chat/completions"}) {
        auto options = fast_options(server);
        options.base_url = written;
        auto client = make_client(options);
        const auto result = complete_one(*client);
        CHECK_MESSAGE(result, written);
    }
    CHECK(server.calls() == 5);
}

TEST_CASE("llm::HttpClient names the URL it asked in every failure") {
    ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
        res.status = 500;
        res.set_content("upstream broke", "text/plain");
    });
    SUBCASE("a path the server does not have: 404, final") {
        auto options = fast_options(server);
        options.base_url = server.url() + "/v1/v1";
        auto client = make_client(options);
        const auto result = complete_one(*client);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::http_status);
        CHECK(result.error().attempts == 1);
        CHECK_MESSAGE(result.error().message.starts_with("HTTP 404 from " + server.url() +
                                                         "/v1/v1/chat/completions"),
                      result.error().message);
        CHECK(server.calls() == 0);
    }
    SUBCASE("a status with a body") {
        auto options = fast_options(server);
        options.max_attempts = 1;
        auto client = make_client(options);
        const auto result = complete_one(*client);
        REQUIRE_FALSE(result);
        CHECK(result.error().message ==
              "HTTP 500 from " + server.url() + "/v1/chat/completions: upstream broke");
    }
}

TEST_CASE("llm::HttpClient: a reply without content is a failed attempt") {
    SUBCASE("null content, then an answer") {
        ScriptServer server([](int call, const httplib::Request&, httplib::Response& res) {
            res.set_content(call == 0 ? assay::testing::null_content_body() : chat_body("ok"),
                            "application/json");
        });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE(result);
        CHECK(result->content == "ok");
        CHECK(result->attempts == 2);
    }
    SUBCASE("null or empty content on every attempt") {
        ScriptServer server([](int call, const httplib::Request&, httplib::Response& res) {
            res.set_content(call % 2 == 0 ? assay::testing::null_content_body() : chat_body(""),
                            "application/json");
        });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::empty_reply);
        CHECK(result.error().attempts == 4);
        CHECK(server.calls() == 4);
        CHECK_MESSAGE(result.error().message.find("no content") != std::string::npos,
                      result.error().message);
        CHECK(result.error().message.find(server.url()) != std::string::npos);
    }
    SUBCASE("empty and cut by max_tokens is the caller's to ask again with more") {
        ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
            res.set_content(chat_body("", "length"), "application/json");
        });
        auto client = make_client(fast_options(server));
        const auto result = complete_one(*client);
        REQUIRE(result);
        CHECK(result->finish_reason == "length");
        CHECK(result->attempts == 1);
    }
}

TEST_CASE("llm::HttpClient: a reply that stalls fails after the stall timeout") {
    SUBCASE("headers, then a byte every two seconds: each attempt stalls") {
        ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
            assay::testing::trickle(res, milliseconds(2000));
        });
        auto options = fast_options(server);
        options.timeout = milliseconds(60'000);
        options.stall_timeout = milliseconds(1000);
        options.max_attempts = 2;
        auto client = make_client(options);
        const auto start = Clock::now();
        const auto result = complete_one(*client);
        const double elapsed = seconds_between(start, Clock::now());
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == LlmFailure::timeout);
        CHECK(result.error().attempts == 2);
        CHECK_MESSAGE(result.error().message.find("stalled") != std::string::npos,
                      result.error().message);
        CHECK(result.error().message.find(server.url()) != std::string::npos);
        const auto arrivals = server.arrivals();
        REQUIRE(arrivals.size() == 2);
        // Each attempt ends between one stall window and a few seconds, not at the total timeout.
        CHECK(seconds_between(arrivals[0], arrivals[1]) >= 1.0);
        CHECK(seconds_between(arrivals[0], arrivals[1]) < 5.0);
        CHECK(elapsed < 10.0);
        MESSAGE("two stalled attempts in ", elapsed, " s");
    }
    SUBCASE("a server silent while it generates is not a stall") {
        ScriptServer server([](int, const httplib::Request&, httplib::Response& res) {
            std::this_thread::sleep_for(milliseconds(2500));
            res.set_content(chat_body("worth the wait"), "application/json");
        });
        auto options = fast_options(server);
        options.stall_timeout = milliseconds(1000);
        auto client = make_client(options);
        const auto result = complete_one(*client);
        REQUIRE(result);
        CHECK(result->attempts == 1);
    }
    SUBCASE("under a second is refused") {
        HttpClientOptions options;
        options.base_url = "http://127.0.0.1:9";
        options.stall_timeout = milliseconds(500);
        CHECK_FALSE(HttpClient::create(options));
    }
}
