// The export readers over a store filled by hand (tests/support/llm_store.hpp), and what they
// return when the database fails under them.
#include "store/readers.hpp"
#include "support/llm_store.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace assay;
using assay::testing::TempDir;
namespace llm = assay::testing::llm_store;

TEST_CASE("store::trajectories") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    llm::fill(*db);
    const auto rows = store::trajectories(*db, "reflexion");
    REQUIRE_MESSAGE(rows, rows.error().describe());
    REQUIRE(rows->size() == 4);

    SUBCASE("a recorded trajectory: its steps, its typed meta and the final run it names") {
        const store::TrajectoryRow& t = rows->front();
        CHECK(t.key == "reflexion:llm/abs_diff:11");
        CHECK(t.solved);
        REQUIRE(t.steps.size() == 3);
        CHECK(t.steps[0].code == llm::kWrong);
        REQUIRE(t.steps[0].execution);
        CHECK(t.steps[0].execution->tests_total == 2);
        CHECK(t.steps[0].execution->first_failure->name == "visible_0");
        CHECK(t.steps[1].execution->verdict == "compile_error");
        REQUIRE(t.meta.messages);
        CHECK(t.meta.messages->size() == 7);
        CHECK(t.meta.messages->front() ==
              store::TrajectoryMessage{"system", "You are an expert Python programmer."});
        CHECK(t.meta.max_steps == 4);
        REQUIRE(t.meta.final_run);
        REQUIRE(t.final_execution);
        CHECK(t.final_execution->id == t.meta.final_run->execution);
        CHECK(t.final_execution->passed);
        CHECK(t.final_execution->tests_total == 3);
    }
    SUBCASE("malformed messages are none; a final run that is not stored is none") {
        const store::TrajectoryRow& t = rows->back();
        CHECK(t.key == "reflexion:llm/js_max:1");
        CHECK_FALSE(t.meta.messages);
        REQUIRE(t.meta.final_run);
        CHECK(t.meta.final_run->execution == 999'999);
        CHECK_FALSE(t.final_execution);
    }
    SUBCASE("another kind") {
        const auto none = store::trajectories(*db, "bugfix");
        REQUIRE(none);
        CHECK(none->empty());
    }
}

TEST_CASE("store::model_solutions and store::problem_records") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    llm::fill(*db);
    const auto problems = store::problem_records(*db);
    REQUIRE(problems);
    CHECK(problems->size() == 4);
    CHECK(problems->at("llm/js_max").problem.language == "javascript");
    CHECK_FALSE(problems->at("llm/abs_diff").mutation_score);
    const auto solutions = store::model_solutions(*db);
    REQUIRE(solutions);
    // Samples 1-8 of llm/abs_diff, 2 of each other problem, js_max's first attempt (a solution
    // with a visible-only run: no standing).
    CHECK(solutions->size() == 14);
    CHECK(solutions->front().code == llm::kGood1);
    CHECK(solutions->front().standing.passed);
}

TEST_CASE("store readers: a database that fails under them is an error naming it") {
    TempDir dir;
    const auto path = dir / "a.db";
    {
        auto db = store::Store::open(path);
        REQUIRE(db);
        llm::fill(*db);
        // A kept refactoring too, so that every reader has a row whose run it must read.
        db->transaction([&] {
            const auto refactor = db->put_candidate({"llm/abs_diff", store::CandidateKind::refactor,
                                                     store::Origin::llm, llm::kGood2 + "\n", 1});
            db->put_execution(
                refactor, 1, "full-refactor",
                llm::result(Verdict::ok, llm::all_passed({"visible_0", "visible_1", "hidden_0"})));
        });
        REQUIRE(store::kept_refactorings(*db)->size() == 1);
    }
    auto db = store::Store::open(path);
    REQUIRE(db);
    // Opened fine; then the disk fails under the executions.
    testing::corrupt_table(path, "executions");
    CHECK(store::problem_records(*db)); // reads no execution
    const auto check = [&](const Error& error, const char* what) {
        INFO(error.describe());
        CHECK(error.kind == ErrorKind::environment);
        CHECK(error.where == path.string());
        CHECK(error.message.find(what) != std::string::npos);
        CHECK(error.message.find("malformed") != std::string::npos);
    };
    const auto passing = store::passing_solutions(*db);
    REQUIRE_FALSE(passing);
    check(passing.error(), "reading the passing solutions");
    const auto bugs = store::killed_bugs(*db);
    REQUIRE_FALSE(bugs);
    check(bugs.error(), "reading the killed bugs");
    const auto refactorings = store::kept_refactorings(*db);
    REQUIRE_FALSE(refactorings);
    check(refactorings.error(), "reading the kept refactorings");
    const auto solutions = store::model_solutions(*db);
    REQUIRE_FALSE(solutions);
    check(solutions.error(), "reading the model solutions");
    const auto trajectories = store::trajectories(*db, "reflexion");
    REQUIRE_FALSE(trajectories);
    check(trajectories.error(), "reading the trajectories");
}
