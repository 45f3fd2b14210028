// The report's readers over a store filled by hand (support/llm_store.hpp) and the exclusions
// decontamination records.
#include "store/exclusions.hpp"
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
        CHECK(data->exclusions.empty());
    }
    SUBCASE("the exclusions decontamination recorded") {
        const auto run = db->begin_run("run", "{}");
        store::replace_exclusions(
            *db, {{"llm/is_even", std::nullopt, "ngram_prompt", "HumanEval/3", 0.4, run},
                  {"llm/clamp", std::nullopt, "near_duplicate_prompt", "llm/abs_diff", 0.8, run}});
        const auto again = store::report_data(*db);
        REQUIRE(again);
        REQUIRE(again->exclusions.size() == 2);
        CHECK(again->exclusions[0].problem_id == "llm/clamp");
        CHECK(again->exclusions[0].against == "llm/abs_diff");
        CHECK(again->exclusions[1].rule == "ngram_prompt");
        CHECK(again->exclusions[1].score == doctest::Approx(0.4));
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
