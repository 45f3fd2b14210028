// The exports over a store filled by hand (no jail), and the test scripts under plain python3
// (alone in the jail).
#include "export/conversation.hpp"
#include "export/export.hpp"
#include "export/test_script.hpp"
#include "store/llm_calls.hpp"
#include "store/readers.hpp"
#include "store/trajectory_meta.hpp"
#include "support/jsonl.hpp"
#include "support/llm_store.hpp"
#include "support/process.hpp"
#include "support/run_assay.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

using namespace assay;
using assay::testing::read_jsonl;
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

// Runs `program + "\n\n" + script` as plain python3 alone in the jail; returns its exit code.
int run_script(const TempDir& dir, const std::string& program, const std::string& script) {
    return testing::run_jailed(dir.write("script.py", program + "\n\n" + script));
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
             "def add(a, b):\n    total = a + b\n    return total\n", ref, "introduce_variable"});
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
    SUBCASE("an entry point that shadows a builtin or one of the script's own names") {
        // A model may call its function anything: the script must not call the program's
        // `dict`, `exec` or `len` for its own, nor overwrite the program's `_assay_cases`.
        for (const std::string name :
             {"dict", "exec", "len", "type", "globals", "print", "BaseException", "SystemExit",
              "_assay_cases", "_assay_setup", "_assay_run_tests"}) {
            Problem shadow = p;
            shadow.entry_point = name;
            shadow.tests = {
                {"visible_0", fmt::format("assert {}(2, 3) == 5", name), Visibility::visible},
                {"visible_1", "assert candidate(1, 1) == 2", Visibility::visible}};
            const std::string good = fmt::format("def {}(a, b):\n    return a + b\n", name);
            CHECK_MESSAGE(run_script(dir, good, exports::test_script(shadow)) == 0, name);
            const std::string wrong = fmt::format("def {}(a, b):\n    return a - b\n", name);
            CHECK_MESSAGE(run_script(dir, wrong, exports::test_script(shadow)) == 1, name);
        }
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
        CHECK(messages[1]["refactor_kind"] == "introduce_variable");
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
        CHECK(rows[0]["refactor_kind"] == "introduce_variable");
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
        CHECK(!exports::parse_kind("ktoo"));
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

json message(const char* role, const std::string& content) {
    return {{"role", role}, {"content", content}};
}

// An assistant message with its training weight.
json answer(const std::string& content, int weight) {
    return {{"role", "assistant"}, {"content", content}, {"weight", weight}};
}

json step(const std::string& code, const char* verdict, int passed, int total,
          const std::string& feedback, const std::string& reflection) {
    return {{"code", code},         {"verdict", verdict},   {"tests_passed", passed},
            {"tests_total", total}, {"feedback", feedback}, {"reflection", reflection}};
}

json final_run(const char* verdict, int passed, int total) {
    return {{"verdict", verdict}, {"tests_passed", passed}, {"tests_total", total}};
}

std::vector<std::string> keys(const std::vector<json>& rows) {
    std::vector<std::string> out;
    for (const json& row : rows)
        out.push_back(row["key"].get<std::string>());
    return out;
}

// (source, chosen, rejected) of each row, in order.
std::vector<std::tuple<std::string, std::string, std::string>>
pairs(const std::vector<json>& rows) {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (const json& row : rows)
        out.emplace_back(row["source"].get<std::string>(), row["chosen"].get<std::string>(),
                         row["rejected"].get<std::string>());
    return out;
}
} // namespace

TEST_CASE("exports: one row per distinct program of a problem, the canonical origin kept") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    fill(*db);
    const Problem p = add_problem();
    const auto pass = outcome({TestVerdict::passed, TestVerdict::passed, TestVerdict::passed});
    db->transaction([&] {
        const auto run = db->begin_run("run", "{}");
        // The reference again, from a model and from imported samples: reformatted, commented,
        // its locals renamed.
        const auto llm =
            db->put_candidate({p.id, store::CandidateKind::solution, store::Origin::llm,
                               "def add(x, y):\n    # sum\n    return x+y\n"});
        db->put_execution(llm, run, "k-llm", pass);
        const auto sample =
            db->put_candidate({p.id, store::CandidateKind::solution, store::Origin::sample,
                               "def add(p, q):\n\n    return p + q  # done\n"});
        db->put_execution(sample, run, "k-sample", pass);
        // A different program, twice: the model's row is kept over the sample's.
        const auto other_sample =
            db->put_candidate({p.id, store::CandidateKind::solution, store::Origin::sample,
                               "def add(a, b):\n    return sum([a, b])\n"});
        db->put_execution(other_sample, run, "k-other-sample", pass);
        const auto other_llm =
            db->put_candidate({p.id, store::CandidateKind::solution, store::Origin::llm,
                               "def add(a, b):\n    return sum([a,  b])\n"});
        db->put_execution(other_llm, run, "k-other-llm", pass);
        // A model's bug that is the AST operator's bug: one bugfix row, the model's.
        const auto ref = db->put_candidate(
            {p.id, store::CandidateKind::solution, store::Origin::seed, p.solution});
        const auto bug = db->put_candidate({p.id, store::CandidateKind::bug, store::Origin::llm,
                                            "def add(a, b):\n    return a-b\n", ref,
                                            "wrong_operator", R"({"survivor":false})"});
        db->put_execution(bug, run, "k-llm-bug",
                          outcome({TestVerdict::failed, TestVerdict::passed, TestVerdict::failed}));
    });
    const auto out = dir / "sft.jsonl";
    REQUIRE(exports::export_jsonl(*db, {exports::Kind::sft, "", {}}, out));
    std::vector<std::pair<std::string, std::string>> sft;
    for (const json& row : read_jsonl(out))
        sft.emplace_back(row["origin"], row["messages"][1]["content"]);
    CHECK(sft == std::vector<std::pair<std::string, std::string>>{
                     {"seed", p.solution},
                     {"mutation", "def add(a, b):\n    total = a + b\n    return total\n"},
                     {"llm", "def add(a, b):\n    return sum([a,  b])\n"}});
    REQUIRE(exports::export_jsonl(*db, {exports::Kind::bugfix, "", {}}, out));
    const auto bugs = read_jsonl(out);
    REQUIRE(bugs.size() == 1);
    CHECK(bugs[0]["origin"] == "llm");
    CHECK(bugs[0]["bug_kind"] == "wrong_operator");
}

