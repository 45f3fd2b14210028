// The LLM pipeline end to end, black-box: `assay run --llm-url` against assay-fake-llm over real
// HTTP while a share of its calls fail (429 with Retry-After, 500, 503, dropped connections,
// slow and malformed replies), then the same command on a copy of the database with the server
// gone, which must give the same rows from the cache.
#include "core/language.hpp"
#include "support/fake_llm_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

using assay::testing::assay_binary;
using assay::testing::FakeLlm;
using assay::testing::Ran;
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

std::vector<json> rows(const fs::path& file) {
    std::vector<json> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        out.push_back(json::parse(line));
    return out;
}

std::vector<std::string> run_args(const std::string& url, const TempDir& dir, const std::string& db,
                                  const std::string& out) {
    return {"run",      "--problems", (assay::project_root() / "problems").string(),
            "--llm-url", url,         "--model",
            "fake-model", "--limit",  "12",
            "--seed",   "1",          "--db",
            (dir / db).string(),      "--out",
            (dir / out).string(),     "--llm-timeout",
            "2",        "--llm-attempts", "10",
            "--json"};
}

const char* kSecret = "sk-assay-test-secret-0123456789";

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run --llm-url survives a faulty server and reruns from the cache") {
        TempDir dir;
        FakeLlm server({"--seed", "1", "--fault-rate", "0.2", "--slow-ms", "2500"});
        const Ran first = assay_binary(run_args(server.url(), dir, "a.db", "out"),
                                       {{"ASSAY_API_KEY", kSecret}});
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
        for (const json& row : rows(dir / "out" / "sft.jsonl"))
            llm_problem_rows += row["problem_id"].get<std::string>().starts_with("llm/") ? 1 : 0;
        CHECK(llm_problem_rows >= 1);
        // At least 5 LLM-made bug/fix pairs.
        int llm_bugs = 0;
        for (const json& row : rows(dir / "out" / "bugfix.jsonl"))
            llm_bugs += row["origin"] == "llm" ? 1 : 0;
        CHECK(llm_bugs >= 5);
        // Reflexion traces of two or more steps; the solved ones end in a passing step.
        int multi_step = 0;
        int solved = 0;
        for (const json& row : rows(dir / "out" / "reflexion.jsonl")) {
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
        CHECK(!rows(dir / "out" / "dpo.jsonl").empty());

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
             {"sft.jsonl", "bugfix.jsonl", "refactor.jsonl", "reflexion.jsonl", "dpo.jsonl"}) {
            CHECK_MESSAGE(slurp(dir / "out2" / file) == slurp(dir / "out" / file), file);
        }
    }
}
