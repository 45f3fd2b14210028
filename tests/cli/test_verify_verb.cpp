// Black-box: `assay verify` as users run it.
#include "store/store.hpp"
#include "support/run_assay.hpp"
#include "support/small_problems.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <future>
#include <nlohmann/json.hpp>

using assay::testing::run_assay;
using assay::testing::TempDir;
using nlohmann::json;

namespace {
const char* kProblem = R"(id = "bank/inc"
language = "python"
title = "Increment"
entry_point = "inc"
prompt = "Return x + 1."
solution = '''
def inc(x):
    return x + 1
'''
visible = ["assert inc(1) == 2", "assert inc(-5) == -4"]
hidden = ["assert inc(10**20) == 10**20 + 1"]
)";

long rows(const std::filesystem::path& db, const char* table) {
    return static_cast<long>(
        assay::testing::Sql(db).scalar(std::string("SELECT count(*) FROM ") + table));
}
} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::verify reports per-sample verdicts in input order") {
        TempDir dir;
        const auto problems = dir.write("bank/inc.toml", kProblem);
        const auto samples = dir.write(
            "s.jsonl",
            "{\"task_id\": \"bank/inc\", \"solution\": \"def inc(x):\\n    return x + 2\\n\"}\n"
            "{\"task_id\": \"bank/inc\", \"completion\": \"def inc(x):\\n    return 1 + x\\n\"}\n"
            "{\"task_id\": \"bank/inc\", \"solution\": \"def inc(x) return x\\n\"}\n");
        const auto ran = run_assay({"verify", "--problems", (dir / "bank").string(), "--solutions",
                                    samples.string(), "--json", "--jobs", "2"});
        INFO(ran.err);
        REQUIRE(ran.exit_code == 0);
        const json report = json::parse(ran.out);
        CHECK(report["total"] == 3);
        CHECK(report["passed"] == 1);
        CHECK(report["failed"] == 2);
        const json& results = report["results"];
        CHECK(results[0]["index"] == 0);
        CHECK(results[0]["verdict"] == "ok");
        CHECK(results[0]["tests_passed"] == 0);
        CHECK(results[0]["tests_total"] == 3);
        CHECK(results[1]["verdict"] == "ok");
        CHECK(results[1]["tests_passed"] == 3);
        CHECK(results[2]["verdict"] == "compile_error");
        CHECK(results[2]["task_id"] == "bank/inc");

        SUBCASE("--gate turns a failed sample into exit 1") {
            const auto gated = run_assay({"verify", "--problems", problems.string(), "--solutions",
                                          samples.string(), "--gate"});
            CHECK(gated.exit_code == 1);
            CHECK(gated.out.find("1 passed, 2 failed") != std::string::npos);
        }
    }

    TEST_CASE("cli::verify: two processes on one fresh database both succeed") {
        TempDir dir;
        const auto problems = assay::testing::write_small_problems(dir);
        for (int round = 0; round < 3; ++round) {
            const auto db = dir / ("fresh-" + std::to_string(round) + ".db");
            auto verify = [&] {
                return run_assay({"verify", "--problems", problems.string(), "--canonical", "--db",
                                  db.string(), "--json"});
            };
            auto first = std::async(std::launch::async, verify);
            auto second = std::async(std::launch::async, verify);
            for (auto* ran : {&first, &second}) {
                const auto result = ran->get();
                CHECK_MESSAGE(result.exit_code == 0, result.err);
            }
            CHECK(rows(db, "runs") == 2);
            CHECK(rows(db, "problems") == 4);
            CHECK(assay::testing::Sql(db).scalar("PRAGMA user_version") ==
                  assay::store::Store::kSchemaVersion);
        }
    }

    TEST_CASE("cli::verify --db is idempotent") {
        TempDir dir;
        const auto problems = dir.write("inc.toml", kProblem);
        const auto db = dir / "runs.db";
        for (int pass = 0; pass < 2; ++pass) {
            const auto ran = run_assay({"verify", "--problems", problems.string(), "--canonical",
                                        "--db", db.string(), "--json"});
            REQUIRE(ran.exit_code == 0);
            const json report = json::parse(ran.out);
            CHECK(report["passed"] == 1);
            CHECK(report["results"][0]["cached"] == (pass == 1));
        }
        CHECK(rows(db, "problems") == 1);
        CHECK(rows(db, "tests") == 3);
        CHECK(rows(db, "candidates") == 1);
        CHECK(rows(db, "executions") == 1);
        CHECK(rows(db, "test_results") == 3);
        CHECK(rows(db, "runs") == 2);
        const auto stats = run_assay({"stats", "--db", db.string(), "--json"});
        REQUIRE(stats.exit_code == 0);
        CHECK(json::parse(stats.out)["verdicts"]["ok"] == 1);
    }

    TEST_CASE("cli::verify rejects bad input with exit 2, file and line, and records nothing") {
        TempDir dir;
        const auto problems = dir.write("inc.toml", kProblem);
        const auto db = dir / "never.db";
        auto expect_bad = [&](const std::vector<std::string>& args, const std::string& where) {
            std::vector<std::string> full = {"verify", "--problems", problems.string(), "--db",
                                             db.string()};
            full.insert(full.end(), args.begin(), args.end());
            const auto ran = run_assay(full);
            CHECK(ran.exit_code == 2);
            CHECK(ran.err.find(where) != std::string::npos);
            CHECK_FALSE(std::filesystem::exists(db));
        };
        SUBCASE("a truncated JSON line") {
            const auto s = dir.write("s.jsonl", "{\"task_id\": \"bank/inc\", \"solution\": \"x\"}\n"
                                                "{\"task_id\": \"bank/inc\", \"sol\n");
            expect_bad({"--solutions", s.string()}, s.string() + ":2: invalid JSON");
        }
        SUBCASE("an unknown task_id") {
            const auto s =
                dir.write("s.jsonl", "{\"task_id\": \"bank/nope\", \"solution\": \"x\"}\n");
            expect_bad({"--solutions", s.string()}, s.string() + ":1: unknown task_id 'bank/nope'");
        }
        SUBCASE("a missing field") {
            const auto s = dir.write("s.jsonl", "{\"solution\": \"x\"}\n");
            expect_bad({"--solutions", s.string()}, s.string() + ":1: missing field 'task_id'");
        }
        SUBCASE("a missing samples file") {
            expect_bad({"--solutions", (dir / "absent.jsonl").string()},
                       "absent.jsonl: no such file");
        }
        SUBCASE("both --canonical and --solutions") {
            const auto s =
                dir.write("s.jsonl", "{\"task_id\": \"bank/inc\", \"solution\": \"x\"}\n");
            expect_bad({"--canonical", "--solutions", s.string()}, "exactly one of");
        }
        SUBCASE("an unreadable problem file") {
            const auto broken = dir.write("broken.toml", "id = \"x\"\ntitle = [\n");
            const auto ran = run_assay(
                {"verify", "--problems", broken.string(), "--canonical", "--db", db.string()});
            CHECK(ran.exit_code == 2);
            CHECK(ran.err.find(broken.string() + ":") != std::string::npos);
            CHECK_FALSE(std::filesystem::exists(db));
        }
    }
}
