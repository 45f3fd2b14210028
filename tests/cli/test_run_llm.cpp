// The LLM pipeline end to end, black-box: `assay run --llm-url` against assay-fake-llm over real
// HTTP while a share of its calls fail (429 with Retry-After, 500, 503, dropped connections,
// slow and malformed replies), then the same command on a copy of the database with the server
// gone, which must give the same rows from the cache.
#include "core/language.hpp"
#include "llm/script_server.hpp"
#include "support/fake_llm_process.hpp"
#include "support/jsonl.hpp"
#include "support/process.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"
#include "support/trainer_formats.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <sstream>

using assay::testing::assay_binary;
using assay::testing::FakeLlm;
using assay::testing::Ran;
using assay::testing::read_jsonl;
using assay::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> run_args(const std::string& url, const TempDir& dir, const std::string& db,
                                  const std::string& out) {
    return {"run",
            "--problems",
            (assay::project_root() / "problems" / "python").string(),
            "--llm-url",
            url,
            "--model",
            "fake-model",
            "--limit",
            "12",
            "--seed",
            "1",
            "--db",
            (dir / db).string(),
            "--out",
            (dir / out).string(),
            "--llm-timeout",
            "2",
            "--llm-attempts",
            "10",
            "--json"};
}

const char* kSecret = "sk-assay-test-secret-0123456789";

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run --llm-url survives a faulty server and reruns from the cache") {
        TempDir dir;
        FakeLlm server({"--seed", "1", "--fault-rate", "0.2", "--slow-ms", "2500"});
        const Ran first =
            assay_binary(run_args(server.url(), dir, "a.db", "out"), {{"ASSAY_API_KEY", kSecret}});
        REQUIRE_MESSAGE(first.exit_code == 0, first.err);
        const json summary = json::parse(first.out);
        const json& llm = summary["llm"];
        MESSAGE(llm.dump());
        // Every fault was retried away: more HTTP requests than requests, none failed.
        int requests = 0;
        for (const auto& [stage, calls] : llm["calls"].items()) {
            requests += calls["requests"].get<int>();
            CHECK_MESSAGE(calls["failed"] == 0, stage);
        }
        CHECK(llm["http_requests"].get<int>() > requests);

        // LLM-made problems made it through and are exported.
        CHECK(!llm["instruct"]["accepted"].empty());
        int llm_problem_rows = 0;
        for (const json& row : read_jsonl(dir / "out" / "sft.jsonl"))
            llm_problem_rows += row["problem_id"].get<std::string>().starts_with("llm/") ? 1 : 0;
        CHECK(llm_problem_rows >= 1);
        // At least 5 LLM-made bug/fix pairs.
        int llm_bugs = 0;
        for (const json& row : read_jsonl(dir / "out" / "bugfix.jsonl"))
            llm_bugs += row["origin"] == "llm" ? 1 : 0;
        CHECK(llm_bugs >= 5);
        // Reflexion traces of two or more steps; the solved ones end in a passing step.
        int multi_step = 0;
        int solved = 0;
        for (const json& row : read_jsonl(dir / "out" / "reflexion.jsonl")) {
            const json& steps = row["steps"];
            REQUIRE(!steps.empty());
            multi_step += steps.size() >= 2 ? 1 : 0;
            if (row["solved"] == true) {
                ++solved;
                CHECK(steps.back()["verdict"] == "ok");
                CHECK(steps.back()["tests_passed"] == steps.back()["tests_total"]);
            }
            CHECK(row["messages"].size() >= 2 * steps.size());
        }
        CHECK(multi_step >= 1);
        CHECK(solved >= 1);
        CHECK(!read_jsonl(dir / "out" / "dpo.jsonl").empty());
        CHECK(!read_jsonl(dir / "out" / "kto.jsonl").empty());
        // Every file loads as the trainers read it.
        for (const std::string& problem : assay::testing::formats::run_directory(dir / "out"))
            FAIL_CHECK(problem);

        // The key went to the server and nowhere else.
        CHECK(slurp(dir / "a.db").find(kSecret) == std::string::npos);
        CHECK(first.err.find(kSecret) == std::string::npos);

        // The same command on a copy, with the server gone: the same rows, from the cache.
        CHECK(server.stop() == 0);
        fs::copy_file(dir / "a.db", dir / "b.db");
        const Ran again = assay_binary(run_args(server.url(), dir, "b.db", "out2"));
        REQUIRE_MESSAGE(again.exit_code == 0, again.err);
        const json rerun = json::parse(again.out);
        CHECK(rerun["llm"]["http_requests"] == 0);
        for (const char* file :
             {"sft.jsonl", "bugfix.jsonl", "refactor.jsonl", "reflexion.jsonl", "dpo.jsonl",
              "kto.jsonl", "tasks.jsonl", "dataset_info.json", "README.md"}) {
            CHECK_MESSAGE(slurp(dir / "out2" / file) == slurp(dir / "out" / file), file);
        }
    }
}

