// The LLM call cache: answers from the store, records successes only, never stores the key.
#include "llm/cache.hpp"
#include "llm/script_server.hpp"
#include "support/fake_client.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace assay;
using assay::llm::ChatReply;
using assay::llm::ChatRequest;
using assay::llm::ChatResult;
using assay::testing::TempDir;

namespace {

// A test double: answers "reply to <prompt>" and counts what it was asked; prompts starting with
// "fail" fail.
class CountingClient final : public llm::LlmClient {
  public:
    std::vector<ChatResult> complete(const std::vector<ChatRequest>& requests) override {
        std::vector<ChatResult> out;
        for (const ChatRequest& r : requests) {
            ++asked;
            const std::string& prompt = r.messages.back().content;
            if (prompt.starts_with("fail")) {
                llm::LlmError error;
                error.message = "scripted failure";
                error.kind = llm::LlmFailure::http_status;
                out.emplace_back(tl::unexpected(error));
                continue;
            }
            ChatReply reply;
            reply.content = "reply to " + prompt;
            reply.finish_reason = "stop";
            reply.prompt_tokens = 4;
            reply.completion_tokens = 2;
            reply.attempts = 1;
            out.emplace_back(reply);
        }
        return out;
    }
    int asked = 0;
};

ChatRequest request(std::string prompt, std::uint64_t seed = 1) {
    return {"m", {{"system", "be brief"}, {"user", std::move(prompt)}}, 0.7, 128, seed};
}

long rows(store::Store& db) {
    return static_cast<long>(testing::Sql(db.path()).scalar("SELECT count(*) FROM llm_calls"));
}

} // namespace

TEST_CASE("llm::request_hash covers the whole request") {
    const std::string base = llm::request_hash(request("p"));
    CHECK(base == llm::request_hash(request("p")));
    CHECK(base != llm::request_hash(request("p", 2)));
    CHECK(base != llm::request_hash(request("q")));
    ChatRequest other_model = request("p");
    other_model.model = "m2";
    CHECK(base != llm::request_hash(other_model));
    ChatRequest other_temperature = request("p");
    other_temperature.temperature = 0.8;
    CHECK(base != llm::request_hash(other_temperature));
    ChatRequest other_limit = request("p");
    other_limit.max_tokens = 129;
    CHECK(base != llm::request_hash(other_limit));
    ChatRequest other_role = request("p");
    other_role.messages[0].role = "user";
    CHECK(base != llm::request_hash(other_role));
}

TEST_CASE("llm::CachingClient") {
    TempDir dir;
    auto db = store::Store::open(dir / "llm.db");
    REQUIRE(db);
    CountingClient inner;
    llm::CachingClient cache(inner, *db);

    SUBCASE("a second ask is answered from the store") {
        const auto first = cache.complete({request("a"), request("b")});
        CHECK(inner.asked == 2);
        CHECK_FALSE(first[0]->from_cache);
        const auto second = cache.complete({request("b"), request("a"), request("c")});
        CHECK(inner.asked == 3);
        CHECK(second[0]->from_cache);
        CHECK(second[0]->content == "reply to b");
        CHECK(second[1]->content == "reply to a");
        CHECK(second[1]->attempts == 0);
        CHECK(second[1]->prompt_tokens == 4);
        CHECK_FALSE(second[2]->from_cache);
        CHECK(cache.hits() == 2);
        CHECK(cache.misses() == 3);
        CHECK(rows(*db) == 3);
    }
    SUBCASE("identical requests in one batch are asked once") {
        const auto results = cache.complete({request("a"), request("a"), request("a", 2)});
        CHECK(inner.asked == 2);
        CHECK(results[0]->content == results[1]->content);
    }
    SUBCASE("failures are returned, not recorded") {
        const auto results = cache.complete({request("fail 1"), request("ok")});
        REQUIRE_FALSE(results[0]);
        CHECK(results[0].error().kind == llm::LlmFailure::http_status);
        CHECK(rows(*db) == 1);
        (void)cache.complete({request("fail 1")});
        CHECK(inner.asked == 3);
    }
    SUBCASE("the row holds the canonical request and the reply") {
        (void)cache.complete({request("a")});
        testing::Sql sql(db->path());
        store::Statement s =
            sql.statement("SELECT request_hash, model, request, reply, finish_reason, attempts "
                          "FROM llm_calls");
        REQUIRE(s.step());
        CHECK(s.column_text(0) == llm::request_hash(request("a")));
        CHECK(s.column_text(1) == "m");
        const auto sent = nlohmann::json::parse(s.column_text(2));
        CHECK(sent["messages"][1]["content"] == "a");
        CHECK(sent["seed"] == 1);
        CHECK(s.column_text(3) == "reply to a");
        CHECK(s.column_text(4) == "stop");
        CHECK(s.column_int(5) == 1);
    }
}

