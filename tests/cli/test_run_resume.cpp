// Black-box: a run killed with SIGKILL at several points and run again each time ends with the
// exports of a run never killed — offline, and with an LLM (assay-fake-llm), where no answered
// call may be asked again but the few in flight at a kill; SIGINT and SIGTERM stop a run cleanly
// and it resumes.
#include "core/language.hpp"
#include "support/fake_llm_process.hpp"
#include "support/process.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
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

const std::vector<std::string> kExports{"sft.jsonl", "bugfix.jsonl", "refactor.jsonl",
                                        "reflexion.jsonl", "dpo.jsonl"};

std::vector<std::string> run_args(const fs::path& db, const fs::path& out,
                                  const std::string& limit = "20") {
    return {"run",        "--problems", (assay::project_root() / "problems" / "python").string(),
            "--db",       db.string(),  "--out",
            out.string(), "--limit",    limit,
            "--seed",     "1",          "--jobs",
            "2"};
}

// Job results the database holds (journaled or recorded), 0 before its schema exists.
std::int64_t finished_jobs(const fs::path& db) {
    if (!fs::exists(db)) return 0;
    try {
        assay::testing::Sql sql(db);
        return sql.scalar("SELECT (SELECT count(*) FROM job_results) + "
                          "(SELECT count(*) FROM executions)");
    } catch (const std::exception&) {
        return 0;
    }
}

std::vector<std::string> llm_run_args(const std::string& url, const fs::path& db,
                                      const fs::path& out) {
    std::vector<std::string> args = run_args(db, out, "12");
    args.insert(args.end(), {"--llm-url", url + "/v1", "--model", "fake-model", "--llm-concurrency",
                             "4", "--llm-timeout", "5", "--llm-attempts", "10"});
    return args;
}

// How many times the server answered each request body (assay-fake-llm --log).
std::map<std::string, int> answers_per_request(const fs::path& log) {
    std::map<std::string, int> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
        const auto entry = nlohmann::json::parse(line, nullptr, false);
        if (entry.is_object() && entry.value("outcome", "") == "answered")
            ++out[entry.value("request", "")];
    }
    return out;
}

int total_answers(const fs::path& log) {
    int total = 0;
    for (const auto& [request, answers] : answers_per_request(log))
        total += answers;
    return total;
}

// Every export in `out` is there, with the bytes of the one in `whole`.
void same_exports(const fs::path& out, const fs::path& whole) {
    for (const std::string& name : kExports) {
        INFO(name);
        REQUIRE(fs::exists(out / name));
        CHECK(slurp(out / name) == slurp(whole / name));
    }
}

std::string last_status(const fs::path& db) {
    assay::testing::Sql sql(db);
    const auto statuses = sql.texts("SELECT status FROM runs ORDER BY id DESC LIMIT 1");
    return statuses.empty() ? "" : statuses.front();
}

// Files whose name starts with '.' (an export's temporary file) in `dir`.
std::vector<std::string> hidden_files(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().filename().string().starts_with(".")) out.push_back(entry.path());
    return out;
}

} // namespace

