// The exports over a store filled by hand (no jail), and the test scripts under plain python3.
#include "export/export.hpp"
#include "export/test_script.hpp"
#include "support/llm_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace assay;
using assay::testing::TempDir;
using nlohmann::json;

namespace {
Problem add_problem() {
    Problem p;
    p.id = "bank/add";
    p.language = "python";
    p.title = "Add";
    p.prompt = "Write add(a, b).";
    p.entry_point = "add";
    p.solution = "def add(a, b):\n    return a + b\n";
    p.test_setup = "def check(f):\n    assert f(0, 0) == 0\n";
    p.tests = {{"visible_0", "assert add(1, 2) == 3", Visibility::visible},
               {"visible_1", "check(candidate)", Visibility::visible},
               {"hidden_0", "assert add(2, 2) == 4", Visibility::hidden}};
    return p;
}

sandbox::JobResult outcome(std::vector<TestVerdict> verdicts) {
    sandbox::JobResult r;
    r.verdict = Verdict::ok;
    const char* names[] = {"visible_0", "visible_1", "hidden_0"};
    for (std::size_t i = 0; i < verdicts.size(); ++i)
        r.cases.push_back({names[i], verdicts[i],
                           verdicts[i] == TestVerdict::passed ? "" : "AssertionError: nope", 1});
    return r;
}

// Runs `program + "\n\n" + script` with python3; returns its exit code.
int run_script(const TempDir& dir, const std::string& program, const std::string& script) {
    const auto file = dir.write("script.py", program + "\n\n" + script);
    return testing::run_process("/usr/bin/python3", {file.string()}, std::chrono::seconds(30))
        .exit_code;
}

std::vector<json> read_jsonl(const std::filesystem::path& file) {
    std::vector<json> rows;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        rows.push_back(json::parse(line));
    return rows;
}

// A store holding add() with its reference, a killed bug, a survivor and a refactoring.
void fill(store::Store& db) {
    const Problem p = add_problem();
    db.transaction([&] {
        const auto run = db.begin_run("run", "{}");
        db.put_problem(p);
        const auto ref = db.put_candidate(
            {p.id, store::CandidateKind::solution, store::Origin::seed, p.solution});
        db.put_execution(ref, run, "k-ref",
                         outcome({TestVerdict::passed, TestVerdict::passed, TestVerdict::passed}));
        const auto killed =
            db.put_candidate({p.id, store::CandidateKind::bug, store::Origin::mutation,
                              "def add(a, b):\n    return a - b\n", ref, "arithmetic_swap",
                              R"({"survivor":false})"});
        db.put_execution(killed, run, "k-bug",
                         outcome({TestVerdict::failed, TestVerdict::passed, TestVerdict::failed}));
        const auto survivor = db.put_candidate(
            {p.id, store::CandidateKind::bug, store::Origin::mutation,
             "def add(a, b):\n    return b + a\n", ref, "argument_swap", R"({"survivor":true})"});
        db.put_execution(survivor, run, "k-surv",
                         outcome({TestVerdict::passed, TestVerdict::passed, TestVerdict::passed}));
        const auto refactored = db.put_candidate(
            {p.id, store::CandidateKind::refactor, store::Origin::mutation,
             "def add(first, second):\n    return first + second\n", ref, "rename_locals"});
        db.put_execution(refactored, run, "k-refactor",
                         outcome({TestVerdict::passed, TestVerdict::passed, TestVerdict::passed}));
        db.put_problem_stats({p.id, run, true, "", 2, 1, 1});
    });
}
} // namespace

TEST_CASE("exports::test_script") {
    TempDir dir;
    const Problem p = add_problem();
    const std::string script = exports::test_script(p);
    CHECK(run_script(dir, p.solution, script) == 0);
    CHECK(run_script(dir, "def add(a, b):\n    return a * b\n", script) == 1);
    CHECK(run_script(dir, "def plus(a, b):\n    return a + b\n", script) != 0);
    SUBCASE("a failing setup fails the script") {
        Problem broken = p;
        broken.test_setup = "raise ValueError('setup')\n";
        CHECK(run_script(dir, p.solution, exports::test_script(broken)) != 0);
    }
    SUBCASE("quotes, backslashes and non-ASCII survive the embedding") {
        Problem q = p;
        q.tests = {{"visible_0", "assert add('é\\n', \"'\") == 'é\\n\\''", Visibility::visible}};
        CHECK(run_script(dir, p.solution, exports::test_script(q)) == 0);
    }
}

