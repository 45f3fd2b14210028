// TrajectoryMeta: the bytes each writer stores, read back, and what a reader makes of odd text.
#include "store/trajectory_meta.hpp"

#include <cstdint>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using assay::store::parse_trajectory_meta;
using assay::store::TrajectoryFinal;
using assay::store::TrajectoryMessage;
using assay::store::TrajectoryMeta;
using nlohmann::json;

namespace {
std::string dump(const TrajectoryMeta& meta) {
    return json(meta).dump();
}
} // namespace

TEST_CASE("store::TrajectoryMeta") {
    SUBCASE("the same bytes as the ad-hoc JSON each writer stored before it") {
        // src/pipeline/run.cpp, an AST bug.
        CHECK(dump({.bug_kind = "constant_change"}) ==
              json{{"bug_kind", "constant_change"}}.dump());
        CHECK(dump({.bug_kind = "constant_change"}) == R"({"bug_kind":"constant_change"})");
        // src/pipeline/stages/bugs.cpp, a bug the model wrote.
        CHECK(dump({.bug_kind = "off_by_one", .origin = "llm"}) ==
              json{{"bug_kind", "off_by_one"}, {"origin", "llm"}}.dump());
        // src/pipeline/stages/reflexion.cpp: the same types as there (a size_t count, a 64-bit
        // seed above INT64_MAX).
        const std::uint64_t seed = 18'000'000'000'000'000'000ULL;
        const std::int64_t execution = 4'242;
        const std::size_t total = 7;
        json messages = json::array({{{"role", "system"}, {"content", "Be brief."}}});
        messages.push_back({{"role", "user"}, {"content", "Write `f`.\n\"quoted\" é"}});
        messages.push_back({{"role", "assistant"}, {"content", "```python\ndef f(): ...\n```"}});
        const json before{{"messages", messages},
                          {"final",
                           {{"execution", execution},
                            {"verdict", "ok"},
                            {"tests_passed", 5},
                            {"tests_total", total}}},
                          {"max_steps", 4},
                          {"model", "fake-model"},
                          {"seed", seed}};
        const TrajectoryMeta meta{
            .messages =
                std::vector<TrajectoryMessage>{{"system", "Be brief."},
                                               {"user", "Write `f`.\n\"quoted\" é"},
                                               {"assistant", "```python\ndef f(): ...\n```"}},
            .final_run = TrajectoryFinal{.execution = execution,
                                         .verdict = "ok",
                                         .tests_passed = 5,
                                         .tests_total = static_cast<int>(total)},
            .max_steps = 4,
            .model = "fake-model",
            .seed = seed};
        CHECK(dump(meta) == before.dump());
        CHECK(dump(meta).starts_with(R"({"final":{"execution":4242,"tests_passed":5,)"));
        CHECK(dump({}) == "{}");
    }
    SUBCASE("what is written reads back the same") {
        const TrajectoryMeta meta{.messages = std::vector<TrajectoryMessage>{{"user", "hi"}},
                                  .final_run = TrajectoryFinal{.execution = 9,
                                                               .verdict = "timeout",
                                                               .tests_passed = 0,
                                                               .tests_total = 3},
                                  .max_steps = 2,
                                  .model = "m",
                                  .seed = 1};
        CHECK(parse_trajectory_meta(dump(meta)) == meta);
        const TrajectoryMeta bug{.bug_kind = "off_by_one", .origin = "llm"};
        CHECK(parse_trajectory_meta(dump(bug)) == bug);
        const TrajectoryMeta calls{.calls = std::vector<std::string>{"h1", ""}};
        CHECK(dump(calls) == R"({"calls":["h1",""]})");
        CHECK(parse_trajectory_meta(dump(calls)) == calls);
        CHECK_FALSE(parse_trajectory_meta(R"({"calls":["h1",2]})").calls);
    }
    SUBCASE("odd stored text: what cannot be read is left unset, nothing throws") {
        CHECK(parse_trajectory_meta("") == TrajectoryMeta{});
        CHECK(parse_trajectory_meta("not json") == TrajectoryMeta{});
        CHECK(parse_trajectory_meta("[1, 2]") == TrajectoryMeta{});
        CHECK(parse_trajectory_meta(R"({"bug_kind": 3, "seed": -1, "model": null})") ==
              TrajectoryMeta{});
        // A message without content: no recorded conversation.
        const auto partial = parse_trajectory_meta(
            R"({"messages": [{"role": "user", "content": "a"}, {"role": "user"}], "max_steps": 3})");
        CHECK_FALSE(partial.messages);
        CHECK(partial.max_steps == 3);
        CHECK(parse_trajectory_meta(R"({"messages": []})").messages ==
              std::vector<TrajectoryMessage>{});
        // A final run missing a field is no final run.
        CHECK_FALSE(parse_trajectory_meta(R"({"final": {"execution": 1, "verdict": "ok",
                                                        "tests_passed": 1}})")
                        .final_run);
        CHECK_FALSE(parse_trajectory_meta(R"({"final": {"execution": "1", "verdict": "ok",
                                                        "tests_passed": 1, "tests_total": 1}})")
                        .final_run);
        // Keys of no kind are ignored.
        CHECK(parse_trajectory_meta(R"({"survivor": true, "origin": "llm"})") ==
              TrajectoryMeta{.origin = "llm"});
    }
}