TEST_CASE("exports::reflexion") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    llm::fill(*db);
    const auto rows = export_rows(*db, dir, {exports::Kind::reflexion, "", {}});
    REQUIRE(rows.size() == 4);
    CHECK(keys(rows) ==
          std::vector<std::string>{"reflexion:llm/abs_diff:11", "reflexion:llm/abs_diff:12",
                                   "reflexion:llm/abs_diff:13", "reflexion:llm/js_max:1"});

    SUBCASE("a solved trajectory: every attempt's visible run, the final run, the recording") {
        const json expected{
            {"origin", "llm"},
            {"problem_id", "llm/abs_diff"},
            {"language", "python"},
            {"key", "reflexion:llm/abs_diff:11"},
            {"prompt", llm::kPrompt},
            {"steps",
             json::array(
                 {step(llm::kWrong, "ok", 1, 2, llm::kFeedback0, llm::kReflection0),
                  step(llm::kUnclosed, "compile_error", 0, 2, llm::kFeedback1, llm::kReflection1),
                  step(llm::kGood1, "ok", 2, 2, "", "")})},
            {"num_steps", 3},
            {"solved", true},
            {"final", final_run("ok", 3, 3)},
            {"messages", llm::abs_diff_messages()}};
        // Only the passing attempt, the last, is a training target.
        json weighted = expected;
        for (const std::size_t i : {2, 4, 6})
            weighted["messages"][i]["weight"] = i == 6 ? 1 : 0;
        CHECK(rows[0] == weighted);
        std::vector<std::string> roles;
        for (const json& m : rows[0]["messages"])
            roles.push_back(m["role"].get<std::string>());
        CHECK(roles == std::vector<std::string>{"system", "user", "assistant", "user", "assistant",
                                                "user", "assistant"});
    }
    SUBCASE("--train-reflections: every assistant turn after the first of a solved trace") {
        exports::ExportOptions options{exports::Kind::reflexion, "", {}};
        options.train_reflections = true;
        const auto trained = export_rows(*db, dir, options);
        REQUIRE(trained.size() == 4);
        std::vector<int> weights;
        for (const json& m : trained[0]["messages"])
            if (m["role"] == "assistant") weights.push_back(m["weight"].get<int>());
        CHECK(weights == std::vector<int>{0, 1, 1});
        // An unsolved trace trains nothing, flag or not.
        for (std::size_t i = 1; i < trained.size(); ++i)
            if (!trained[i]["solved"].get<bool>())
                for (const json& m : trained[i]["messages"])
                    if (m["role"] == "assistant") CHECK(m["weight"] == 0);
    }
    SUBCASE("unsolved: passes the visible tests, fails a hidden one; messages rebuilt") {
        const json expected{
            {"origin", "llm"},
            {"problem_id", "llm/abs_diff"},
            {"language", "python"},
            {"key", "reflexion:llm/abs_diff:12"},
            {"prompt", llm::kPrompt},
            {"steps", json::array({step(llm::kLoop, "timeout", 0, 2, llm::kLoopFeedback,
                                        llm::kLoopReflection),
                                   step(llm::kHiddenFail, "ok", 2, 2, "", "")})},
            {"num_steps", 2},
            {"solved", false},
            {"final", final_run("ok", 2, 3)},
            {"messages",
             json::array(
                 {message("user", llm::kPrompt), answer("```python\n" + llm::kLoop + "```", 0),
                  message("user", llm::kLoopFeedback),
                  answer(llm::kLoopReflection + "\n\n```python\n" + llm::kHiddenFail + "```",
                         0)})}}; // unsolved: nothing to train on
        CHECK(rows[1] == expected);
    }
    SUBCASE("one attempt; the recorded conversation as it is") {
        CHECK(rows[2]["num_steps"] == 1);
        CHECK(rows[2]["steps"] == json::array({step(llm::kHiddenFail, "ok", 2, 2, "", "")}));
        CHECK(rows[2]["solved"] == false);
        CHECK(rows[2]["final"] == final_run("ok", 2, 3));
        REQUIRE(rows[2]["messages"].size() == 3);
        CHECK(rows[2]["messages"][0] == message("system", "Be brief."));
        CHECK(rows[2]["messages"][2] == answer("```python\n" + llm::kHiddenFail + "```", 0));
    }
    SUBCASE("malformed messages are rebuilt; an unstored final run falls back on the meta") {
        const json& row = rows[3];
        CHECK(row["language"] == "javascript");
        CHECK(row["solved"] == true);
        CHECK(row["num_steps"] == 3);
        CHECK(row["final"] == final_run("ok", 2, 2));
        CHECK(row["steps"] ==
              json::array({step(llm::kJsStep0, "ok", 0, 1, llm::kJsFeedback0, llm::kJsReflection0),
                           step("", "compile_error", 0, 1, llm::kNoProgram, llm::kJsReflection1),
                           step(llm::kJsGood, "ok", 1, 1, "", "")}));
        CHECK(row["messages"] ==
              json::array(
                  {message("user", "Write `js_max(a, b)`."),
                   answer("```javascript\n" + llm::kJsStep0 + "```", 0),
                   message("user", llm::kJsFeedback0),
                   answer(llm::kJsReflection0, 0), // the reply held no program
                   message("user", llm::kNoProgram),
                   answer(llm::kJsReflection1 + "\n\n```javascript\n" + llm::kJsGood + "```", 1)}));
    }
    SUBCASE("filters") {
        using K = exports::Kind;
        CHECK(keys(export_rows(*db, dir, {K::reflexion, "", {{}, {}, "solved"}})) ==
              std::vector<std::string>{"reflexion:llm/abs_diff:11", "reflexion:llm/js_max:1"});
        CHECK(keys(export_rows(*db, dir, {K::reflexion, "", {{}, {}, "unsolved"}})) ==
              std::vector<std::string>{"reflexion:llm/abs_diff:12", "reflexion:llm/abs_diff:13"});
        CHECK(keys(export_rows(*db, dir, {K::reflexion, "standard", {{}, "javascript", {}}})) ==
              std::vector<std::string>{"reflexion:llm/js_max:1"});
        CHECK(export_rows(*db, dir, {K::reflexion, "", {{}, "python", "solved"}}).size() == 1);
        // No problem here has a mutation score.
        CHECK(export_rows(*db, dir, {K::reflexion, "", {0.0, {}, {}}}).empty());
    }
}