TEST_CASE("exports::export_jsonl") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    fill(*db);
    auto rows_of = [&](exports::ExportOptions options) {
        const auto out = dir / "out.jsonl";
        const auto count = exports::export_jsonl(*db, options, out);
        REQUIRE(count);
        const auto rows = read_jsonl(out);
        CHECK(rows.size() == *count);
        return rows;
    };

    SUBCASE("sft: the reference and the refactoring, in three formats") {
        const auto messages = rows_of({exports::Kind::sft, "", {}});
        REQUIRE(messages.size() == 2);
        CHECK(messages[0]["origin"] == "seed");
        CHECK(messages[0]["problem_id"] == "bank/add");
        CHECK(messages[0]["language"] == "python");
        CHECK(messages[0]["messages"][0]["role"] == "user");
        CHECK(messages[0]["messages"][0]["content"] == "Write add(a, b).");
        CHECK(messages[0]["messages"][1]["content"] == add_problem().solution);
        CHECK(messages[1]["origin"] == "mutation");
        CHECK(messages[1]["refactor_kind"] == "rename_locals");
        const auto alpaca = rows_of({exports::Kind::sft, "alpaca", {}});
        CHECK(alpaca[0]["instruction"] == "Write add(a, b).");
        CHECK(alpaca[0]["output"] == add_problem().solution);
        const auto sharegpt = rows_of({exports::Kind::sft, "sharegpt", {}});
        CHECK(sharegpt[0]["conversations"][0]["from"] == "human");
        CHECK(sharegpt[0]["conversations"][1]["from"] == "gpt");
        CHECK(rows_of({exports::Kind::sft, "", {{}, {}, "solution"}}).size() == 1);
    }
    SUBCASE("bugfix: killed bugs only, with failing tests, diff and runnable tests") {
        const auto rows = rows_of({exports::Kind::bugfix, "", {}});
        REQUIRE(rows.size() == 1);
        const json& row = rows[0];
        CHECK(row["origin"] == "mutation");
        CHECK(row["bug_kind"] == "arithmetic_swap");
        CHECK(row["failing_tests"].size() == 2);
        CHECK(row["failing_tests"][0]["name"] == "visible_0");
        CHECK(row["failing_tests"][0]["message"] == "AssertionError: nope");
        CHECK(row["diff"] == "--- a/solution.py\n+++ b/solution.py\n@@ -1,2 +1,2 @@\n "
                             "def add(a, b):\n-    return a - b\n+    return a + b\n");
        CHECK(run_script(dir, row["fixed_code"], row["test_code"]) == 0);
        CHECK(run_script(dir, row["buggy_code"], row["test_code"]) != 0);
    }
    SUBCASE("refactor rows") {
        const auto rows = rows_of({exports::Kind::refactor, "", {}});
        REQUIRE(rows.size() == 1);
        CHECK(rows[0]["refactor_kind"] == "rename_locals");
        CHECK(rows[0]["original_code"] == add_problem().solution);
        CHECK(run_script(dir, rows[0]["refactored_code"], rows[0]["test_code"]) == 0);
    }
    SUBCASE("filters") {
        CHECK(rows_of({exports::Kind::bugfix, "", {{}, {}, "constant_change"}}).empty());
        CHECK(rows_of({exports::Kind::bugfix, "", {{}, "javascript", {}}}).empty());
        CHECK(rows_of({exports::Kind::bugfix, "", {0.5, "python", {}}}).size() == 1);
        CHECK(rows_of({exports::Kind::bugfix, "", {0.75, {}, {}}}).empty());
    }
    SUBCASE("bad options, and a failed write leaves nothing behind") {
        CHECK(!exports::validate({exports::Kind::sft, "chatml", {}}));
        CHECK(!exports::validate({exports::Kind::bugfix, "alpaca", {}}));
        CHECK(!exports::validate({exports::Kind::sft, "", {1.5, {}, {}}}));
        CHECK(!exports::parse_kind("dpo"));
        dir.write("file", "x");
        CHECK(!exports::export_jsonl(*db, {exports::Kind::sft, "", {}}, dir / "file" / "o.jsonl"));
        CHECK(!std::filesystem::exists(dir / "file" / "o.jsonl"));
    }
}

namespace {
namespace llm = assay::testing::llm_store;

// Exports `options` from `db` into `dir` and reads the rows back.
std::vector<json> export_rows(store::Store& db, const TempDir& dir,
                              const exports::ExportOptions& options) {
    const auto out = dir / "out.jsonl";
    const auto count = exports::export_jsonl(db, options, out);
    REQUIRE_MESSAGE(count, count.error().describe());
    const auto rows = read_jsonl(out);
    CHECK(rows.size() == *count);
    return rows;
}

} // namespace

TEST_CASE("exports: rows of LLM-made candidates carry origin llm") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    llm::fill(*db);
    SUBCASE("sft: passing samples only, judged on every test") {
        const auto rows = export_rows(*db, dir, {exports::Kind::sft, "", {}});
        std::vector<std::pair<std::string, std::string>> got;
        for (const json& row : rows) {
            CHECK(row["origin"] == "llm");
            CHECK(row["kind"] == "solution");
            got.emplace_back(row["problem_id"].get<std::string>(),
                             row["messages"][1]["content"].get<std::string>());
        }
        // kHiddenFail's newest run passed, but only on the visible tests (a Reflexion attempt):
        // it fails a hidden test, so it is no SFT answer.
        CHECK(got == std::vector<std::pair<std::string, std::string>>{
                         {"llm/abs_diff", llm::kGood1},
                         {"llm/abs_diff", llm::kGood2},
                         {"llm/clamp", "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n"},
                         {"llm/js_max", llm::kJsGood}});
    }
    SUBCASE("bugfix: an LLM-made bug") {
        const auto rows = export_rows(*db, dir, {exports::Kind::bugfix, "", {}});
        REQUIRE(rows.size() == 1);
        CHECK(rows[0]["origin"] == "llm");
        CHECK(rows[0]["bug_kind"] == "off_by_one");
        CHECK(rows[0]["buggy_code"] == llm::kOffByOne);
        CHECK(rows[0]["fixed_code"] == llm::kGood1);
        CHECK(rows[0]["failing_tests"].size() == 3);
        CHECK(run_script(dir, rows[0]["fixed_code"], rows[0]["test_code"]) == 0);
        CHECK(run_script(dir, rows[0]["buggy_code"], rows[0]["test_code"]) == 1);
    }
}
