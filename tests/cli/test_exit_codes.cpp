// The exit-code contract across verbs: 2 when the input is wrong, 3 when the environment fails,
// each message naming the path and the reason.
#include "support/llm_store.hpp"
#include "support/process.hpp"
#include "support/small_problems.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>

using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::TempDir;

TEST_SUITE("cli") {
    TEST_CASE("cli: exit codes name the path and tell input from environment") {
        TempDir dir;
        const auto garbage = dir.write("garbage.db", std::string(4096, 'x'));
        const auto blocker = dir.write("blocker", "a file, not a directory\n");
        const std::string unopenable = (blocker / "assay.db").string();

        SUBCASE("a file that is not a database is bad input (2)") {
            for (const char* verb : {"stats", "export"}) {
                std::vector<std::string> args{verb};
                if (std::string(verb) == "export")
                    args.insert(args.end(), {"sft", "--out", (dir.path() / "o.jsonl").string()});
                args.insert(args.end(), {"--db", garbage.string()});
                const Ran r = assay_binary(args);
                INFO(verb << ": " << r.err);
                CHECK(r.exit_code == 2);
                CHECK(r.err.find(garbage.string()) != std::string::npos);
                CHECK(r.err.find("not a database") != std::string::npos);
            }
            CHECK_FALSE(std::filesystem::exists(dir.path() / "o.jsonl"));
        }
        SUBCASE("a database that fails after it opened is the environment's failure (3)") {
            const auto db = dir.path() / "llm.db";
            {
                auto store = assay::store::Store::open(db);
                REQUIRE(store);
                assay::testing::llm_store::fill(*store);
            }
            // The file opens and its schema reads; the first statement on the executions fails.
            assay::testing::corrupt_table(db, "executions");
            const auto out = dir.path() / "o.jsonl";
            const std::vector<std::vector<std::string>> commands{
                {"stats", "--db", db.string()},
                {"stats", "--db", db.string(), "--json"},
                {"export", "sft", "--db", db.string(), "--out", out.string()},
                {"export", "bugfix", "--db", db.string(), "--out", out.string()},
                {"export", "reflexion", "--db", db.string(), "--out", out.string()},
                {"export", "dpo", "--db", db.string(), "--out", out.string()}};
            for (const auto& args : commands) {
                const Ran r = assay_binary(args);
                INFO(args[0] << " " << args[1] << ": " << r.err);
                CHECK(r.exit_code == 3);
                CHECK(r.out.empty());
                CHECK(r.err.starts_with("assay: error: " + db.string() + ": "));
                CHECK(r.err.find("database disk image is malformed") != std::string::npos);
            }
            CHECK_FALSE(std::filesystem::exists(out));
        }
        SUBCASE("a database whose writes fail in the middle of a run ends it with 3, naming it") {
            assay::testing::write_small_problems(dir);
            const auto db = dir.path() / "refusing.db";
            REQUIRE(assay::store::Store::open(db));
            // The schema is the store's own; the first execution a stage writes is refused, as a
            // full disk or a database locked by another writer would refuse it.
            assay::testing::Sql(db).exec("CREATE TRIGGER refuse BEFORE INSERT ON executions "
                                         "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
            const auto out = dir.path() / "out";
            const std::vector<std::vector<std::string>> commands{
                {"run", "--problems", (dir.path() / "problems").string(), "--db", db.string(),
                 "--out", out.string()},
                {"verify", "--problems", (dir.path() / "problems").string(), "--canonical", "--db",
                 db.string()}};
            for (const auto& args : commands) {
                const Ran r = assay_binary(args);
                INFO(args[0] << ": " << r.err);
                CHECK(r.exit_code == 3);
                CHECK(r.err.find("assay: error: " + db.string() +
                                 ": SQLite: step: refused by the test\n") != std::string::npos);
            }
            // Nothing of the failed stage was kept, and nothing was exported.
            assay::testing::Sql sql(db);
            CHECK(sql.scalar("SELECT count(*) FROM executions") == 0);
            CHECK(sql.scalar("SELECT count(*) FROM candidates") == 0);
            CHECK_FALSE(std::filesystem::exists(out / "sft.jsonl"));
        }
        SUBCASE("a database path under a file is bad input (2), found before any work") {
            assay::testing::write_small_problems(dir);
            const Ran r =
                assay_binary({"run", "--problems", (dir.path() / "problems").string(), "--db",
                              unopenable, "--out", (dir.path() / "out").string()});
            INFO(r.err);
            CHECK(r.exit_code == 2);
            CHECK(r.err.find("--db " + unopenable + ": cannot be created: " + blocker.string() +
                             " is not a directory") != std::string::npos);
            CHECK_FALSE(std::filesystem::exists(dir.path() / "out"));
        }
        SUBCASE("a database that cannot be opened is the environment's failure (3)") {
            // `stats` reads what exists: a directory where the database should be cannot open.
            const Ran r = assay_binary({"stats", "--db", dir.path().string()});
            INFO(r.err);
            CHECK(r.exit_code == 3);
            CHECK(r.err.find(dir.path().string()) != std::string::npos);
        }
    }
}
