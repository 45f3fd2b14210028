// Black-box: `assay run --shard I/4` for I in 0..3, then `assay merge`, gives the exports of one
// `assay run` with the same seed (offline, and with assay-fake-llm); merging is idempotent and
// order-free; databases of another configuration or schema, or not databases, are refused (2).
#include "core/language.hpp"
#include "support/fake_llm_process.hpp"
#include "support/process.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"
#include "util/hash.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using assay::testing::assay_binary;
using assay::testing::FakeLlm;
using assay::testing::Ran;
using assay::testing::slurp;
using assay::testing::TempDir;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kKinds{"sft", "bugfix", "refactor", "reflexion",
                                      "dpo", "kto",    "tasks"};

std::vector<std::string> offline_args(const fs::path& db, const fs::path& out,
                                      const std::string& seed = "5") {
    return {"run",
            "--problems",
            (assay::project_root() / "problems").string(),
            "--db",
            db.string(),
            "--out",
            out.string(),
            "--limit",
            "9",
            "--seed",
            seed,
            "--jobs",
            "2",
            "--mutants-per-problem",
            "3"};
}

void run_ok(const std::vector<std::string>& args) {
    const Ran r = assay_binary(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

// Every table's rows in rowid order, as one digest: two databases with the same digest hold the
// same rows under the same ids.
std::string digest(const fs::path& db) {
    assay::testing::Sql sql(db);
    std::string text;
    for (const char* table :
         {"runs", "problems", "tests", "candidates", "executions", "test_results", "trajectories",
          "trajectory_steps", "problem_stats", "llm_calls", "job_results", "exclusions"}) {
        std::string row = "''";
        auto columns = sql.statement(std::string("PRAGMA table_info(") + table + ")");
        while (columns.step())
            row += "||char(31)||quote(" + columns.column_text(1) + ")";
        auto s = sql.statement("SELECT " + row + " FROM " + table + " ORDER BY rowid");
        while (s.step())
            text += std::string(table) + s.column_text(0) + "\n";
    }
    return assay::util::content_hash(text);
}

// The exports of `db` by `assay export`, kind → file text.
std::map<std::string, std::string> exported(const fs::path& db, const fs::path& dir) {
    std::map<std::string, std::string> out;
    fs::create_directories(dir);
    for (const std::string& kind : kKinds) {
        const fs::path file = dir / (kind + ".jsonl");
        run_ok({"export", kind, "--db", db.string(), "--out", file.string()});
        out[kind] = slurp(file);
    }
    return out;
}

std::map<std::string, std::string> run_exports(const fs::path& out) {
    std::map<std::string, std::string> files;
    for (const std::string& kind : kKinds)
        files[kind] = slurp(out / (kind + ".jsonl"));
    return files;
}

// Shards 0..3 of `args` (a run without --db/--out placeholders filled per shard), merged.
fs::path shard_and_merge(
    const TempDir& dir,
    const std::function<std::vector<std::string>(const fs::path&, const fs::path&)>& args) {
    std::vector<std::string> merge{"merge", "--db", (dir.path() / "merged.db").string()};
    for (int i = 0; i < 4; ++i) {
        const fs::path db = dir.path() / ("shard" + std::to_string(i) + ".db");
        std::vector<std::string> a = args(db, dir.path() / ("shard" + std::to_string(i)));
        a.insert(a.end(), {"--shard", std::to_string(i) + "/4"});
        run_ok(a);
        merge.push_back(db.string());
    }
    run_ok(merge);
    return dir.path() / "merged.db";
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run --shard I/4 then merge: the exports of one run; merge is idempotent and "
              "order-free") {
        TempDir dir;
        run_ok(offline_args(dir.path() / "single.db", dir.path() / "single"));
        const auto single = run_exports(dir.path() / "single");
        REQUIRE(!single.at("sft").empty());
        REQUIRE(!single.at("bugfix").empty());
        const fs::path merged = shard_and_merge(
            dir, [](const fs::path& db, const fs::path& out) { return offline_args(db, out); });
        // Every shard did part of the work, and no problem twice.
        std::int64_t problems = 0;
        for (int i = 0; i < 4; ++i)
            problems += assay::testing::Sql(dir.path() / ("shard" + std::to_string(i) + ".db"))
                            .scalar("SELECT count(*) FROM problems");
        CHECK(problems == 9);
        CHECK(exported(merged, dir.path() / "from-merge") == single);

        // Idempotent: merging a shard again, or the merge into itself, changes nothing.
        const std::string before = digest(merged);
        run_ok({"merge", "--db", merged.string(), (dir.path() / "shard2.db").string()});
        CHECK(digest(merged) == before);
        // Order-free: the shards in another order, into a new file, give the same database.
        const fs::path again = dir.path() / "again.db";
        run_ok({"merge", "--db", again.string(), (dir.path() / "shard3.db").string(),
                (dir.path() / "shard1.db").string(), (dir.path() / "shard0.db").string(),
                (dir.path() / "shard2.db").string()});
        CHECK(digest(again) == before);
        // A partial merge says which shards are missing.
        const Ran partial = assay_binary({"merge", "--db", (dir.path() / "part.db").string(),
                                          (dir.path() / "shard1.db").string(), "--json"});
        REQUIRE(partial.exit_code == 0);
        const auto summary = nlohmann::json::parse(partial.out);
        CHECK(summary["shards"] == nlohmann::json::array({1}));
        CHECK(summary["missing"] == nlohmann::json::array({0, 2, 3}));

        // Refused, and nothing written: a database of another run configuration. (Not
        // subcases: doctest would run the shards again for each.)
        {
            const fs::path other = dir.path() / "other.db";
            std::vector<std::string> a = offline_args(other, dir.path() / "other", "6");
            a.insert(a.end(), {"--shard", "0/4"});
            run_ok(a);
            const fs::path target = dir.path() / "mixed.db";
            const Ran r = assay_binary({"merge", "--db", target.string(),
                                        (dir.path() / "shard1.db").string(), other.string()});
            CHECK(r.exit_code == 2);
            CHECK(r.err.find(other.string()) != std::string::npos);
            CHECK(r.err.find("seed") != std::string::npos);
            CHECK(!fs::exists(target));
            for (const auto& entry : fs::directory_iterator(dir.path()))
                CHECK(entry.path().filename().string().find(".merge-") == std::string::npos);
            // Into an existing merge: refused, and the merge is as it was.
            const Ran into = assay_binary({"merge", "--db", merged.string(), other.string()});
            CHECK(into.exit_code == 2);
            CHECK(digest(merged) == before);
        }
        // Refused: what is not an assay database of this schema.
        {
            const fs::path text = dir.path() / "notes.db";
            std::ofstream(text) << "not a database\n";
            const Ran r =
                assay_binary({"merge", "--db", (dir.path() / "x.db").string(), text.string()});
            CHECK(r.exit_code == 2);
            CHECK(r.err.find(text.string()) != std::string::npos);
            const fs::path old = dir.path() / "old.db";
            fs::copy_file(dir.path() / "shard0.db", old);
            assay::testing::Sql(old).statement("PRAGMA user_version=6").run();
            const Ran o =
                assay_binary({"merge", "--db", (dir.path() / "y.db").string(), old.string()});
            CHECK(o.exit_code == 2);
            CHECK(o.err.find("schema version 6") != std::string::npos);
            const Ran missing = assay_binary({"merge", "--db", (dir.path() / "z.db").string(),
                                              (dir.path() / "nowhere.db").string()});
            CHECK(missing.exit_code == 2);
        }
    }

    TEST_CASE("cli::run --shard with the fake LLM: the shards' merge exports what one run does") {
        FakeLlm server({"--seed", "2"});
        const auto args = [&](const fs::path& db, const fs::path& out) {
            return std::vector<std::string>{
                "run",
                "--problems",
                (assay::project_root() / "problems" / "python").string(),
                "--db",
                db.string(),
                "--out",
                out.string(),
                "--limit",
                "6",
                "--seed",
                "3",
                "--jobs",
                "2",
                "--llm-url",
                server.url() + "/v1",
                "--model",
                "fake-model",
                "--new-problems",
                "4",
                "--samples",
                "2",
                "--max-steps",
                "2",
                "--mutants-per-problem",
                "2"};
        };
        TempDir dir;
        run_ok(args(dir.path() / "single.db", dir.path() / "single"));
        const auto single = run_exports(dir.path() / "single");
        const fs::path merged = shard_and_merge(dir, args);
        const auto from_merge = exported(merged, dir.path() / "from-merge");
        for (const std::string& kind : kKinds)
            CHECK_MESSAGE(from_merge.at(kind) == single.at(kind), kind);
        // The new problems were made by the shards, each by the one that owns its request.
        CHECK(assay::testing::Sql(merged).scalar(
                  "SELECT count(*) FROM problems WHERE id LIKE 'llm/%'") ==
              assay::testing::Sql(dir.path() / "single.db")
                  .scalar("SELECT count(*) FROM problems WHERE id LIKE 'llm/%'"));
    }

    TEST_CASE("cli::run --shard and --shards: bad values and the array job's environment") {
        TempDir dir;
        const auto base = offline_args(dir.path() / "a.db", dir.path() / "a");
        for (const char* bad : {"4/4", "1", "x/2", "0/0", "-1/3"}) {
            std::vector<std::string> a = base;
            a.insert(a.end(), {"--shard", bad});
            const Ran r = assay_binary(a);
            CHECK_MESSAGE(r.exit_code == 2, bad);
            CHECK(r.err.find("--shard") != std::string::npos);
            CHECK(!fs::exists(dir.path() / "a.db"));
        }
        std::vector<std::string> a = base;
        a.insert(a.end(), {"--shards", "4"});
        const Ran none = assay_binary(a);
        CHECK(none.exit_code == 2);
        CHECK(none.err.find("SLURM_ARRAY_TASK_ID") != std::string::npos);
    }
} // TEST_SUITE("cli")
