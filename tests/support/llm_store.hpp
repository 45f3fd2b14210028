// A store as the LLM pipeline leaves it, filled by hand (no jail, no model): LLM-made problems,
// sampled solutions with their runs on every test, an LLM-made bug, and Reflexion trajectories
// whose attempts ran on the visible tests only. For the export tests, unit and black-box.
//
//   llm/abs_diff  (python; visible_0, visible_1, hidden_0)
//     samples (solution, llm, label "solve"), each run on every test:
//       1 kGood1 passed    2 kWrong ok 2/3      3 kSyntax compile_error   4 kGood2 passed
//       5 kFlaky internal_error                 6 kLoop timeout           7 kHiddenFail ok 2/3
//       8 kSampleWrong (origin sample) ok 2/3   9 kOffByOne (bug, llm, parent 1) ok 0/3
//     reflexion:llm/abs_diff:11  solved   kWrong (1/2) → kUnclosed (compile_error) → kGood1 (2/2)
//                                          final 3/3; meta.messages: 7 turns
//     reflexion:llm/abs_diff:12  unsolved kLoop (timeout) → kHiddenFail (2/2); final 2/3; no
//     messages reflexion:llm/abs_diff:13  unsolved kHiddenFail (2/2); final = sample 7's run (2/3)
//     The steps reuse samples 2, 6 and 7 (same problem, kind, origin and code), so those three
//     get a newer visible-only run: 7's newest run passed although it fails a hidden test.
//   llm/clamp     (python) one passing sample, one internal_error: no preference pair
//   llm/is_even   (python) two failing samples: no preference pair
//   llm/js_max    (javascript) one passing, one failing sample; reflexion:llm/js_max:1 solved in
//                 three steps (the second reply held no program: empty code), whose
//                 meta.messages is malformed and whose final execution is not stored.
#pragma once

#include "store/store.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace assay::testing::llm_store {

inline const std::string kPrompt =
    "Write `abs_diff(a, b)`: the absolute difference of two integers.";
inline const std::string kGood1 = "def abs_diff(a, b):\n    return abs(a - b)\n";
inline const std::string kWrong = "def abs_diff(a, b):\n    return a - b\n";
inline const std::string kSyntax = "def abs_diff(a, b)\n    return abs(a - b)\n";
inline const std::string kGood2 = "def abs_diff(a, b):\n    return a - b if a > b else b - a\n";
inline const std::string kFlaky = "def abs_diff(a, b):\n    return abs(b - a)\n";
inline const std::string kLoop = "def abs_diff(a, b):\n    while True:\n        pass\n";
inline const std::string kHiddenFail = "def abs_diff(a, b):\n    return abs(a - b) or 1\n";
inline const std::string kSampleWrong = "def abs_diff(a, b):\n    return b - a\n";
inline const std::string kOffByOne = "def abs_diff(a, b):\n    return abs(a - b) + 1\n";
inline const std::string kUnclosed = "def abs_diff(a, b):\n    return abs(a - b\n";
inline const std::string kJsGood = "function js_max(a, b) {\n  return a > b ? a : b;\n}\n";
inline const std::string kJsWrong = "function js_max(a, b) {\n  return a;\n}\n";
inline const std::string kJsStep0 = "function js_max(a, b) {\n  return Math.min(a, b);\n}\n";

inline const std::string kWrongMessage = "AssertionError: abs_diff(1, 3) returned -2, expected 2";
inline const std::string kSyntaxMessage = "solution.py:1: syntax error";
inline const std::string kTimeoutMessage = "timed out after 2000 ms";
inline const std::string kHiddenMessage = "AssertionError: abs_diff(-1, -1) returned 1, expected 0";
inline const std::string kSampleMessage = "AssertionError: abs_diff(5, 2) returned -3, expected 3";
inline const std::string kUnclosedMessage = "solution.py:2: syntax error";

inline const std::string kNoProgram = "Your reply held no Python program.";
inline const std::string kJsFeedback0 = "visible_0 [failed]: AssertionError: 1 == 2\n";
inline const std::string kJsReflection0 = "I take the smaller value instead of the larger.";
inline const std::string kJsReflection1 = "Here is the whole program.";
inline const std::string kFeedback0 = "visible_0 [failed]: " + kWrongMessage + "\n";
inline const std::string kReflection0 =
    "I subtract b from a without taking the absolute value, so a smaller first argument gives a "
    "negative result.";
inline const std::string kFeedback1 =
    "run: compile_error\nvisible_0 [error]: not run: " + kUnclosedMessage +
    "\nvisible_1 [error]: not run: " + kUnclosedMessage + "\n";
inline const std::string kReflection1 = "The call to abs is missing its closing parenthesis.";
inline const std::string kLoopFeedback = "run: timeout\nvisible_0 [timeout]: " + kTimeoutMessage +
                                         "\nvisible_1 [error]: not run: the run timed out\n";
