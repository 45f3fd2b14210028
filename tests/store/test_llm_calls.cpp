#include "store/llm_calls.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace assay;
using assay::testing::TempDir;

namespace {
store::LlmCall call(std::string hash, std::string reply) {
    return {.request_hash = std::move(hash),
            .model = "m",
            .request = R"({"model":"m"})",
            .reply = std::move(reply),
            .finish_reason = "stop",
            .prompt_tokens = 12,
            .completion_tokens = 3,
            .latency_ms = 41.5,
            .attempts = 2};
}
} // namespace

TEST_CASE("store::find_llm_call and store::put_llm_call") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    CHECK_FALSE(store::find_llm_call(*db, "h1"));
    store::put_llm_call(*db, call("h1", "first"));
    store::put_llm_call(*db, call("h1", "second")); // the first one wins
    const auto found = store::find_llm_call(*db, "h1");
    REQUIRE(found);
    CHECK(found->request_hash == "h1");
    CHECK(found->model == "m");
    CHECK(found->request == R"({"model":"m"})");
    CHECK(found->reply == "first");
    CHECK(found->finish_reason == "stop");
    CHECK(found->prompt_tokens == 12);
    CHECK(found->completion_tokens == 3);
    CHECK(found->latency_ms == 41.5);
    CHECK(found->attempts == 2);
    CHECK(testing::Sql(db->path()).scalar("SELECT count(*) FROM llm_calls") == 1);

    SUBCASE("a plain-value function throws when the database fails under it") {
        testing::corrupt_table(db->path(), "llm_calls");
        CHECK_THROWS_AS((void)store::find_llm_call(*db, "h1"), FatalError);
    }
}

TEST_CASE("store::LlmCall reasoning") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    store::LlmCall with = call("h1", "answer");
    with.reasoning = "first I thought";
    store::put_llm_call(*db, with);
    store::put_llm_call(*db, call("h2", "plain")); // none given: stored as ""
    testing::Sql(db->path())
        .exec("INSERT INTO llm_calls(request_hash, model, request, reply, finish_reason, "
              "prompt_tokens, completion_tokens, latency_ms, attempts) "
              "VALUES ('h3', 'm', '{}', '<think>t</think>a', 'stop', 1, 1, 1, 1)");
    CHECK(store::find_llm_call(*db, "h1")->reasoning == "first I thought");
    CHECK(store::find_llm_call(*db, "h2")->reasoning == "");
    // Recorded before schema version 5: no reasoning apart, the reply as it came.
    const auto old = store::find_llm_call(*db, "h3");
    REQUIRE(old);
    CHECK_FALSE(old->reasoning);
    CHECK(old->reply == "<think>t</think>a");
}