TEST_SUITE("cli") {
    TEST_CASE("cli::run --llm-url under a call budget, and with no server at all") {
        TempDir dir;
        const std::string problems = (assay::project_root() / "problems" / "python").string();
        auto args = [&](const std::string& url, const std::string& db, const std::string& out,
                        std::vector<std::string> extra) {
            std::vector<std::string> a{"run",
                                       "--problems",
                                       problems,
                                       "--llm-url",
                                       url,
                                       "--model",
                                       "fake-model",
                                       "--limit",
                                       "3",
                                       "--seed",
                                       "2",
                                       "--db",
                                       (dir / db).string(),
                                       "--out",
                                       (dir / out).string(),
                                       "--json"};
            a.insert(a.end(), extra.begin(), extra.end());
            return a;
        };
        SUBCASE("a spent budget fails the rest, which a later run asks again") {
            FakeLlm server({"--seed", "2"});
            const Ran tight =
                assay_binary(args(server.url(), "a.db", "out", {"--max-llm-calls", "10"}));
            REQUIRE_MESSAGE(tight.exit_code == 0, tight.err);
            const json first = json::parse(tight.out)["llm"];
            CHECK(first["http_requests"] == 10);
            CHECK(first["first_error"].get<std::string>().find("budget") != std::string::npos);
            CHECK(tight.err.find("LLM requests failed after every retry") != std::string::npos);
            const Ran open = assay_binary(args(server.url(), "a.db", "out2", {}));
            REQUIRE_MESSAGE(open.exit_code == 0, open.err);
            const json second = json::parse(open.out)["llm"];
            CHECK(second["cache_hits"].get<int>() >= 10);
            CHECK(second["first_error"] == "");
            CHECK(open.err.find("failed") == std::string::npos);
        }
        SUBCASE("an unreachable server: exit 3 before any stage, naming the URL") {
            const Ran none =
                assay_binary(args("http://127.0.0.1:1", "b.db", "out", {"--llm-attempts", "2"}));
            CHECK(none.exit_code == 3);
            CHECK_MESSAGE(none.err.find("GET http://127.0.0.1:1/v1/models: ") != std::string::npos,
                          none.err);
            CHECK(none.err.find("onnect") != std::string::npos);
            CHECK(none.out.empty());
            CHECK(assay::testing::Sql(dir / "b.db").scalar("SELECT count(*) FROM runs") == 0);
            CHECK_FALSE(fs::exists(dir / "out"));
        }
    }
}