inline const std::string kLoopReflection = "The loop never ends; compute the difference directly.";

// (case name, verdict, message) per case, in order.
using Cases = std::vector<std::tuple<std::string, TestVerdict, std::string>>;

inline sandbox::JobResult result(Verdict verdict, const Cases& cases, std::string message = {}) {
    sandbox::JobResult r;
    r.verdict = verdict;
    r.cpu_ms = 30;
    r.wall_ms = 41.5;
    r.peak_rss_kb = 9'800;
    for (const auto& [name, test, text] : cases) {
        r.cases.push_back({name, test, text, 0.4});
        if (message.empty() && test != TestVerdict::passed) message = text;
    }
    r.message = message;
    return r;
}

inline Cases all_passed(std::vector<std::string> names) {
    Cases out;
    for (auto& name : names)
        out.emplace_back(std::move(name), TestVerdict::passed, "");
    return out;
}

// Every case "error: not run: <why>" (a compile error or a run that died).
inline Cases not_run(std::vector<std::string> names, const std::string& why) {
    Cases out;
    for (auto& name : names)
        out.emplace_back(std::move(name), TestVerdict::error, "not run: " + why);
    return out;
}

inline Problem problem(std::string id, std::string language, std::string entry_point,
                       std::string prompt, std::vector<TestCase> tests) {
    Problem p;
    p.id = std::move(id);
    p.language = std::move(language);
    p.title = p.id;
    p.prompt = std::move(prompt);
    p.entry_point = std::move(entry_point);
    p.tests = std::move(tests);
    p.difficulty = "easy";
    p.source = ProblemSource::llm;
    p.origin_file = "llm";
    return p;
}

inline std::string solve_meta(int seed) {
    return nlohmann::json{{"seed", seed}, {"stage", "solve"}}.dump();
}

inline nlohmann::json final_of(std::int64_t execution, const char* verdict, int passed, int total) {
    return {{"execution", execution},
            {"verdict", verdict},
            {"tests_passed", passed},
            {"tests_total", total}};
}

// The conversation recorded with reflexion:llm/abs_diff:11.
inline nlohmann::json abs_diff_messages() {
    const auto msg = [](const char* role, const std::string& content) {
        return nlohmann::json{{"role", role}, {"content", content}};
    };
    return nlohmann::json::array(
        {msg("system", "You are an expert Python programmer."),
         msg("user", "### Task: reflexion\n" + kPrompt),
         msg("assistant", "```python\n" + kWrong + "```"),
         msg("user",
             "### Task: reflexion-retry\nYour program passed 1 of 2 tests.\n\n" + kFeedback0),
         msg("assistant", kReflection0 + "\n\n```python\n" + kUnclosed + "```"),
         msg("user",
             "### Task: reflexion-retry\nYour program passed 0 of 2 tests.\n\n" + kFeedback1),
         msg("assistant", kReflection1 + "\n\n```python\n" + kGood1 + "```")});
}

