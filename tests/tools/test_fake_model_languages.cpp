// assay-fake-llm's model in C++ and JavaScript: the prompts of src/llm/prompts/cpp/ and
// javascript/ get answers in that language, about that language's problems.
#include "core/language.hpp"
#include "llm/reply_parser.hpp"
#include "support/fake_llm.hpp"
#include "syntax/split_tests.hpp"
#include "tools/fake_model.hpp"

#include <doctest/doctest.h>
#include <set>

using namespace assay;
using namespace assay::tools;
using assay::testing::chat_body;
using assay::testing::prompt_request;
using nlohmann::json;

namespace {

constexpr int kSeeds = 60;

const FakeModel& brace_model() {
    static const FakeModel model = [] {
        auto loaded = FakeModel::load(
            {project_root() / "problems" / "cpp", project_root() / "problems" / "javascript"},
            {project_root() / "tests/fake_llm/inventions"});
        if (!loaded) throw std::runtime_error(loaded.error().describe());
        return std::move(*loaded);
    }();
    return model;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

struct Case {
    std::string language;
    std::string entry_point;
};

const Case kCases[] = {{"cpp", "asteroid_collision"}, {"javascript", "alienOrder"}};

} // namespace

TEST_CASE("tools::FakeModel solve in C++ and JavaScript: the problem's own language") {
    for (const Case& c : kCases) {
        CAPTURE(c.language);
        const Problem* p = brace_model().find(c.entry_point, "", c.language);
        REQUIRE(p != nullptr);
        REQUIRE(p->language == c.language);
        int reference = 0;
        int code = 0;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const FakeReply reply = brace_model().reply(
                1, prompt_request("solve", {{"entry_point", p->entry_point}, {"prompt", p->prompt}},
                                  static_cast<std::uint64_t>(seed), 2048, c.language));
            const auto extracted = llm::extract_code(reply.content, {c.language, p->entry_point});
            if (!extracted || !extracted->defines_entry_point) continue;
            ++code;
            reference += trimmed(extracted->code) == trimmed(p->solution) ? 1 : 0;
            // Never Python.
            CHECK(extracted->code.find("def ") == std::string::npos);
        }
        CHECK(code >= kSeeds * 8 / 10);
        CHECK(reference >= kSeeds / 5);
    }
}

TEST_CASE("tools::FakeModel tests in C++ and JavaScript: plain asserts, one wrong in some") {
    for (const Case& c : kCases) {
        CAPTURE(c.language);
        const Problem* p = brace_model().find(c.entry_point, "", c.language);
        REQUIRE(p != nullptr);
        std::set<std::string> own;
        for (const TestCase& t : p->tests)
            own.insert(t.code);
        int wrong = 0;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const FakeReply reply = brace_model().reply(
                1,
                prompt_request(
                    "tests",
                    {{"entry_point", p->entry_point}, {"prompt", p->prompt}, {"count", "6"}},
                    static_cast<std::uint64_t>(seed), 2048, c.language),
                ReasoningMode::off);
            const auto block = llm::extract_code(reply.content, {c.language, ""});
            REQUIRE_MESSAGE(block, reply.content);
            const auto split = syntax::split_asserts(c.language, block->code);
            REQUIRE_MESSAGE(split, block->code);
            CHECK(split->cases.size() == 6);
            for (const TestCase& t : split->cases) {
                CHECK_MESSAGE(syntax::plain_test(c.language, t.code, p->entry_point), t.code);
                CHECK(syntax::depends_on(c.language, t.code, p->entry_point));
                wrong += own.contains(trimmed(t.code)) ? 0 : 1;
            }
        }
        CHECK(wrong >= kSeeds / 8);
        CHECK(wrong <= kSeeds / 2);
    }
}

