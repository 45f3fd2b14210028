#include "store/llm_calls.hpp"
#include "store/migrations.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "util/hash.hpp"

#include <doctest/doctest.h>

using namespace assay;

TEST_CASE("store::migrations") {
    const auto all = store::migrations();
    REQUIRE(all.size() == store::Store::kSchemaVersion);
    // A migration that has shipped never changes: databases out there were built by it. These
    // are the hashes of the seven that have; a new version adds a line.
    const std::vector<std::string> shipped{
        "b276ddd428ba744fcc4f0fe7d65ff857", "6c7bd2f1d585d9c6e0c155c47e1477f5",
        "e568cdb29afb280f81da432f0f965cc9", "3e83fe1fb3aee5725cff7b58a4407825",
        "b3d418b312da67d9c9f371e7b4e486d0", "d7f9bdfb2a61cf5acddfe064d194c43b",
        "59038f24416e848eb9b3ab28a530deb2"};
    for (std::size_t i = 0; i < shipped.size(); ++i) {
        INFO("migration " << i + 1);
        CHECK(util::content_hash(all[i]) == shipped[i]);
    }
}

TEST_CASE("store::migrations: version 6 gives a version 4 database's calls no reasoning") {
    assay::testing::TempDir dir;
    const auto path = dir / "v4.db";
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
        const store::DbHandle v4(raw);
        for (std::size_t i = 0; i < 4; ++i)
            store::exec(v4.get(), store::migrations()[i]);
        store::exec(v4.get(),
                    "PRAGMA user_version = 4; INSERT INTO llm_calls(request_hash, model, request, "
                    "reply, finish_reason, prompt_tokens, completion_tokens, latency_ms, "
                    "attempts) VALUES ('h', 'm', '{}', '<think>t</think>a', 'stop', 1, 1, 1, 1)");
    }
    auto db = store::Store::open(path);
    REQUIRE(db);
    CHECK(db->schema_version() == store::Store::kSchemaVersion);
    const auto call = store::find_llm_call(*db, "h");
    REQUIRE(call);
    CHECK_FALSE(call->reasoning);
    CHECK(call->reply == "<think>t</think>a");
}