TEST_CASE("exports::dpo") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    llm::fill(*db);
    const auto rows = export_rows(*db, dir, {exports::Kind::dpo, "", {}});

    SUBCASE("pairs: rejected in id order, chosen cycling; reflexion pairs after; no repeats") {
        // Samples: chosen kGood1, kGood2; rejected kWrong, kSyntax, kLoop, kHiddenFail (its newest
        // run passed, but on the visible tests only), kSampleWrong (origin sample); kFlaky's
        // internal error is no verdict on the answer. Reflexion: kWrong → kGood1 repeats the first
        // pair and is left out. llm/clamp (nothing failed) and llm/is_even (nothing passed): none.
        // llm/js_max's second attempt held no program: no pair.
        using T = std::tuple<std::string, std::string, std::string>;
        CHECK(pairs(rows) == std::vector<T>{{"samples", llm::kGood1, llm::kWrong},
                                            {"samples", llm::kGood2, llm::kSyntax},
                                            {"samples", llm::kGood1, llm::kLoop},
                                            {"samples", llm::kGood2, llm::kHiddenFail},
                                            {"samples", llm::kGood1, llm::kSampleWrong},
                                            {"reflexion", llm::kGood1, llm::kUnclosed},
                                            {"samples", llm::kJsGood, llm::kJsWrong},
                                            {"reflexion", llm::kJsGood, llm::kJsStep0}});
    }
    SUBCASE("exact rows") {
        REQUIRE(rows.size() == 8);
        CHECK(rows[0] == json{{"origin", "llm"},
                              {"rejected_origin", "llm"},
                              {"problem_id", "llm/abs_diff"},
                              {"language", "python"},
                              {"source", "samples"},
                              {"prompt", llm::kPrompt},
                              {"chosen", llm::kGood1},
                              {"rejected", llm::kWrong},
                              {"chosen_tests_passed", 3},
                              {"rejected_tests_passed", 2},
                              {"tests_total", 3},
                              {"rejected_verdict", "ok"},
                              {"rejected_feedback",
                               {{"name", "visible_0"}, {"message", llm::kWrongMessage}}}});
        CHECK(rows[1]["rejected_verdict"] == "compile_error");
        CHECK(rows[1]["rejected_tests_passed"] == 0);
        CHECK(rows[1]["rejected_feedback"] ==
              json{{"name", "visible_0"}, {"message", "not run: " + llm::kSyntaxMessage}});
        CHECK(rows[2]["rejected_verdict"] == "timeout");
        CHECK(rows[2]["rejected_feedback"] ==
              json{{"name", "visible_0"}, {"message", llm::kTimeoutMessage}});
        CHECK(rows[3]["rejected_tests_passed"] == 2);
        CHECK(rows[3]["rejected_feedback"] ==
              json{{"name", "hidden_0"}, {"message", llm::kHiddenMessage}});
        CHECK(rows[4]["origin"] == "llm"); // the chosen answer's; the rejected one was imported
        CHECK(rows[4]["rejected_origin"] == "sample");
        CHECK(rows[4]["rejected_feedback"]["name"] == "visible_1");
        // A reflexion pair counts over the visible tests both attempts ran.
        CHECK(rows[5] ==
              json{{"origin", "llm"},
                   {"rejected_origin", "llm"},
                   {"problem_id", "llm/abs_diff"},
                   {"language", "python"},
                   {"source", "reflexion"},
                   {"prompt", llm::kPrompt},
                   {"chosen", llm::kGood1},
                   {"rejected", llm::kUnclosed},
                   {"chosen_tests_passed", 2},
                   {"rejected_tests_passed", 0},
                   {"tests_total", 2},
                   {"rejected_verdict", "compile_error"},
                   {"rejected_feedback",
                    {{"name", "visible_0"}, {"message", "not run: " + llm::kUnclosedMessage}}}});
        CHECK(rows[6]["language"] == "javascript");
        CHECK(rows[6]["tests_total"] == 2);
        CHECK(rows[7]["tests_total"] == 1);
    }
    SUBCASE("messages format: TRL's conversational preference rows") {
        const auto conv = export_rows(*db, dir, {exports::Kind::dpo, "messages", {}});
        REQUIRE(conv.size() == rows.size());
        CHECK(conv[0]["prompt"] == json::array({message("user", llm::kPrompt)}));
        CHECK(conv[0]["chosen"] == json::array({message("assistant", llm::kGood1)}));
        CHECK(conv[0]["rejected"] == json::array({message("assistant", llm::kWrong)}));
        CHECK(conv[0]["rejected_feedback"] == rows[0]["rejected_feedback"]);
        CHECK(export_rows(*db, dir, {exports::Kind::dpo, "standard", {}}) == rows);
    }
    SUBCASE("filters") {
        using K = exports::Kind;
        CHECK(export_rows(*db, dir, {K::dpo, "", {{}, "python", {}}}).size() == 6);
        CHECK(export_rows(*db, dir, {K::dpo, "", {{}, "javascript", {}}}).size() == 2);
        const auto reflexion = export_rows(*db, dir, {K::dpo, "", {{}, {}, "reflexion"}});
        REQUIRE(reflexion.size() == 2);
        CHECK(reflexion[0]["rejected"] == llm::kUnclosed);
        CHECK(reflexion[1]["rejected"] == llm::kJsStep0);
        CHECK(export_rows(*db, dir, {K::dpo, "", {{}, {}, "samples"}}).size() == 6);
        CHECK(export_rows(*db, dir, {K::dpo, "", {0.0, {}, {}}}).empty());
    }
}

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

