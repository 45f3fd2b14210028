// The pure parts of the LLM stages: reading a generated problem, CodeT agreement, feedback.
#include "pipeline/llm_stages.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace assay;
using namespace assay::pipeline;

namespace {

const std::string kReply = R"(Here is a new exercise.

## Title
Count vowels
## Entry point
`count_vowels`
## Problem
Write `count_vowels(s: str) -> int` that returns how many of the characters of `s` are vowels.
## Solution
```python
def count_vowels(s):
    return sum(1 for ch in s.lower() if ch in "aeiou")
```
## Tests
```python
assert count_vowels("") == 0
assert count_vowels("abc") == 1
assert count_vowels("AEIOU") == 5
assert count_vowels("xyz") == 0
assert count_vowels("abc") == 1
assert count_vowels("hello world") == 3
print("not a test")
```
Hope this helps!)";

const Language& python() {
    static const Language language = *load_language("python");
    return language;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("pipeline::parse_problem_reply") {
    SUBCASE("a complete reply") {
        const auto p = parse_problem_reply(python(), kReply);
        REQUIRE_MESSAGE(p, p.error().message);
        CHECK(p->id.starts_with("llm/count_vowels-"));
        CHECK(p->title == "Count vowels");
        CHECK(p->entry_point == "count_vowels");
        CHECK(p->source == ProblemSource::llm);
        CHECK(p->solution.find("def count_vowels") != std::string::npos);
        // Five distinct asserts (the repeat dropped, the print ignored): 4 visible, 1 hidden.
        REQUIRE(p->tests.size() == 5);
        CHECK(p->tests[0].name == "visible_0");
        CHECK(p->tests[0].code == "assert count_vowels(\"\") == 0");
        CHECK(p->tests[4].name == "hidden_0");
        CHECK(p->tests[4].visibility == Visibility::hidden);
        CHECK(p->tests[4].code == "assert count_vowels(\"hello world\") == 3");
    }
    SUBCASE("the same statement gives the same id") {
        CHECK(parse_problem_reply(python(), kReply)->id ==
              parse_problem_reply(python(), replace(kReply, "Hope this helps!", ""))->id);
    }
    SUBCASE("what is rejected, and why") {
        auto reason = [](const std::string& reply) {
            const auto p = parse_problem_reply(python(), reply);
            REQUIRE(!p);
            return p.error().message;
        };
        CHECK(reason(replace(kReply, "## Title\n", "")) == "missing section 'title'");
        CHECK(reason(replace(kReply, "`count_vowels`\n## Problem", "count vowels!\n## Problem"))
                  .find("not a name") != std::string::npos);
        CHECK(reason(replace(kReply, "def count_vowels(s):", "def vowels(s):")) ==
              "solution: the code does not define `count_vowels`");
        CHECK(reason(replace(kReply, "return sum(", "return sum((")) ==
              "solution: the code has a syntax error");
        CHECK(
            reason(replace(
                kReply, "assert count_vowels(\"AEIOU\") == 5\nassert count_vowels(\"xyz\") == 0\n",
                "")) == "fewer than 4 tests that call `count_vowels`");
        CHECK(reason(kReply.substr(0, kReply.find("## Tests"))) == "missing section 'tests'");
        CHECK(reason("") == "missing section 'title'");
    }
    SUBCASE("asserts that never call the entry point are not tests of it") {
        // `e` is in `assert True`, `"e"` and `len`, but none of them calls e.
        std::string reply = replace(kReply, "`count_vowels`\n## Problem", "`e`\n## Problem");
        reply = replace(reply, "def count_vowels(s):", "def e(s):");
        reply = replace(
            reply, reply.substr(reply.find("assert"), reply.find("print(") - reply.find("assert")),
            "assert True\nassert \"e\" == \"e\"\nassert len(\"e\") == 1\n"
            "r = e(\"abc\")\nassert r == 1\nassert \"e\" in \"hello\"\n");
        const auto p = parse_problem_reply(python(), reply);
        REQUIRE(!p);
        CHECK(p.error().message == "fewer than 4 tests that call `e`");
    }
    SUBCASE("tests that call `candidate`, as HumanEval's do, test the entry point") {
        // The harness and the exported scripts bind `candidate` to the entry point, and a model
        // shown HumanEval problems as examples writes its tests that way.
        std::string reply = kReply;
        for (auto at = reply.find("assert count_vowels("); at != std::string::npos;
             at = reply.find("assert count_vowels(", at))
            reply.replace(at, std::string("assert count_vowels(").size(), "assert candidate(");
        const auto p = parse_problem_reply(python(), reply);
        REQUIRE_MESSAGE(p, p.error().message);
        CHECK(p->tests.size() == 5);
        CHECK(p->tests[0].code == "assert candidate(\"\") == 0");
    }
    SUBCASE("a test block far longer than asked for is refused before it is split") {
        // Split, each case would repeat every assignment before it: quadratic in the block.
        std::string tests;
        for (int i = 0; i < 4000; ++i)
            tests += fmt::format("x{0} = {0}\nassert count_vowels('a' * x{0}) == x{0}\n", i);
        const std::string first = "assert count_vowels(\"\") == 0\n";
        const auto p = parse_problem_reply(python(), replace(kReply, first, first + tests));
        REQUIRE(!p);
        CHECK(p.error().message == "tests: longer than 32768 bytes");
    }
    SUBCASE("a test block with a broken line keeps the lines that parse") {
        const auto p =
            parse_problem_reply(python(), replace(kReply, "assert count_vowels(\"xyz\") == 0",
                                                  "assert count_vowels(\"xyz\" == "));
        REQUIRE(p);
        CHECK(p->tests.size() == 4);
        // Only statements that assert: a line that merely starts with the word is no test.
        const std::string first = "assert count_vowels(\"\") == 0\n";
        const auto q = parse_problem_reply(
            python(), replace(replace(kReply, "assert count_vowels(\"xyz\") == 0",
                                      "assert count_vowels(\"xyz\" == "),
                              first, first + "assertion = count_vowels(\"a\")\n"));
        REQUIRE(q);
        CHECK(q->tests.size() == 4);
        for (const TestCase& t : q->tests)
            CHECK(t.code.starts_with("assert count_vowels("));
    }
}

TEST_CASE("pipeline::consensus (CodeT dual agreement)") {
    // Three samples agree on tests {0,1}; one passes {0,1,2,3} alone: 3x2 beats 1x4.
    CHECK(consensus({{0, 1}, {0, 1, 2, 3}, {1, 0}, {0, 1}}) == std::vector<std::size_t>{0, 2, 3});
    // One sample passing many tests beats a crowd passing none.
    CHECK(consensus({{}, {}, {0, 1, 2}}) == std::vector<std::size_t>{2});
    CHECK(consensus({{}, {}}).empty());
    CHECK(consensus({}).empty());
    // A tie goes to the group found first.
    CHECK(consensus({{0}, {1}}) == std::vector<std::size_t>{0});
}

TEST_CASE("pipeline::test_feedback") {
    sandbox::HarnessJob job;
    job.cases = {{"visible_0", "assert f(1) == 2"},
                 {"visible_1", "assert f(2) == 4\n"},
                 {"visible_2", "assert f(3) == 6"}};
    sandbox::JobResult r;
    r.verdict = Verdict::ok;
    r.cases = {{"visible_0", TestVerdict::passed, "", 1.5},
               {"visible_1", TestVerdict::failed,
                "AssertionError: assert f(2) == 4\n  actual:   5\n  expected: 4", 2.5},
               {"visible_2", TestVerdict::error, "ZeroDivisionError: division by zero", 0.25}};
    const std::string text = test_feedback(job, r);
    CHECK(text == "- assert f(2) == 4 (failed)\n"
                  "  AssertionError: assert f(2) == 4\n    actual:   5\n    expected: 4\n"
                  "- assert f(3) == 6 (error)\n"
                  "  ZeroDivisionError: division by zero");
    // No timings: the same failures give the same words, whatever the run took.
    r.cases[1].ms = 900;
    r.cpu_ms = 777;
    CHECK(test_feedback(job, r) == text);
    CHECK(test_feedback(job, r, 1).ends_with("… and 1 more failing tests"));
    r.verdict = Verdict::timeout;
    r.message = "wall time limit exceeded\nmore";
    CHECK(test_feedback(job, r).starts_with(
        "The run ended with timeout: wall time limit exceeded\n"));
}

TEST_CASE("pipeline::parse_problem_reply on damaged replies never crashes or lies") {
    // A deterministic mutation loop over a good reply (the libFuzzer target in tests/fuzz covers
    // arbitrary bytes): cuts, byte flips, injected fences and headings, duplicated spans.
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    auto next = [&] {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        return state;
    };
    constexpr std::string_view kInserts[] = {
        "```",  "```python\n", "## Tests\n", "## Title\n", "\n", "`",   "assert ",
        "def ", "\0",          "\xff\xfe",   "~~~\n",      "# ", "(((", "'''"};
    int parsed = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string reply = kReply;
        for (int k = 0, edits = 1 + static_cast<int>(next() % 4); k < edits; ++k) {
            const std::size_t at = next() % (reply.size() + 1);
            switch (next() % 4) {
            case 0:
                reply.resize(at);
                break;
            case 1:
                if (at < reply.size()) reply[at] = static_cast<char>(next() & 0xff);
                break;
            case 2: {
                const auto insert = kInserts[next() % std::size(kInserts)];
                reply.insert(at, insert.data(), insert.size());
                break;
            }
            default:
                reply.insert(at, reply.substr(next() % (reply.size() + 1), next() % 64));
            }
        }
        const auto p = parse_problem_reply(python(), reply);
        if (!p) {
            CHECK(!p.error().message.empty());
            continue;
        }
        ++parsed;
        // Whatever survives is a complete problem.
        CHECK(p->tests.size() >= 4);
        CHECK(!p->entry_point.empty());
        CHECK(p->solution.find("def " + p->entry_point) != std::string::npos);
        for (const TestCase& t : p->tests)
            CHECK(t.code.find(p->entry_point) != std::string::npos);
    }
    MESSAGE(parsed, " of 3000 damaged replies still parsed");
    CHECK(parsed > 100);
}