TEST_CASE("llm::CachingClient over HTTP: a rerun with the server gone") {
    TempDir dir;
    const std::string secret = "sk-never-stored-4242";
    std::vector<std::string> first_run;
    std::vector<ChatRequest> requests;
    for (int i = 0; i < 5; ++i)
        requests.push_back(request("prompt " + std::to_string(i), i));
    std::string url;
    {
        assay::testing::ScriptServer server(
            [](int call, const httplib::Request&, httplib::Response& res) {
                res.set_content(assay::testing::chat_body("answer " + std::to_string(call)),
                                "application/json");
            });
        url = server.url();
        llm::HttpClientOptions options;
        options.base_url = url;
        options.api_key = secret;
        auto http = llm::HttpClient::create(options);
        REQUIRE(http);
        auto db = store::Store::open(dir / "llm.db");
        REQUIRE(db);
        llm::CachingClient cache(**http, *db);
        for (const auto& r : cache.complete(requests)) {
            REQUIRE(r);
            first_run.push_back(r->content);
        }
        CHECK(server.authorizations().at(0) == "Bearer " + secret);
    }
    llm::HttpClientOptions options;
    options.base_url = url; // nobody listens there any more
    options.max_attempts = 1;
    auto http = llm::HttpClient::create(options);
    REQUIRE(http);
    auto db = store::Store::open(dir / "llm.db");
    REQUIRE(db);
    llm::CachingClient cache(**http, *db);
    const auto second = cache.complete(requests);
    for (std::size_t i = 0; i < second.size(); ++i) {
        REQUIRE(second[i]);
        CHECK(second[i]->from_cache);
        CHECK(second[i]->content == first_run[i]);
    }
    CHECK((*http)->calls_made() == 0);
    // Not in any column of any row.
    testing::Sql sql(db->path());
    store::Statement s =
        sql.statement("SELECT count(*) FROM llm_calls WHERE request_hash || model || "
                      "request || reply || finish_reason LIKE ?");
    s.bind(1, "%" + secret + "%");
    REQUIRE(s.step());
    CHECK(s.column_int(0) == 0);
    CHECK(rows(*db) == 5);
    const auto uncached = cache.complete({request("new")});
    REQUIRE_FALSE(uncached[0]);
    CHECK(uncached[0].error().kind == llm::LlmFailure::connection);
}

namespace {

// Answers one request at a time, and before each answer looks in the store for the ones it gave
// before: what a run killed mid-batch keeps.
class OneByOne final : public llm::LlmClient {
  public:
    explicit OneByOne(store::Store& db) : db_(db) {}
    std::vector<ChatResult> complete(const std::vector<ChatRequest>& requests) override {
        return complete(requests, {});
    }
    std::vector<ChatResult> complete(const std::vector<ChatRequest>& requests,
                                     const Listener& listener) override {
        std::vector<ChatResult> out;
        for (std::size_t i = 0; i < requests.size(); ++i) {
            if (listener.sent) listener.sent(i);
            for (std::size_t before = 0; before < i; ++before)
                stored_before.push_back(
                    llm::find_llm_call(db_, llm::request_hash(requests[before])).has_value());
            ChatReply reply;
            reply.content = "answer " + std::to_string(i);
            reply.finish_reason = "stop";
            out.emplace_back(reply);
            if (listener.answered) listener.answered(i, out.back());
        }
        return out;
    }
    std::vector<bool> stored_before;

  private:
    store::Store& db_;
};

} // namespace

TEST_CASE("llm::CachingClient records each answer the moment it arrives") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    OneByOne inner(*db);
    llm::CachingClient client(inner, *db);
    std::vector<std::size_t> told;
    std::vector<std::size_t> sent;
    std::vector<bool> cached;
    const llm::LlmClient::Listener listener{.sent = [&](std::size_t i) { sent.push_back(i); },
                                            .answered =
                                                [&](std::size_t i, const ChatResult& r) {
                                                    CHECK(r);
                                                    told.push_back(i);
                                                    cached.push_back(r && r->from_cache);
                                                }};
    const auto results =
        client.complete({request("a"), request("b"), request("a"), request("c")}, listener);
    REQUIRE(results.size() == 4);
    CHECK(results[2]->content == results[0]->content); // asked once, told to both
    CHECK(told == std::vector<std::size_t>{0, 2, 1, 3});
    CHECK(sent == std::vector<std::size_t>{0, 2, 1, 3}); // one send stands for both a's
    CHECK(cached == std::vector<bool>{false, false, false, false});
    CHECK(inner.stored_before == std::vector<bool>{true, true, true});
    CHECK(rows(*db) == 3);

    // A request the store answers is told at once, from the cache, and never sent.
    told.clear();
    sent.clear();
    cached.clear();
    (void)client.complete({request("d"), request("b")}, listener);
    CHECK(told == std::vector<std::size_t>{1, 0});
    CHECK(sent == std::vector<std::size_t>{0});
    CHECK(cached == std::vector<bool>{true, false});
}