TEST_CASE("exports: bad options for reflexion and dpo; failed writes leave nothing") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    llm::fill(*db);
    using K = exports::Kind;
    CHECK(exports::parse_kind("reflexion") == K::reflexion);
    CHECK(exports::parse_kind("dpo") == K::dpo);
    CHECK(exports::to_string(K::dpo) == "dpo");
    const auto error = [](const exports::ExportOptions& options) {
        const auto checked = exports::validate(options);
        return checked ? std::string() : checked.error().describe();
    };
    CHECK(error({K::dpo, "chatml", {}}) ==
          "unknown dpo format 'chatml' (expected standard, messages, sharegpt or alpaca)");
    CHECK(error({K::dpo, "prompt-completion", {}}) != "");
    CHECK(error({K::reflexion, "messages", {}}) ==
          "unknown reflexion format 'messages' (expected standard)");
    CHECK(error({K::reflexion, "", {{}, {}, "maybe"}}) ==
          "unknown reflexion --kind 'maybe' (expected solved or unsolved)");
    CHECK(error({K::dpo, "", {{}, {}, "solved"}}) ==
          "unknown dpo --kind 'solved' (expected samples or reflexion)");
    CHECK(error({K::dpo, "messages", {{}, {}, "samples"}}) == "");
    CHECK(error({K::bugfix, "", {{}, {}, "anything"}}) == ""); // open sets stay open

    SUBCASE("bad options: the old file is left as it was") {
        const auto out = dir.write("keep.jsonl", "old\n");
        CHECK(!exports::export_jsonl(*db, {K::dpo, "chatml", {}}, out));
        CHECK(testing::slurp(out) == "old\n");
    }
    SUBCASE("a failed rename removes the temporary file") {
        std::filesystem::create_directories(dir / "taken");
        dir.write("taken/x", "x");
        CHECK(!exports::export_jsonl(*db, {K::reflexion, "", {}}, dir / "taken"));
        CHECK(!exports::export_jsonl(*db, {K::dpo, "", {}}, dir / "taken"));
        for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
            CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
        CHECK(std::filesystem::is_directory(dir / "taken"));
    }
    SUBCASE("an unwritable place") {
        dir.write("file", "x");
        CHECK(!exports::export_jsonl(*db, {K::dpo, "", {}}, dir / "file" / "o.jsonl"));
        CHECK(!std::filesystem::exists(dir / "file" / "o.jsonl"));
    }
    SUBCASE("files staged together: all moved by commit, none when one fails or none commits") {
        const auto sft = dir.write("sft.jsonl", "old sft\n");
        const auto summary = dir.write("summary.json", "old summary\n");
        const auto hidden = [&] {
            int count = 0;
            for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
                count += entry.path().filename().string().starts_with(".") ? 1 : 0;
            return count;
        };
        {
            exports::Staging staging;
            REQUIRE(staging.add_export(*db, {K::sft, "", {}}, sft));
            CHECK(hidden() == 1);
            dir.write("file", "x");
            const auto failed = staging.add_text(dir / "file" / "summary.json", "new\n");
            REQUIRE(!failed);
            CHECK(failed.error().describe().find("file/summary.json") != std::string::npos);
        } // never committed
        CHECK(testing::slurp(sft) == "old sft\n");
        CHECK(hidden() == 0);
        {
            exports::Staging staging;
            const auto rows = staging.add_export(*db, {K::sft, "", {}}, sft);
            REQUIRE(rows);
            REQUIRE(staging.add_text(summary, "new summary\n"));
            CHECK(testing::slurp(sft) == "old sft\n"); // nothing moves before commit()
            REQUIRE(staging.commit());
            CHECK(read_jsonl(sft).size() == *rows);
            CHECK(testing::slurp(summary) == "new summary\n");
        }
        CHECK(hidden() == 0);
    }
}