namespace {

// A small LLM run: one bank problem, solve only (which implies verify), one sample and one test
// reply, so each run makes a handful of requests.
std::vector<std::string> small_run(const TempDir& dir, const std::string& db,
                                   std::vector<std::string> extra) {
    std::vector<std::string> a{"run",
                               "--problems",
                               (assay::project_root() / "problems" / "python").string(),
                               "--model",
                               "fake-model",
                               "--limit",
                               "1",
                               "--stages",
                               "solve",
                               "--samples",
                               "1",
                               "--test-replies",
                               "1",
                               "--db",
                               (dir / db).string(),
                               "--out",
                               (dir / (db + ".out")).string(),
                               "--json"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

// The LLM requests of a run's summary, and how many of them failed.
std::pair<int, int> requests_and_failures(const json& summary) {
    int requests = 0;
    int failed = 0;
    for (const auto& [stage, calls] : summary["llm"]["calls"].items()) {
        requests += calls["requests"].get<int>();
        failed += calls["failed"].get<int>();
    }
    return {requests, failed};
}

long llm_calls(const fs::path& db) {
    return static_cast<long>(assay::testing::Sql(db).scalar("SELECT count(*) FROM llm_calls"));
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run --llm-url as users write it, and from the environment") {
        TempDir dir;
        FakeLlm server({"--seed", "3"});
        const std::string root = server.url();
        const std::string dead = "http://127.0.0.1:1";
        using Env = std::vector<std::pair<std::string, std::string>>;
        struct Form {
            std::vector<std::string> flags;
            Env env;
        };
        const std::vector<Form> forms{
            {{"--llm-url", root}, {}},
            {{"--llm-url", root + "/"}, {}},
            {{"--llm-url", root + "/v1"}, {}},
            {{"--llm-url", root + "/v1/"}, {}},
            {{"--llm-url", root + "/v1/chat/completions"}, {}},
            {{}, {{"OPENAI_BASE_URL", root + "/v1"}}},
            // --llm-url, then ASSAY_LLM_URL, then OPENAI_BASE_URL.
            {{}, {{"ASSAY_LLM_URL", root + "/v1"}, {"OPENAI_BASE_URL", dead}}},
            {{"--llm-url", root + "/v1"}, {{"ASSAY_LLM_URL", dead}, {"OPENAI_BASE_URL", dead}}},
        };
        for (std::size_t i = 0; i < forms.size(); ++i) {
            const std::string db = "form" + std::to_string(i) + ".db";
            const Ran ran = assay_binary(small_run(dir, db, forms[i].flags), forms[i].env);
            INFO("form ", i, ": ", ran.err);
            REQUIRE(ran.exit_code == 0);
            const json summary = json::parse(ran.out);
            const auto [requests, failed] = requests_and_failures(summary);
            CHECK(requests >= 2);
            CHECK(failed == 0);
            CHECK(summary["llm"]["http_requests"].get<int>() >= requests);
            CHECK(llm_calls(dir / db) == requests);
        }
        // OPENAI_BASE_URL alone (no --model) leaves a run offline.
        const Ran ran = assay_binary(
            {"run", "--problems", (assay::project_root() / "problems" / "python").string(),
             "--limit", "1", "--stages", "verify", "--db", (dir / "offline.db").string(), "--out",
             (dir / "offline").string(), "--json"},
            {{"OPENAI_BASE_URL", dead}});
        REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
        CHECK(json::parse(ran.out)["llm"].is_null());
    }

    TEST_CASE("cli::run pre-flight: the model, a server without a list, a wrong path") {
        TempDir dir;
        FakeLlm server({"--seed", "3"});
        SUBCASE("a model the server does not serve: exit 2 before any stage") {
            auto args = small_run(dir, "a.db", {"--llm-url", server.url() + "/v1"});
            args[4] = "gpt-4o";
            const Ran ran = assay_binary(args);
            CHECK(ran.exit_code == 2);
            CHECK_MESSAGE(ran.err.find("model 'gpt-4o' is not served by " + server.url() +
                                       "/v1/models; it serves: fake-model") != std::string::npos,
                          ran.err);
            CHECK(assay::testing::Sql(dir / "a.db").scalar("SELECT count(*) FROM runs") == 0);
        }
        SUBCASE("a path the server does not have: every request fails naming the URL asked") {
            const Ran ran =
                assay_binary(small_run(dir, "b.db", {"--llm-url", server.url() + "/v1/v1"}));
            CHECK(ran.exit_code == 1);
            const std::string asked = "HTTP 404 from " + server.url() + "/v1/v1/chat/completions";
            CHECK_MESSAGE(ran.err.find(asked) != std::string::npos, ran.err);
            CHECK(ran.err.find("no LLM request succeeded") != std::string::npos);
            // The same message is in the run's summary, in the store.
            const auto summaries =
                assay::testing::Sql(dir / "b.db").texts("SELECT summary FROM runs");
            REQUIRE(summaries.size() == 1);
            CHECK(summaries[0].find(asked) != std::string::npos);
            CHECK(llm_calls(dir / "b.db") == 0);
        }
        SUBCASE("a server without GET /models: the run goes on") {
            assay::testing::ScriptServer bare(
                [](int, const httplib::Request&, httplib::Response& res) {
                    res.set_content(assay::testing::chat_body("I cannot help with that."),
                                    "application/json");
                });
            const Ran ran = assay_binary(small_run(dir, "c.db", {"--llm-url", bare.url() + "/v1"}));
            CHECK_MESSAGE(ran.exit_code == 0, ran.err);
            CHECK(bare.calls() >= 2);
            CHECK(ran.err.find("warning: GET") == std::string::npos);
        }
    }

    TEST_CASE("cli::run against a server that answers null or stalls") {
        TempDir dir;
        SUBCASE("content null: nothing stored, exit 1, the reason said") {
            assay::testing::ScriptServer nulls(
                [](int, const httplib::Request&, httplib::Response& res) {
                    res.set_content(assay::testing::null_content_body(), "application/json");
                });
            const Ran ran = assay_binary(
                small_run(dir, "n.db", {"--llm-url", nulls.url() + "/v1", "--llm-attempts", "2"}));
            CHECK(ran.exit_code == 1);
            CHECK_MESSAGE(ran.err.find("no content") != std::string::npos, ran.err);
            CHECK(ran.err.find("empty_reply") != std::string::npos);
            CHECK(llm_calls(dir / "n.db") == 0);
            const auto [requests, failed] = requests_and_failures(json::parse(ran.out));
            CHECK(requests >= 2);
            CHECK(failed == requests);
            CHECK(nulls.calls() == 2 * requests); // every request tried twice
        }
        SUBCASE("a reply that trickles a byte every two seconds fails after the stall timeout") {
            assay::testing::ScriptServer slow(
                [](int, const httplib::Request&, httplib::Response& res) {
                    assay::testing::trickle(res, std::chrono::milliseconds(2000));
                });
            const auto start = std::chrono::steady_clock::now();
            const Ran ran =
                assay_binary(small_run(dir, "s.db",
                                       {"--llm-url", slow.url() + "/v1", "--llm-stall-timeout", "1",
                                        "--llm-attempts", "2", "--llm-timeout", "120"}));
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            CHECK(ran.exit_code == 1);
            CHECK_MESSAGE(ran.err.find("stalled") != std::string::npos, ran.err);
            CHECK(llm_calls(dir / "s.db") == 0);
            const auto [requests, failed] = requests_and_failures(json::parse(ran.out));
            CHECK(failed == requests);
            CHECK(slow.calls() == 2 * requests);
            CHECK(seconds < 30);
            MESSAGE(requests, " requests, two stalled attempts each, in ", seconds, " s");
        }
    }
}

namespace {

// `row` without its reasoning fields (top level, per step, per message).
json without_reasoning(json row) {
    row.erase("reasoning");
    for (const char* list : {"steps", "messages"})
        if (row.contains(list))
            for (json& item : row[list])
                item.erase("reasoning");
    return row;
}

std::int64_t count_in_db(const fs::path& db, const std::string& sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    const std::int64_t n = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(raw);
    return n;
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run against a reasoning model: no draft in any record, the reasoning on ask") {
        TempDir dir;
        const std::string marker = "assay-fake-draft";
        const char* kFiles[] = {"sft.jsonl", "bugfix.jsonl", "refactor.jsonl", "reflexion.jsonl",
                                "dpo.jsonl"};
        auto args = [&](const std::string& url, const std::string& db, const std::string& out) {
            std::vector<std::string> a = run_args(url, dir, db, out);
            *(std::find(a.begin(), a.end(), "--limit") + 1) = "6";
            return a;
        };
        Ran plain;
        {
            FakeLlm server({"--seed", "3"});
            plain = assay_binary(args(server.url(), "plain.db", "plain"));
        }
        REQUIRE_MESSAGE(plain.exit_code == 0, plain.err);
        // think blocks of every form and reasoning_content, per reply.
        FakeLlm server({"--seed", "3", "--reasoning", "both"});
        const Ran reasoning = assay_binary(args(server.url(), "r.db", "r"));
        REQUIRE_MESSAGE(reasoning.exit_code == 0, reasoning.err);

        // The stages read the answers, which are the plain model's: the same requests, the same
        // rows. No draft reached a candidate, a problem, a trajectory or an export.
        std::size_t rows = 0;
        for (const char* file : kFiles) {
            const std::string text = slurp(dir / "r" / file);
            CHECK_MESSAGE(text.find(marker) == std::string::npos, file);
            CHECK_MESSAGE(text == slurp(dir / "plain" / file), file);
            rows += read_jsonl(dir / "r" / file).size();
        }
        MESSAGE(rows, " rows exported against the reasoning model");
        CHECK(rows > 20);
        const fs::path db = dir / "r.db";
        CHECK(count_in_db(db, "SELECT count(*) FROM candidates WHERE code LIKE '%" + marker +
                                  "%'") == 0);
        CHECK(count_in_db(db, "SELECT count(*) FROM problems WHERE solution || prompt LIKE '%" +
                                  marker + "%'") == 0);
        CHECK(count_in_db(db, "SELECT count(*) FROM tests WHERE code LIKE '%" + marker + "%'") ==
              0);
        CHECK(count_in_db(db, "SELECT count(*) FROM trajectories WHERE meta LIKE '%" + marker +
                                  "%'") == 0);
        // Every call's reasoning is stored apart from its answer.
        CHECK(count_in_db(db, "SELECT count(*) FROM llm_calls WHERE reasoning NOT LIKE '%" +
                                  marker + "%' OR reply LIKE '%" + marker + "%'") == 0);
        CHECK(count_in_db(db, "SELECT count(*) FROM llm_calls") > 50);

        // --with-reasoning, answered from the cache: the same rows plus the reasoning, which
        // holds the draft; "" on the rows no model wrote.
        fs::copy_file(db, dir / "w.db");
        std::vector<std::string> with = args(server.url(), "w.db", "w");
        with.push_back("--with-reasoning");
        const Ran asked = assay_binary(with);
        REQUIRE_MESSAGE(asked.exit_code == 0, asked.err);
        CHECK(json::parse(asked.out)["llm"]["http_requests"] == 0);
        int llm_rows = 0;
        for (const char* file : kFiles) {
            CAPTURE(file);
            const auto got = read_jsonl(dir / "w" / file);
            const auto before = read_jsonl(dir / "r" / file);
            REQUIRE(got.size() == before.size());
            for (std::size_t i = 0; i < got.size(); ++i) {
                const json& row = got[i];
                CHECK(without_reasoning(row) == before[i]);
                CHECK(without_reasoning(row).dump().find(marker) == std::string::npos);
                if (std::string(file) == "dpo.jsonl") {
                    CHECK_FALSE(row.contains("reasoning"));
                } else if (std::string(file) == "reflexion.jsonl") {
                    for (const json& step : row["steps"])
                        CHECK(step["reasoning"].get<std::string>().find(marker) !=
                              std::string::npos);
                } else {
                    REQUIRE(row.contains("reasoning"));
                    // A sample, bug or refactoring of the model carries its draft; the rows
                    // no model wrote carry "".
                    const bool drafted =
                        row["reasoning"].get<std::string>().find(marker) != std::string::npos;
                    llm_rows += drafted ? 1 : 0;
                    if (row["origin"] != "llm") CHECK(row["reasoning"] == "");
                }
            }
        }
        CHECK(llm_rows > 5);
    }
}