TEST_CASE("llm::CachingClient over HTTP: a reply without content is never cached") {
    TempDir dir;
    // Null content on the first two arrivals of each request, then an answer.
    assay::testing::ScriptServer server(
        [](int call, const httplib::Request&, httplib::Response& res) {
            res.set_content(call < 2 ? assay::testing::null_content_body()
                                     : assay::testing::chat_body("answer"),
                            "application/json");
        });
    llm::HttpClientOptions options;
    options.base_url = server.url() + "/v1";
    options.max_attempts = 1;
    auto http = llm::HttpClient::create(options);
    REQUIRE(http);
    auto db = store::Store::open(dir / "llm.db");
    REQUIRE(db);
    llm::CachingClient cache(**http, *db);
    for (int round = 0; round < 2; ++round) {
        const auto failed = cache.complete({request("q")});
        REQUIRE_FALSE(failed[0]);
        CHECK(failed[0].error().kind == llm::LlmFailure::empty_reply);
        CHECK(rows(*db) == 0);
    }
    // A later call reaches the server again and keeps its real answer.
    const auto answered = cache.complete({request("q")});
    REQUIRE(answered[0]);
    CHECK(answered[0]->content == "answer");
    CHECK_FALSE(answered[0]->from_cache);
    CHECK(rows(*db) == 1);
    CHECK(server.calls() == 3);
}

TEST_CASE("llm::CachingClient keeps the reasoning apart from the answer") {
    TempDir dir;
    auto db = store::Store::open(dir / "llm.db");
    REQUIRE(db);
    testing::FakeClient inner([](const ChatRequest& r) {
        ChatResult reply = testing::reply("answer to " + r.messages.back().content);
        reply->reasoning = "thought about " + r.messages.back().content;
        return reply;
    });
    llm::CachingClient cache(inner, *db);
    SUBCASE("stored in its column, answered from it") {
        const auto first = cache.complete({request("a")});
        REQUIRE(first[0]);
        CHECK(first[0]->reasoning == "thought about a");
        const auto again = cache.complete({request("a")});
        REQUIRE(again[0]);
        CHECK(again[0]->from_cache);
        CHECK(again[0]->content == "answer to a");
        CHECK(again[0]->reasoning == "thought about a");
        CHECK(inner.asked.size() == 1);
        testing::Sql sql(db->path());
        CHECK(sql.texts("SELECT reply FROM llm_calls") == std::vector<std::string>{"answer to a"});
        CHECK(sql.texts("SELECT reasoning FROM llm_calls") ==
              std::vector<std::string>{"thought about a"});
    }
    SUBCASE("a call recorded before the column existed is split as it is read") {
        testing::Sql(db->path())
            .exec("INSERT INTO llm_calls(request_hash, model, request, reply, finish_reason, "
                  "prompt_tokens, completion_tokens, latency_ms, attempts) VALUES ('" +
                  llm::request_hash(request("old")) +
                  "', 'm', '{}', '<think>old draft</think>\n\nold answer', 'stop', 1, 1, 1, 1)");
        const auto cached = cache.complete({request("old")});
        REQUIRE(cached[0]);
        CHECK(cached[0]->from_cache);
        CHECK(cached[0]->content == "old answer");
        CHECK(cached[0]->reasoning == "old draft");
        CHECK(inner.asked.empty());
    }
    SUBCASE("a reply without reasoning stores an empty one") {
        testing::FakeClient plain([](const ChatRequest&) { return testing::reply("just this"); });
        llm::CachingClient plain_cache(plain, *db);
        (void)plain_cache.complete({request("b")});
        CHECK(testing::Sql(db->path())
                  .scalar("SELECT count(*) FROM llm_calls "
                          "WHERE reasoning = '' AND reply = 'just this'") == 1);
    }
}