namespace {
// fill(), plus what the model wrote with its reasoning: a sample, a bug, a refactoring, and a
// Reflexion trace of two steps, each naming its llm call; the calls' reasoning in llm_calls.
void fill_with_reasoning(store::Store& db) {
    fill(db);
    const Problem p = add_problem();
    const auto pass = outcome({TestVerdict::passed, TestVerdict::passed, TestVerdict::passed});
    const auto meta = [](const char* call) { return json{{"llm_call", call}}.dump(); };
    const auto call = [&](const std::string& hash, std::string reasoning, int max_tokens = 1000) {
        store::put_llm_call(db, {.request_hash = hash,
                                 .model = "m",
                                 .request = json{{"max_tokens", max_tokens}}.dump(),
                                 .reply = "answer",
                                 .reasoning = std::move(reasoning)});
    };
    db.transaction([&] {
        const auto run = db.begin_run("run", "{}");
        const auto ref = db.put_candidate(
            {p.id, store::CandidateKind::solution, store::Origin::seed, p.solution});
        const auto sample = db.put_candidate(
            {p.id, store::CandidateKind::solution, store::Origin::llm,
             "def add(a, b):\n    return sum((a, b))\n", std::nullopt, "solve", meta("h-sample")});
        db.put_execution(sample, run, "k-sample", pass);
        const auto bug = db.put_candidate({p.id, store::CandidateKind::bug, store::Origin::llm,
                                           "def add(a, b):\n    return a * b\n", ref,
                                           "wrong_operator", meta("h-bug")});
        db.put_execution(bug, run, "k-llm-bug",
                         outcome({TestVerdict::failed, TestVerdict::passed, TestVerdict::failed}));
        const auto refactoring = db.put_candidate(
            {p.id, store::CandidateKind::refactor, store::Origin::llm,
             "def add(x, y):\n    return x + y\n", ref, "readability", meta("h-refactor")});
        db.put_execution(refactoring, run, "k-llm-refactor", pass);
        const auto step0 = db.put_candidate({p.id, store::CandidateKind::solution,
                                             store::Origin::llm, "def add(a, b):\n    return a\n",
                                             std::nullopt, "reflexion", meta("h-step0")});
        const auto step0_run = db.put_execution(
            step0, run, "k-step0", outcome({TestVerdict::failed, TestVerdict::failed}));
        const auto step1 = db.put_candidate({p.id, store::CandidateKind::repair, store::Origin::llm,
                                             p.solution, step0, "reflexion", meta("h-step1")});
        const auto step1_run = db.put_execution(step1, run, "k-step1", pass);
        const store::TrajectoryMeta trace{
            .messages = std::vector<store::TrajectoryMessage>{{"system", "s"},
                                                              {"user", "u"},
                                                              {"assistant", "a0"},
                                                              {"user", "feedback"},
                                                              {"assistant", "a1"}},
            .calls = std::vector<std::string>{"h-step0", "h-step1"}};
        db.put_trajectory({"reflexion:bank/add:1",
                           p.id,
                           "reflexion",
                           run,
                           true,
                           json(trace).dump(),
                           {{step0, step0_run, "feedback", ""}, {step1, step1_run, "", "oops"}}});
        call("h-sample", std::string(300, 's'), 10); // cut at 16 bytes per token asked for
        call("h-bug", "make it multiply");
        call("h-refactor", "rename for readability");
        call("h-step0", "first try");
        call("h-step1", ""); // answered without reasoning
    });
}
} // namespace