inline void fill(store::Store& db) {
    using store::CandidateKind;
    using store::Origin;
    const std::vector<std::string> all{"visible_0", "visible_1", "hidden_0"};
    const std::vector<std::string> visible{"visible_0", "visible_1"};
    db.transaction([&] {
        const auto run = db.begin_run("run", "{}");
        const Problem abs_diff =
            problem("llm/abs_diff", "python", "abs_diff", kPrompt,
                    {{"visible_0", "assert abs_diff(1, 3) == 2", Visibility::visible},
                     {"visible_1", "assert abs_diff(5, 2) == 3", Visibility::visible},
                     {"hidden_0", "assert abs_diff(-1, -1) == 0", Visibility::hidden}});
        db.put_problem(abs_diff);
        const auto sample = [&](const std::string& code, int seed, const sandbox::JobResult& r,
                                const std::string& problem_id = "llm/abs_diff") {
            const auto id = db.put_candidate({problem_id,
                                              CandidateKind::solution,
                                              Origin::llm,
                                              code,
                                              {},
                                              "solve",
                                              solve_meta(seed)});
            return std::pair{
                id, db.put_execution(id, run, fmt::format("full-{}-{}", problem_id, seed), r)};
        };
        const auto good1 = sample(kGood1, 1, result(Verdict::ok, all_passed(all))).first;
        const auto wrong =
            sample(kWrong, 2,
                   result(Verdict::ok, {{"visible_0", TestVerdict::failed, kWrongMessage},
                                        {"visible_1", TestVerdict::passed, ""},
                                        {"hidden_0", TestVerdict::passed, ""}}))
                .first;
        sample(kSyntax, 3,
               result(Verdict::compile_error, not_run(all, kSyntaxMessage), kSyntaxMessage));
        sample(kGood2, 4, result(Verdict::ok, all_passed(all)));
        sample(kFlaky, 5,
               result(Verdict::internal_error, not_run(all, "the worker died"), "the worker died"));
        const auto loop =
            sample(kLoop, 6,
                   result(Verdict::timeout,
                          {{"visible_0", TestVerdict::timeout, kTimeoutMessage},
                           {"visible_1", TestVerdict::error, "not run: the run timed out"},
                           {"hidden_0", TestVerdict::error, "not run: the run timed out"}},
                          "wall time limit (2000 ms) exceeded"))
                .first;
        const sandbox::JobResult hidden_fail_run =
            result(Verdict::ok, {{"visible_0", TestVerdict::passed, ""},
                                 {"visible_1", TestVerdict::passed, ""},
                                 {"hidden_0", TestVerdict::failed, kHiddenMessage}});
        const auto [hidden_fail, hidden_fail_full] = sample(kHiddenFail, 7, hidden_fail_run);
        const auto imported = db.put_candidate(
            {"llm/abs_diff", CandidateKind::solution, Origin::sample, kSampleWrong});
        db.put_execution(imported, run, "full-sample-8",
                         result(Verdict::ok, {{"visible_0", TestVerdict::passed, ""},
                                              {"visible_1", TestVerdict::failed, kSampleMessage},
                                              {"hidden_0", TestVerdict::passed, ""}}));
        const auto bug = db.put_candidate({"llm/abs_diff", CandidateKind::bug, Origin::llm,
                                           kOffByOne, good1, "off_by_one", R"({"stage":"bug"})"});
        db.put_execution(
            bug, run, "full-bug-9",
            result(Verdict::ok, {{"visible_0", TestVerdict::failed, "AssertionError: 3 != 2"},
                                 {"visible_1", TestVerdict::failed, "AssertionError: 4 != 3"},
                                 {"hidden_0", TestVerdict::failed, "AssertionError: 1 != 0"}}));

        // reflexion:llm/abs_diff:11, solved on the third attempt.
        const auto t1_e0 =
            db.put_execution(wrong, run, "visible-t1-0",
                             result(Verdict::ok, {{"visible_0", TestVerdict::failed, kWrongMessage},
                                                  {"visible_1", TestVerdict::passed, ""}}));
        const auto unclosed = db.put_candidate({"llm/abs_diff", CandidateKind::repair, Origin::llm,
                                                kUnclosed, wrong, "reflexion", "{}"});
        const auto t1_e1 = db.put_execution(
            unclosed, run, "visible-t1-1",
            result(Verdict::compile_error, not_run(visible, kUnclosedMessage), kUnclosedMessage));
        const auto fixed = db.put_candidate({"llm/abs_diff", CandidateKind::repair, Origin::llm,
                                             kGood1, unclosed, "reflexion", "{}"});
        const auto t1_e2 =
            db.put_execution(fixed, run, "visible-t1-2", result(Verdict::ok, all_passed(visible)));
        const auto t1_final =
            db.put_execution(fixed, run, "full-t1-final", result(Verdict::ok, all_passed(all)));
        db.put_trajectory({"reflexion:llm/abs_diff:11",
                           "llm/abs_diff",
                           "reflexion",
                           run,
                           true,
                           nlohmann::json{{"messages", abs_diff_messages()},
                                          {"final", final_of(t1_final, "ok", 3, 3)},
                                          {"max_steps", 4}}
                               .dump(),
                           {{wrong, t1_e0, kFeedback0, kReflection0},
                            {unclosed, t1_e1, kFeedback1, kReflection1},
                            {fixed, t1_e2, "", ""}}});

        // reflexion:llm/abs_diff:12: passes the visible tests, fails a hidden one.
        const auto t2_e0 = db.put_execution(
            loop, run, "visible-t2-0",
            result(Verdict::timeout,
                   {{"visible_0", TestVerdict::timeout, kTimeoutMessage},
                    {"visible_1", TestVerdict::error, "not run: the run timed out"}},
                   "wall time limit (2000 ms) exceeded"));
        const auto almost = db.put_candidate({"llm/abs_diff", CandidateKind::repair, Origin::llm,
                                              kHiddenFail, loop, "reflexion", "{}"});
        const auto t2_e1 =
            db.put_execution(almost, run, "visible-t2-1", result(Verdict::ok, all_passed(visible)));
        const auto t2_final = db.put_execution(almost, run, "full-t2-final", hidden_fail_run);
        db.put_trajectory(
            {"reflexion:llm/abs_diff:12",
             "llm/abs_diff",
             "reflexion",
             run,
             false,
             nlohmann::json{{"final", final_of(t2_final, "ok", 2, 3)}, {"max_steps", 2}}.dump(),
             {{loop, t2_e0, kLoopFeedback, kLoopReflection}, {almost, t2_e1, "", ""}}});

        // reflexion:llm/abs_diff:13: one attempt (sample 7's code) that passes the visible tests.
        const auto t3_e0 = db.put_execution(hidden_fail, run, "visible-t3-0",
                                            result(Verdict::ok, all_passed(visible)));
        db.put_trajectory(
            {"reflexion:llm/abs_diff:13",
             "llm/abs_diff",
             "reflexion",
             run,
             false,
             nlohmann::json{{"messages", nlohmann::json::array(
                                             {{{"role", "system"}, {"content", "Be brief."}},
                                              {{"role", "user"}, {"content", kPrompt}},
                                              {{"role", "assistant"},
                                               {"content", "```python\n" + kHiddenFail + "```"}}})},
                            {"final", final_of(hidden_fail_full, "ok", 2, 3)},
                            {"max_steps", 3}}
                 .dump(),
             {{hidden_fail, t3_e0, "", ""}}});

        // llm/clamp: no failing answer (an internal error is the machine's fault).
        db.put_problem(problem("llm/clamp", "python", "clamp", "Write `clamp(x, lo, hi)`.",
                               {{"visible_0", "assert clamp(5, 0, 3) == 3", Visibility::visible},
                                {"hidden_0", "assert clamp(-1, 0, 3) == 0", Visibility::hidden}}));
        sample("def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n", 1,
               result(Verdict::ok, all_passed({"visible_0", "hidden_0"})), "llm/clamp");
        sample("def clamp(x, lo, hi):\n    return min(hi, max(x, lo))\n", 2,
               result(Verdict::internal_error, not_run({"visible_0", "hidden_0"}, "no slot")),
               "llm/clamp");

        // llm/is_even: no passing answer.
        db.put_problem(problem("llm/is_even", "python", "is_even", "Write `is_even(n)`.",
                               {{"visible_0", "assert is_even(2)", Visibility::visible},
                                {"hidden_0", "assert not is_even(3)", Visibility::hidden}}));
        sample("def is_even(n):\n    return n % 2\n", 1,
               result(Verdict::ok, {{"visible_0", TestVerdict::failed, "AssertionError"},
                                    {"hidden_0", TestVerdict::failed, "AssertionError"}}),
               "llm/is_even");
        sample("def is_even(n):\n    return n / 2 == 0\n", 2,
               result(Verdict::ok, {{"visible_0", TestVerdict::failed, "AssertionError"},
                                    {"hidden_0", TestVerdict::passed, ""}}),
               "llm/is_even");

        // llm/js_max: another language.
        db.put_problem(
            problem("llm/js_max", "javascript", "js_max", "Write `js_max(a, b)`.",
                    {{"visible_0", "assert.equal(js_max(1, 2), 2);", Visibility::visible},
                     {"hidden_0", "assert.equal(js_max(3, 2), 3);", Visibility::hidden}}));
        sample(kJsGood, 1, result(Verdict::ok, all_passed({"visible_0", "hidden_0"})),
               "llm/js_max");
        sample(kJsWrong, 2,
               result(Verdict::ok, {{"visible_0", TestVerdict::failed, "AssertionError: 1 == 2"},
                                    {"hidden_0", TestVerdict::passed, ""}}),
               "llm/js_max");
        const auto js0 = db.put_candidate(
            {"llm/js_max", CandidateKind::solution, Origin::llm, kJsStep0, {}, "reflexion", "{}"});
        const auto js_e0 = db.put_execution(
            js0, run, "visible-js-0",
            result(Verdict::ok, {{"visible_0", TestVerdict::failed, "AssertionError: 1 == 2"}}));
        const auto js1 = db.put_candidate(
            {"llm/js_max", CandidateKind::repair, Origin::llm, "", js0, "reflexion", "{}"});
        const auto js_e1 = db.put_execution(
            js1, run, "visible-js-1",
            result(Verdict::compile_error, not_run({"visible_0"}, kNoProgram), kNoProgram));
        const auto js2 = db.put_candidate(
            {"llm/js_max", CandidateKind::repair, Origin::llm, kJsGood, js1, "reflexion", "{}"});
        const auto js_e2 = db.put_execution(js2, run, "visible-js-2",
                                            result(Verdict::ok, all_passed({"visible_0"})));
        db.put_trajectory({"reflexion:llm/js_max:1",
                           "llm/js_max",
                           "reflexion",
                           run,
                           true,
                           nlohmann::json{{"messages", nlohmann::json::array({{{"role", "user"}}})},
                                          {"final", final_of(999'999, "ok", 2, 2)}}
                               .dump(),
                           {{js0, js_e0, kJsFeedback0, kJsReflection0},
                            {js1, js_e1, kNoProgram, kJsReflection1},
                            {js2, js_e2, "", ""}}});
    });
}

} // namespace assay::testing::llm_store
