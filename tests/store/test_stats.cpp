#include "store/stats.hpp"
#include "support/llm_store.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace assay;
using assay::testing::TempDir;

TEST_CASE("store::database_stats") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);

    SUBCASE("an empty database: nothing counted") {
        const auto stats = store::database_stats(*db);
        REQUIRE(stats);
        CHECK(stats->schema_version == store::Store::kSchemaVersion);
        CHECK(stats->problems.empty());
        CHECK(stats->runs.empty());
    }
    SUBCASE("counts by key") {
        testing::llm_store::fill(*db);
        const auto stats = store::database_stats(*db);
        REQUIRE_MESSAGE(stats, stats.error().describe());
        CHECK(stats->problems == store::Counts{{"llm", 4}});
        CHECK(stats->candidates.at("solution/llm") == 14);
        CHECK(stats->candidates.at("solution/sample") == 1);
        CHECK(stats->candidates.at("bug/llm") == 1);
        CHECK(stats->runs == store::Counts{{"run:running", 1}});
        CHECK(stats->trajectories ==
              store::Counts{{"reflexion/solved", 2}, {"reflexion/unsolved", 2}});
        CHECK(stats->verdicts.at("timeout") == 2);
        CHECK(stats->passed.at("passed") + stats->passed.at("failed") ==
              testing::Sql(db->path()).scalar("SELECT count(*) FROM executions"));
        CHECK(stats->llm_calls.empty());
        CHECK(stats->difficulty.empty());
    }
    SUBCASE("a database that fails under it is an error naming it") {
        testing::llm_store::fill(*db);
        testing::corrupt_table(db->path(), "executions");
        const auto stats = store::database_stats(*db);
        REQUIRE_FALSE(stats);
        INFO(stats.error().describe());
        CHECK(stats.error().kind == ErrorKind::environment);
        CHECK(stats.error().where == db->path().string());
        CHECK(stats.error().message.find("malformed") != std::string::npos);
    }
}