TEST_CASE("exports: --with-reasoning") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    fill_with_reasoning(*db);
    using K = exports::Kind;
    const auto rows_of = [&](K kind, bool with_reasoning) {
        exports::ExportOptions options{kind, "", {}, with_reasoning};
        const auto out = dir / "out.jsonl";
        REQUIRE(exports::export_jsonl(*db, options, out));
        return read_jsonl(out);
    };
    SUBCASE("off by default: no row has the field") {
        for (const K kind : {K::sft, K::bugfix, K::refactor, K::reflexion, K::dpo})
            for (const json& row : rows_of(kind, false))
                CHECK(row.dump().find("reasoning") == std::string::npos);
    }
    SUBCASE("sft, bugfix, refactor: the answer's reasoning, \"\" for rows no model wrote") {
        std::map<std::string, std::string> sft;
        for (const json& row : rows_of(K::sft, true))
            sft[row["messages"][1]["content"]] = row["reasoning"];
        CHECK(sft.at("def add(a, b):\n    return sum((a, b))\n") == std::string(160, 's'));
        CHECK(sft.at(add_problem().solution) == ""); // the reference
        CHECK(sft.at("def add(a, b):\n    total = a + b\n    return total\n") == "");
        // The model's refactoring only renamed the parameters: the reference's row stands for it.
        CHECK(sft.count("def add(x, y):\n    return x + y\n") == 0);
        std::map<std::string, std::string> bugs;
        for (const json& row : rows_of(K::bugfix, true))
            bugs[row["origin"]] = row["reasoning"];
        CHECK(bugs ==
              std::map<std::string, std::string>{{"llm", "make it multiply"}, {"mutation", ""}});
        std::map<std::string, std::string> refactorings;
        for (const json& row : rows_of(K::refactor, true))
            refactorings[row["origin"]] = row["reasoning"];
        CHECK(refactorings == std::map<std::string, std::string>{{"llm", "rename for readability"},
                                                                 {"mutation", ""}});
    }
    SUBCASE("reflexion: each step and each assistant message") {
        const auto rows = rows_of(K::reflexion, true);
        REQUIRE(rows.size() == 1);
        const json& steps = rows[0]["steps"];
        REQUIRE(steps.size() == 2);
        CHECK(steps[0]["reasoning"] == "first try");
        CHECK(steps[1]["reasoning"] == "");
        std::vector<std::string> assistant;
        for (const json& m : rows[0]["messages"]) {
            if (m["role"] == "assistant")
                assistant.push_back(m["reasoning"]);
            else
                CHECK_FALSE(m.contains("reasoning"));
        }
        CHECK(assistant == std::vector<std::string>{"first try", ""});
    }
    SUBCASE("a call that is not stored, or meta that is not JSON, gives \"\"") {
        testing::Sql(db->path())
            .exec("DELETE FROM llm_calls WHERE request_hash = 'h-bug'; "
                  "UPDATE candidates SET meta = 'not json' "
                  "WHERE label = 'readability'");
        for (const K kind : {K::bugfix, K::refactor})
            for (const json& row : rows_of(kind, true))
                CHECK(row["reasoning"] == "");
    }
}

TEST_CASE("exports: prompt-completion and messages for sft, bugfix and refactor") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    fill(*db);
    const Problem p = add_problem();
    const std::string refactored = "def add(a, b):\n    total = a + b\n    return total\n";

    SUBCASE("sft prompt-completion: the problem and the program") {
        const auto rows = export_rows(*db, dir, {exports::Kind::sft, "prompt-completion", {}});
        REQUIRE(rows.size() == 2);
        CHECK(rows[0]["prompt"] == p.prompt);
        CHECK(rows[0]["completion"] == p.solution);
        CHECK(rows[0]["origin"] == "seed");
        CHECK_FALSE(rows[0].contains("messages"));
        CHECK(rows[1]["completion"] == refactored);
        CHECK(rows[1]["refactor_kind"] == "introduce_variable");
    }
    SUBCASE("bugfix: the buggy program and failing tests asked, the fix answered") {
        const std::string instruction =
            "Write add(a, b).\n\nThe program below was written for this task, but it fails some "
            "of its tests.\n\n```python\ndef add(a, b):\n    return a - b\n```\n\nFailing "
            "tests:\n\n- visible_0 (failed):\n    assert add(1, 2) == 3\n    AssertionError: "
            "nope\n\n- hidden_0 (failed):\n    assert add(2, 2) == 4\n    AssertionError: "
            "nope\n\nFix the bug. Reply with the whole corrected program, keeping the function "
            "`add` and its signature.";
        const auto pc = export_rows(*db, dir, {exports::Kind::bugfix, "prompt-completion", {}});
        REQUIRE(pc.size() == 1);
        CHECK(pc[0]["prompt"] == instruction);
        CHECK(pc[0]["completion"] == p.solution);
        CHECK(pc[0]["bug_kind"] == "arithmetic_swap");
        CHECK(pc[0]["origin"] == "mutation");
        CHECK_FALSE(pc[0].contains("buggy_code"));
        const auto messages = export_rows(*db, dir, {exports::Kind::bugfix, "messages", {}});
        REQUIRE(messages.size() == 1);
        CHECK(messages[0]["messages"] ==
              json::array({message("user", instruction), answer(p.solution, 1)}));
        CHECK_FALSE(messages[0].contains("prompt"));
        // The default is the flat row, as before.
        CHECK(export_rows(*db, dir, {exports::Kind::bugfix, "standard", {}})[0]["buggy_code"] ==
              "def add(a, b):\n    return a - b\n");
    }
    SUBCASE("refactor: the refactoring named, the original fenced, the refactored answered") {
        const auto pc = export_rows(*db, dir, {exports::Kind::refactor, "prompt-completion", {}});
        REQUIRE(pc.size() == 1);
        CHECK(pc[0]["prompt"] ==
              "Write add(a, b).\n\nThis program solves the task and passes all of its "
              "tests:\n\n```python\n" +
                  p.solution +
                  "```\n\nRefactor it with the refactoring `introduce_variable`. Keep its "
                  "behaviour and the name, parameters and defaults of `add` unchanged. Reply "
                  "with the whole refactored program.");
        CHECK(pc[0]["completion"] == refactored);
        const auto messages = export_rows(*db, dir, {exports::Kind::refactor, "messages", {}});
        REQUIRE(messages.size() == 1);
        CHECK(messages[0]["messages"][1] == answer(refactored, 1));
        CHECK(messages[0]["refactor_kind"] == "introduce_variable");
    }
    SUBCASE("formats each kind takes") {
        CHECK(exports::validate({exports::Kind::bugfix, "messages", {}}));
        CHECK(exports::validate({exports::Kind::refactor, "prompt-completion", {}}));
        CHECK_FALSE(exports::validate({exports::Kind::bugfix, "jsonl", {}}));
        CHECK_FALSE(exports::validate({exports::Kind::reflexion, "messages", {}}));
        CHECK_FALSE(exports::validate({exports::Kind::tasks, "messages", {}}));
        CHECK(exports::format_of({exports::Kind::bugfix, "", {}}) == "standard");
        CHECK(exports::format_of({exports::Kind::sft, "", {}}) == "messages");
    }
}