TEST_CASE("tools::FakeModel instruct in C++ and JavaScript: that language's inventions") {
    for (const std::string language : {"cpp", "javascript"}) {
        CAPTURE(language);
        std::set<std::string> entry_points;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const FakeReply reply = brace_model().reply(
                1, prompt_request("instruct",
                                  {{"topic", "strings"}, {"difficulty", "easy"}, {"examples", ""}},
                                  static_cast<std::uint64_t>(seed), 4096, language));
            const auto sections = llm::sections(reply.content);
            const auto entry = llm::section(sections, "entry point");
            const auto solution = llm::section(sections, "solution");
            if (!entry || !solution) continue; // 5% of replies miss a section
            std::string name = trimmed(*entry);
            std::erase(name, '`');
            entry_points.insert(name);
            const Problem* invented = brace_model().find(name, "", language);
            REQUIRE_MESSAGE(invented != nullptr, name);
            CHECK(invented->language == language);
            const auto code = llm::extract_code(*solution, {language, name});
            REQUIRE_MESSAGE(code, *solution);
            CHECK(code->defines_entry_point);
        }
        CHECK(entry_points.size() >= 2);
    }
}

TEST_CASE("tools::FakeModel in C++ and JavaScript for a function it does not know") {
    for (const std::string language : {"cpp", "javascript"}) {
        CAPTURE(language);
        int defined = 0;
        for (int seed = 0; seed < kSeeds; ++seed) {
            const FakeReply reply = brace_model().reply(
                1,
                prompt_request("solve", {{"entry_point", "mystery"}, {"prompt", "Do something."}},
                               static_cast<std::uint64_t>(seed), 2048, language));
            CHECK(reply.content.find("def mystery") == std::string::npos);
            const auto code = llm::extract_code(reply.content, {language, "mystery"});
            defined += code && code->parses && code->defines_entry_point ? 1 : 0;
        }
        CHECK(defined >= kSeeds / 3);
    }
    // A language no grammar has is read as Python; nothing crashes.
    const FakeReply odd = brace_model().reply(
        1, chat_body({{"user", "### Task: solve\n### Language: ../../etc\nthe function `f`"}}, 1));
    CHECK(odd.content.find("def f") != std::string::npos);
}

TEST_CASE("tools::wrong_expectation in C++ and JavaScript") {
    const std::pair<const char*, const char*> cpp[] = {
        {"assert(f(1) == 2);", "assert(f(1) == 3);"},
        {"assert(f(\"a\") == \"ab\");", "assert(f(\"a\") == \"abx\");"},
        {"assert(f({1, 2}) == true);", "assert(f({1, 2}) == false);"},
        {"assert(f(3) == std::vector<int>{1, 2});", "assert(!(f(3) == std::vector<int>{1, 2}));"},
        {"assert(f(3) < 4);", "assert(!(f(3) < 4));"},
    };
    for (const auto& [line, wrong] : cpp)
        CHECK(wrong_expectation(line, "cpp") == wrong);
    const std::pair<const char*, const char*> js[] = {
        {"assert.strictEqual(f(1), 2);", "assert.strictEqual(f(1), 3);"},
        {"assert.deepStrictEqual(f([1]), [1, 2]);", "assert.deepStrictEqual(f([1]), [1]);"},
        {"assert.strictEqual(f('a'), 'ab');", "assert.strictEqual(f('a'), 'abx');"},
        {"assert.deepStrictEqual(f(1), new Map());", "assert.notDeepStrictEqual(f(1), new Map());"},
        {"assert(f(1) === true);", "assert(f(1) === false);"},
        {"console.assert(f(2) > 1);", "console.assert(!(f(2) > 1));"},
    };
    for (const auto& [line, wrong] : js)
        CHECK(wrong_expectation(line, "javascript") == wrong);
    // Whatever the line, a result that still parses as a statement, and no crash.
    for (const char* odd : {"", "assert(", "f(1);", "assert.strictEqual()", "((((("})
        CHECK_NOTHROW((void)wrong_expectation(odd, "cpp"));
}
