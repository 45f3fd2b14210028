// The instruct stage against the fake executor: a new problem is accepted when its reference
// passes its own tests and it repeats nothing known; each rejection says why.
#include "pipeline/stages/instruct.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>

using namespace assay;
using namespace assay::testing;

namespace {

std::string problem_reply(const std::string& name, const std::string& statement,
                          const std::string& body, const std::vector<std::string>& tests) {
    std::string block;
    for (const std::string& t : tests)
        block += t + "\n";
    return "## Title\n" + name + "\n## Entry point\n`" + name + "`\n## Problem\n" + statement +
           "\n## Solution\n" + fenced("def " + name + "(s):\n    " + body, "") + "\n## Tests\n" +
           fenced(block, "");
}

const std::string kVowels = problem_reply(
    "count_vowels", "Write `count_vowels(s)` that returns how many characters of s are vowels.",
    "return sum(1 for ch in s.lower() if ch in 'aeiou')",
    {"assert count_vowels('') == 0", "assert count_vowels('abc') == 1",
     "assert count_vowels('AEIOU') == 5", "assert count_vowels('xyz') == 0",
     "assert count_vowels('hello world') == 3"});

const std::string kWords = problem_reply(
    "word_count", "Given a sentence, return the number of whitespace-separated words in it.",
    "return len(s.split())",
    {"assert word_count('') == 0", "assert word_count('a b') == 2",
     "assert word_count('  spaced   out ') == 2", "assert word_count('one') == 1"});

// Its reference fails its own tests (the executor says so for code containing `BROKEN`).
const std::string kBroken = problem_reply(
    "shout", "Return the string upper-cased with an exclamation mark appended at its very end.",
    "return s.upper() + '!'  # BROKEN",
    {"assert shout('a') == 'A!'", "assert shout('') == '!'", "assert shout('hi') == 'HI!'",
     "assert shout('x y') == 'X Y!'"});

} // namespace

TEST_CASE("pipeline::instruct accepts new problems and says why it rejects the others") {
    int n = 0;
    StageFixture f(
        [](const sandbox::HarnessJob& job) {
            if (contains(job.code, "BROKEN")) return failing(job, 0, "AssertionError");
            return passing(job);
        },
        [&](const llm::ChatRequest&) {
            switch (n++) {
            case 0:
                return reply(kVowels);
            case 1:
                return reply(kWords);
            case 2:
                return reply(kVowels); // the same problem again
            case 3:
                return reply(kBroken);
            case 4:
                return reply("## Title\nNothing else");
            default:
                return failure("503");
            }
        });
    f.settings.new_problems = 6;
    pipeline::LlmSummary summary;
    const std::vector<Problem> prior;
    const auto made = pipeline::instruct(*f.context, f.problems, {prior, {}}, summary);
    REQUIRE_MESSAGE(made, made.error().message);
    REQUIRE(made->size() == 2);
    CHECK((*made)[0].entry_point == "count_vowels");
    CHECK((*made)[1].entry_point == "word_count");
    for (const Problem& p : *made) {
        CHECK(p.source == ProblemSource::llm);
        CHECK(p.language == "python");
        CHECK(p.id.starts_with("llm/" + p.entry_point + "-"));
    }
    CHECK(summary.problems_asked == 6);
    // The same problem made twice has one id (it names the content): kept once.
    CHECK(summary.problems_rejected["made twice by this run"] == 1);
    CHECK(summary.problems_rejected["reference fails its own tests"] == 1);
    CHECK(summary.problems_rejected["missing section 'entry point'"] == 1);
    CHECK(summary.problems_rejected["llm call failed"] == 1);
    // Only the parsed drafts reached the executor; the repeated one ran once.
    CHECK(f.executor.ran.size() == 3);
}

TEST_CASE("pipeline::instruct with no seeds or no attempts asks nothing") {
    StageFixture f([](const sandbox::HarnessJob& job) { return passing(job); },
                   [](const llm::ChatRequest&) { return reply(kVowels); });
    pipeline::LlmSummary summary;
    const std::vector<Problem> prior;
    f.settings.new_problems = 0;
    CHECK(pipeline::instruct(*f.context, f.problems, {prior, {}}, summary).value().empty());
    f.settings.new_problems = 3;
    CHECK(pipeline::instruct(*f.context, {}, {prior, {}}, summary).value().empty());
    CHECK(f.client.asked.empty());
}

TEST_CASE("pipeline::instruct makes only its shard's requests, and the same ones as one run") {
    const auto asked = [](std::optional<pipeline::Shard> shard) {
        StageFixture f([](const sandbox::HarnessJob& job) { return passing(job); },
                       [](const llm::ChatRequest&) { return reply(kWords); });
        f.settings.new_problems = 7;
        pipeline::LlmSummary summary;
        const std::vector<Problem> prior;
        const pipeline::InstructScope scope{prior, shard.value_or(pipeline::Shard{})};
        REQUIRE(pipeline::instruct(*f.context, f.problems, scope, summary));
        CHECK(summary.problems_asked == static_cast<int>(f.client.asked.size()));
        std::vector<std::string> texts;
        for (const llm::ChatRequest& r : f.client.asked)
            texts.push_back(r.messages.back().content);
        return texts;
    };
    const std::vector<std::string> all = asked(std::nullopt);
    REQUIRE(all.size() == 7);
    std::vector<std::string> union_of_shards;
    for (std::size_t i = 0; i < 3; ++i) {
        const auto part = asked(pipeline::Shard{i, 3});
        CHECK(part.size() == (i == 0 ? 3u : 2u)); // requests i, i+3, i+6
        union_of_shards.insert(union_of_shards.end(), part.begin(), part.end());
    }
    std::sort(union_of_shards.begin(), union_of_shards.end());
    std::vector<std::string> sorted = all;
    std::sort(sorted.begin(), sorted.end());
    CHECK(union_of_shards == sorted);
}