TEST_CASE("exports::fenced: a fence longer than any backtick run of the code") {
    CHECK(exports::fenced("python", "x = 1\n") == "```python\nx = 1\n```");
    CHECK(exports::fenced("python", "s = '```'") == "````python\ns = '```'\n````");
    CHECK(exports::fenced("js", "a(`x`)\n") == "```js\na(`x`)\n```");
}

TEST_CASE("exports::kto") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    llm::fill(*db);
    // (source, label, completion) of one problem's rows, in order.
    const auto of = [](const std::vector<json>& rows, const std::string& problem) {
        std::vector<std::tuple<std::string, bool, std::string>> out;
        for (const json& row : rows)
            if (row["problem_id"] == problem)
                out.emplace_back(row["source"], row["label"], row["completion"]);
        return out;
    };
    SUBCASE("passing programs true, killed bugs and failed answers false, each program once") {
        const auto rows = export_rows(*db, dir, {exports::Kind::kto, "", {}});
        using Row = std::tuple<std::string, bool, std::string>;
        CHECK(of(rows, "llm/abs_diff") ==
              std::vector<Row>{{"solution", true, llm::kGood1},
                               {"solution", true, llm::kGood2},
                               {"bug", false, llm::kOffByOne},
                               {"failed_sample", false, llm::kWrong},
                               {"failed_sample", false, llm::kSyntax},
                               {"failed_sample", false, llm::kLoop},
                               {"failed_sample", false, llm::kHiddenFail},
                               {"failed_sample", false, llm::kSampleWrong},
                               {"failed_attempt", false, llm::kUnclosed}});
        for (const json& row : rows) {
            CHECK(row["prompt"].is_string());
            CHECK(row["label"].is_boolean());
            CHECK(row["completion"] != llm::kFlaky); // internal_error: the machine's fault
        }
        CHECK(rows[0]["prompt"] == llm::kPrompt);
        CHECK(rows[0]["language"] == "python");
    }
    SUBCASE("messages: TRL's conversational lists") {
        const auto rows = export_rows(*db, dir, {exports::Kind::kto, "messages", {}});
        REQUIRE_FALSE(rows.empty());
        CHECK(rows[0]["prompt"] == json::array({message("user", llm::kPrompt)}));
        CHECK(rows[0]["completion"] == json::array({message("assistant", llm::kGood1)}));
        CHECK(rows[0]["label"] == true);
    }
    SUBCASE("filters: --kind is the source, --language the problem's") {
        const auto bugs = export_rows(*db, dir, {exports::Kind::kto, "", {{}, {}, "bug"}});
        REQUIRE(bugs.size() == 1);
        CHECK(bugs[0]["completion"] == llm::kOffByOne);
        for (const json& row :
             export_rows(*db, dir, {exports::Kind::kto, "", {{}, "javascript", {}}}))
            CHECK(row["language"] == "javascript");
        CHECK_FALSE(exports::validate({exports::Kind::kto, "", {{}, {}, "samples"}}));
        CHECK_FALSE(exports::validate({exports::Kind::kto, "sharegpt", {}}));
    }
    SUBCASE("a program that both passed and failed is left out") {
        const Problem abs = [&] {
            auto problems = store::problem_records(*db);
            REQUIRE(problems);
            return problems->at("llm/abs_diff").problem;
        }();
        db->transaction([&] {
            const auto run = db->begin_run("run", "{}");
            // kGood1 reformatted (the same normalised tree), as a bug that failed.
            const auto bug =
                db->put_candidate({abs.id, store::CandidateKind::bug, store::Origin::mutation,
                                   "def abs_diff(x, y):\n    return abs(x - y)\n", 1, "odd",
                                   R"({"survivor":false})"});
            db->put_execution(
                bug, run, "k-odd",
                llm::result(Verdict::ok, {{"visible_0", TestVerdict::failed, "AssertionError"},
                                          {"visible_1", TestVerdict::passed, ""},
                                          {"hidden_0", TestVerdict::passed, ""}}));
        });
        const auto rows = export_rows(*db, dir, {exports::Kind::kto, "", {}});
        for (const auto& [source, label, code] : of(rows, "llm/abs_diff"))
            CHECK(code != llm::kGood1);
    }
}

