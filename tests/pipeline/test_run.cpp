// The offline run pipeline end to end through the C++ API, in the jail, on four small problems.
#include "pipeline/run.hpp"
#include "store/store.hpp"
#include "support/small_problems.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"
#include "syntax/entry_point.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace assay;
using assay::testing::TempDir;

namespace {
pipeline::RunOptions options_for(const TempDir& dir, const std::string& db) {
    pipeline::RunOptions options;
    options.problems = {dir / "problems"};
    options.db = dir / db;
    options.out = dir / (db + ".out");
    options.jobs = 2;
    options.seed = 1;
    return options;
}

std::int64_t scalar(testing::Sql& db, const std::string& sql) {
    store::Statement s = db.statement(sql);
    REQUIRE(s.step());
    return s.column_int(0);
}

// Row counts of every table a run writes, except runs.
std::vector<std::int64_t> counts(testing::Sql& db) {
    std::vector<std::int64_t> out;
    for (const char* table : {"problems", "tests", "candidates", "executions", "test_results",
                              "trajectories", "trajectory_steps", "problem_stats"})
        out.push_back(scalar(db, std::string("SELECT count(*) FROM ") + table));
    return out;
}

std::vector<std::string> candidate_keys(testing::Sql& db) {
    return db.texts("SELECT problem_id || kind || label || code_hash || meta "
                    "FROM candidates ORDER BY id");
}
} // namespace

TEST_CASE("pipeline::parse_stages") {
    using pipeline::Stage;
    CHECK(*pipeline::parse_stages("verify,export") ==
          std::vector<Stage>{Stage::verify, Stage::export_datasets});
    CHECK(!pipeline::parse_stages("verify,fuzz"));
    CHECK(!pipeline::parse_stages(""));
}

TEST_CASE("pipeline::run") {
    TempDir dir;
    testing::write_small_problems(dir);
    const auto summary = pipeline::run(options_for(dir, "a.db"));
    REQUIRE_MESSAGE(summary, summary.error().describe());
    CHECK(summary->problems == 4);
    CHECK(summary->references_passed == 4);
    testing::Sql db(dir / "a.db");

    SUBCASE("every killed mutant fails a test and has a bugfix trace; survivors pass") {
        store::Statement bugs =
            db.statement("SELECT c.id, json_extract(c.meta, '$.survivor'), e.passed, "
                         "(SELECT count(*) FROM test_results t WHERE t.execution_id = e.id "
                         "AND t.verdict != 'passed'), c.parent_id = r.id, c.label "
                         "FROM candidates c JOIN executions e ON e.candidate_id = c.id "
                         "JOIN candidates r ON r.problem_id = c.problem_id AND "
                         "r.kind = 'solution' WHERE c.kind = 'bug'");
        int killed = 0;
        while (bugs.step()) {
            CHECK(bugs.column_int(4) == 1);
            CHECK(!bugs.column_text(5).empty());
            if (bugs.column_int(1) == 0) {
                ++killed;
                CHECK(bugs.column_int(2) == 0);
                CHECK(bugs.column_int(3) >= 1);
            } else {
                CHECK(bugs.column_int(2) == 1);
            }
        }
        CHECK(killed >= 8);
        CHECK(
            scalar(db, "SELECT count(*) FROM trajectories WHERE kind = 'bugfix' AND solved = 1") ==
            killed);
        CHECK(scalar(db, "SELECT count(*) FROM trajectory_steps WHERE position = 0 AND "
                         "feedback != ''") == killed);
        CHECK(scalar(db, "SELECT count(*) FROM trajectory_steps s JOIN candidates c ON "
                         "c.id = s.candidate_id WHERE s.position = 1 AND c.kind = 'solution'") ==
              killed);
    }
    SUBCASE("kept refactorings pass every test and differ from the reference") {
        CHECK(scalar(db, "SELECT count(*) FROM candidates WHERE kind = 'refactor'") >= 5);
        // Each keeps the interface the prompt asks for.
        store::Statement kept = db.statement(
            "SELECT p.solution, c.code, p.entry_point FROM candidates c JOIN problems p ON "
            "p.id = c.problem_id WHERE c.kind = 'refactor'");
        while (kept.step())
            CHECK(syntax::same_signature("python", kept.column_text(0), kept.column_text(1),
                                         kept.column_text(2)));
        CHECK(scalar(db, "SELECT count(DISTINCT label) FROM candidates WHERE kind = 'refactor'") >=
              3);
        CHECK(scalar(db,
                     "SELECT count(*) FROM candidates c JOIN executions e ON "
                     "e.candidate_id = c.id JOIN problems p ON p.id = c.problem_id "
                     "WHERE c.kind = 'refactor' AND (e.passed = 0 OR c.code = p.solution)") == 0);
    }
    SUBCASE("problem stats hold the mutation score") {
        CHECK(scalar(db, "SELECT count(*) FROM problem_stats WHERE reference_passed = 1") == 4);
        CHECK(scalar(db, "SELECT count(*) FROM problem_stats WHERE mutation_score IS NULL OR "
                         "abs(mutation_score - 1.0 * mutants_killed / mutants_total) > 1e-9") == 0);
        CHECK(summary->mutation_scores.size() == 4);
    }
    SUBCASE("the datasets are written") {
        CHECK(summary->exported.at("sft.jsonl") >= 4);
        CHECK(summary->exported.at("bugfix.jsonl") >= 8);
        CHECK(summary->exported.at("refactor.jsonl") >= 5);
        std::ifstream in(dir / "a.db.out" / "bugfix.jsonl");
        std::size_t lines = 0;
        for (std::string line; std::getline(in, line); ++lines)
            CHECK(nlohmann::json::parse(line).contains("diff"));
        CHECK(lines == summary->exported.at("bugfix.jsonl"));
        CHECK(std::filesystem::exists(dir / "a.db.out" / "run_summary.json"));
    }
    SUBCASE("the same seed gives the same rows, again and in a fresh database") {
        const auto before = counts(db);
        REQUIRE(pipeline::run(options_for(dir, "a.db")));
        CHECK(counts(db) == before);
        REQUIRE(pipeline::run(options_for(dir, "b.db")));
        testing::Sql fresh(dir / "b.db");
        CHECK(counts(fresh) == before);
        CHECK(candidate_keys(fresh) == candidate_keys(db));
    }
}

TEST_CASE("pipeline::run refuses bad input before writing anything") {
    TempDir dir;
    SUBCASE("a missing problems directory") {
        auto options = options_for(dir, "a.db");
        const auto result = pipeline::run(options);
        REQUIRE(!result);
        CHECK(result.error().where == (dir / "problems").string());
    }
    SUBCASE("a malformed problem file names its line") {
        testing::write_small_problems(dir);
        dir.write("problems/zz_bad.toml", "id = \"t/bad\"\nlanguage = \"python\"\ntitle = [\n");
        const auto result = pipeline::run(options_for(dir, "a.db"));
        REQUIRE(!result);
        CHECK(result.error().where.find("zz_bad.toml:") != std::string::npos);
    }
    CHECK(!std::filesystem::exists(dir / "a.db"));
    CHECK(!std::filesystem::exists(dir / "a.db.out"));
}