TEST_SUITE("slow") {
    TEST_CASE("cli::run killed at several points and rerun ends with the uninterrupted exports") {
        TempDir dir;
        const Ran whole = assay_binary(run_args(dir / "whole.db", dir / "whole"));
        INFO(whole.err);
        REQUIRE(whole.exit_code == 0);
        const std::int64_t all_jobs = finished_jobs(dir / "whole.db");
        REQUIRE(all_jobs > 100);

        const fs::path db = dir / "killed.db";
        const fs::path out = dir / "killed";
        int kills = 0;
        std::int64_t before = 0;
        // Early in the references, in the mutants, late in the run: each time further than the
        // last run got, so each kill lands in work not done yet.
        for (const std::int64_t at : {std::int64_t{5}, all_jobs / 2, all_jobs * 9 / 10}) {
            const Ran killed = assay_binary(run_args(db, out), {},
                                            [&] { return finished_jobs(db) >= at ? SIGKILL : 0; });
            if (last_status(db) != "running") continue; // it finished before the kill point
            ++kills;
            const std::int64_t kept = finished_jobs(db);
            INFO("killed at " << at << " with " << kept << " finished jobs kept");
            CHECK(kept >= at);
            CHECK(kept > before);
            before = kept;
        }
        CHECK(kills >= 2);

        const Ran resumed = assay_binary(run_args(db, out));
        INFO(resumed.err);
        REQUIRE(resumed.exit_code == 0);
        same_exports(out, dir / "whole");
        assay::testing::Sql sql(db);
        CHECK(sql.scalar("SELECT count(*) FROM runs WHERE status = 'running'") == 0);
        CHECK(sql.scalar("SELECT count(*) FROM runs WHERE status = 'died'") == kills);
        CHECK(sql.scalar("SELECT count(*) FROM runs WHERE status = 'done'") == 1);
        CHECK(hidden_files(out).empty());
        // Each run marked the one killed just before it.
        CHECK(resumed.out.find("earlier runs found dead (killed) and marked died: 1\n") !=
              std::string::npos);
    }

    TEST_CASE("cli::run stopped by SIGINT or SIGTERM keeps its work and says how to resume") {
        for (const auto& [signal, code] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
            TempDir dir;
            const fs::path db = dir / "stopped.db";
            const fs::path out = dir / "out";
            const Ran stopped = assay_binary(run_args(db, out), {},
                                             [&] { return finished_jobs(db) >= 30 ? signal : 0; });
            INFO(stopped.err);
            CHECK(stopped.exit_code == code);
            CHECK(stopped.err.find("to resume, run the same command again: ") != std::string::npos);
            CHECK(stopped.err.find(db.string()) != std::string::npos);
            CHECK(last_status(db) == "interrupted");
            CHECK(finished_jobs(db) >= 30);
            // Nothing exported from part of the work.
            CHECK_FALSE(fs::exists(out / "sft.jsonl"));

            const Ran resumed = assay_binary(run_args(db, out));
            INFO(resumed.err);
            CHECK(resumed.exit_code == 0);
            CHECK(last_status(db) == "done");
            CHECK(fs::exists(out / "sft.jsonl"));
        }
    }

    TEST_CASE("cli::run with an LLM killed at several points asks no answered call again") {
        TempDir dir;
        // The whole run, on a server of its own: how many answers a run takes.
        FakeLlm first({"--seed", "1", "--fault-rate", "0.1", "--slow-ms", "400", "--latency-ms",
                       "20", "--log", (dir / "whole.log").string()});
        const Ran whole = assay_binary(llm_run_args(first.url(), dir / "whole.db", dir / "whole"));
        INFO(whole.err);
        REQUIRE(whole.exit_code == 0);
        const int all_answers = total_answers(dir / "whole.log");
        REQUIRE(all_answers > 40);

        FakeLlm server({"--seed", "1", "--fault-rate", "0.1", "--slow-ms", "400", "--latency-ms",
                        "20", "--log", (dir / "killed.log").string()});
        const fs::path db = dir / "killed.db";
        const fs::path out = dir / "killed";
        int kills = 0;
        for (const int at : {all_answers / 5, all_answers / 2, all_answers * 4 / 5}) {
            const Ran killed = assay_binary(llm_run_args(server.url(), db, out), {}, [&] {
                return total_answers(dir / "killed.log") >= at ? SIGKILL : 0;
            });
            if (last_status(db) != "running") continue; // it finished before the kill point
            ++kills;
        }
        CHECK(kills >= 2);
        const Ran resumed = assay_binary(llm_run_args(server.url(), db, out));
        INFO(resumed.err);
        REQUIRE(resumed.exit_code == 0);
        same_exports(out, dir / "whole");
        // Every call answered once, but those in flight when a kill came (at most
        // --llm-concurrency each time).
        int asked_again = 0;
        for (const auto& [request, answers] : answers_per_request(dir / "killed.log"))
            asked_again += answers - 1;
        MESSAGE(kills << " kills; " << asked_again << " answered calls asked again, of "
                      << all_answers);
        CHECK(asked_again <= kills * 4);
        CHECK(answers_per_request(dir / "killed.log").size() ==
              answers_per_request(dir / "whole.log").size());
        assay::testing::Sql sql(db);
        CHECK(sql.scalar("SELECT count(*) FROM runs WHERE status = 'running'") == 0);
        CHECK(sql.scalar("SELECT count(*) FROM runs WHERE status = 'died'") == kills);
        CHECK(hidden_files(out).empty());
    }
}