TEST_CASE("exports::tasks") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    fill(*db);
    const Problem p = add_problem();
    SUBCASE("one row per problem whose reference passed; no samples: no measured rate") {
        const auto rows = export_rows(*db, dir, {exports::Kind::tasks, "", {}});
        REQUIRE(rows.size() == 1);
        const json& row = rows[0];
        CHECK(row["problem_id"] == "bank/add");
        CHECK(row["origin"] == "seed");
        CHECK(row["source"] == "bank");
        CHECK(row["prompt"] == p.prompt);
        CHECK(row["entry_point"] == "add");
        CHECK(row["language"] == "python");
        CHECK(row["reference"] == p.solution);
        CHECK(row["tests"] == exports::test_script(p));
        CHECK(row["test_setup"] == p.test_setup);
        CHECK(row["test_list"] ==
              json{"assert add(1, 2) == 3", "check(candidate)", "assert add(2, 2) == 4"});
        CHECK(row["sample_pass_rate"].is_null());
        CHECK(row["samples"] == 0);
        CHECK(row["stated_difficulty"].is_null());
        CHECK_FALSE(row.contains("completion"));
    }
    SUBCASE("sample_pass_rate: the model's samples that passed, internal errors not counted") {
        db->transaction([&] {
            const auto run = db->begin_run("run", "{}");
            const auto put = [&](const char* code, sandbox::JobResult r, const char* key) {
                const auto id = db->put_candidate(
                    {p.id, store::CandidateKind::solution, store::Origin::llm, code});
                db->put_execution(id, run, key, r);
            };
            put("def add(a, b):\n    return b + a\n",
                outcome({TestVerdict::passed, TestVerdict::passed, TestVerdict::passed}), "s1");
            put("def add(a, b):\n    return a * b\n",
                outcome({TestVerdict::failed, TestVerdict::failed, TestVerdict::passed}), "s2");
            put("def add(a, b):\n    return a - b - 0\n",
                outcome({TestVerdict::failed, TestVerdict::passed, TestVerdict::failed}), "s3");
            sandbox::JobResult broken;
            broken.verdict = Verdict::internal_error;
            put("def add(a, b):\n    return a + b + 0\n", broken, "s4");
        });
        const auto rows = export_rows(*db, dir, {exports::Kind::tasks, "", {}});
        REQUIRE(rows.size() == 1);
        CHECK(rows[0]["samples"] == 3);
        CHECK(rows[0]["sample_pass_rate"].get<double>() == doctest::Approx(1.0 / 3));
        CHECK(export_rows(*db, dir, {exports::Kind::tasks, "", {{}, {}, "llm"}}).empty());
        CHECK(export_rows(*db, dir, {exports::Kind::tasks, "", {{}, {}, "seed"}}).size() == 1);
    }
    SUBCASE("no reference, no task") {
        auto other = store::Store::open(dir / "b.db");
        REQUIRE(other);
        llm::fill(*other);
        CHECK(export_rows(*other, dir, {exports::Kind::tasks, "", {}}).empty());
    }
}

TEST_CASE("exports: hostile problem text stays inside its fences and JSON strings") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    Problem p = add_problem();
    p.id = "bank/hostile";
    p.prompt = "---\nlicense: mit\nconfigs: []\n```python\nprint('é 😀')\n```\n---\n";
    p.solution = "def add(a, b):\n    s = '```'\n    return a + b\n";
    db->transaction([&] {
        const auto run = db->begin_run("run", "{}");
        db->put_problem(p);
        const auto ref = db->put_candidate(
            {p.id, store::CandidateKind::solution, store::Origin::seed, p.solution});
        db->put_execution(ref, run, "k-ref",
                          outcome({TestVerdict::passed, TestVerdict::passed, TestVerdict::passed}));
        const auto bug =
            db->put_candidate({p.id, store::CandidateKind::bug, store::Origin::mutation,
                               "def add(a, b):\n    s = '````'\n    return a - b\n", ref,
                               "arithmetic_swap", R"({"survivor":false})"});
        db->put_execution(bug, run, "k-bug",
                          outcome({TestVerdict::failed, TestVerdict::passed, TestVerdict::failed}));
    });
    const auto rows = export_rows(*db, dir, {exports::Kind::bugfix, "prompt-completion", {}});
    REQUIRE(rows.size() == 1);
    const std::string prompt = rows[0]["prompt"];
    // The problem statement as it is, then the program in a fence longer than its own run.
    CHECK(prompt.starts_with("---\nlicense: mit\nconfigs: []\n```python\nprint('é 😀')\n```\n---"));
    CHECK(
        prompt.find("\n\n`````python\ndef add(a, b):\n    s = '````'\n    return a - b\n`````\n") !=
        std::string::npos);
    CHECK(rows[0]["completion"] == p.solution);
}
