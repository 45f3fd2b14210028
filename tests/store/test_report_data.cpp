// The report's readers over a store filled by hand (support/llm_store.hpp) and over tables of
// decontamination records another stage may add.
#include "store/llm_calls.hpp"
#include "store/report_data.hpp"
#include "support/llm_store.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <doctest/doctest.h>

using namespace assay;
using assay::testing::TempDir;

namespace {
const store::ProblemOutcome& outcome(const store::ReportData& data, const std::string& id) {
    const auto it = std::find_if(data.problems_by_id.begin(), data.problems_by_id.end(),
                                 [&](const store::ProblemOutcome& p) { return p.id == id; });
    REQUIRE(it != data.problems_by_id.end());
    return *it;
}
} // namespace

TEST_CASE("store::report_data") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    testing::llm_store::fill(*db);
    store::put_llm_call(*db, {"h1", "model-a", "{}", "reply", "", "stop", 100, 20, 350.0, 1});
    store::put_llm_call(*db, {"h2", "model-a", "{}", "reply", "", "length", 90, 64, 900.0, 2});
    const auto data = store::report_data(*db);
    REQUIRE(data);

    SUBCASE("executions by stage and outcome") {
        const store::Counts& solve = data->stage_outcomes.at("solve");
        CHECK(solve.at("passed") >= 2);
        CHECK(solve.at("tests failed") >= 1);
        CHECK(solve.at("compile_error") == 1);
        CHECK(solve.at("timeout") >= 1);
        CHECK(solve.at("internal_error") == 2);
        // Repairs are Reflexion's; the fixture's bug names its stage in its meta.
        CHECK(data->stage_outcomes.at("reflexion").at("compile_error") >= 1);
        CHECK(data->stage_outcomes.at("bug").at("tests failed") == 1);
    }
    SUBCASE("each problem's solutions by their standing") {
        const auto& clamp = outcome(*data, "llm/clamp");
        CHECK(clamp.solutions == 2);
        CHECK(clamp.solutions_passed == 1);
        const auto& is_even = outcome(*data, "llm/is_even");
        CHECK(is_even.solutions == 2);
        CHECK(is_even.solutions_passed == 0);
        CHECK(is_even.source == "llm");
        CHECK(!is_even.mutation_score);
    }
    SUBCASE("bug kinds, Reflexion lengths, llm calls") {
        REQUIRE(data->bug_kinds.size() == 1);
        CHECK(data->bug_kinds[0].label == "off_by_one");
        CHECK(data->bug_kinds[0].kept == 1);
        CHECK(data->bug_kinds[0].dropped == 0);
        CHECK(data->refactor_kinds.empty());
        std::vector<std::pair<int, bool>> lengths;
        for (const auto& t : data->reflexion)
            lengths.emplace_back(t.steps, t.solved);
        CHECK(lengths ==
              std::vector<std::pair<int, bool>>{{3, true}, {2, false}, {1, false}, {3, true}});
        REQUIRE(data->llm_calls.size() == 2);
        CHECK(data->llm_calls[1].finish_reason == "length");
        CHECK(data->llm_calls[1].completion_tokens == 64);
        CHECK(data->filter_tables.empty());
    }
    SUBCASE("decontamination tables, counted by their rule") {
        testing::Sql sql(dir / "a.db");
        sql.statement("CREATE TABLE decontamination (candidate INTEGER, rule TEXT, score REAL)")
            .run();
        sql.statement("INSERT INTO decontamination VALUES (1, 'ngram-10', 0.8), "
                      "(2, 'ngram-10', 0.9), (3, 'ast-hash', 1)")
            .run();
        sql.statement("CREATE TABLE near_duplicates (a INTEGER, b INTEGER)").run();
        sql.statement("INSERT INTO near_duplicates VALUES (1, 2)").run();
        const auto again = store::report_data(*db);
        REQUIRE(again);
        REQUIRE(again->filter_tables.size() == 2);
        CHECK(again->filter_tables[0].table == "decontamination");
        CHECK(again->filter_tables[0].grouped_by == "rule");
        CHECK(again->filter_tables[0].counts == store::Counts{{"ast-hash", 1}, {"ngram-10", 2}});
        CHECK(again->filter_tables[1].table == "near_duplicates");
        CHECK(again->filter_tables[1].counts == store::Counts{{"", 1}});
    }
}

TEST_CASE("store::problem_candidates") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    testing::llm_store::fill(*db);
    const auto rows = store::problem_candidates(*db, "llm/is_even", 10);
    REQUIRE(rows);
    REQUIRE(rows->size() == 2);
    CHECK((*rows)[0].verdict == "ok");
    CHECK(!(*rows)[0].passed);
    CHECK((*rows)[0].tests_total == 2);
    CHECK((*rows)[1].tests_passed == 1);
    const auto limited = store::problem_candidates(*db, "llm/abs_diff", 3);
    REQUIRE(limited);
    CHECK(limited->size() == 3);
}
