// The fake model as a reasoning model: the answer is the plain reply byte for byte, and before it
// a plausible wrong draft, in a think block of one of the servers' forms or in reasoning_content.
#include "llm/reply_parser.hpp"
#include "support/fake_llm.hpp"
#include "syntax/entry_point.hpp"
#include "tools/fake_model.hpp"

#include <doctest/doctest.h>
#include <map>

using namespace assay;
using namespace assay::tools;
using assay::testing::default_fake_model;
using assay::testing::known_problem;
using assay::testing::prompt_request;
using nlohmann::json;

namespace {

// A request of every kind about `p`, by kind.
std::map<std::string, json> requests_about(const Problem& p, std::uint64_t seed) {
    const std::map<std::string, std::string> about{
        {"entry_point", p.entry_point}, {"prompt", p.prompt}, {"code", p.solution}};
    auto with = [&](std::map<std::string, std::string> extra) {
        extra.insert(about.begin(), about.end());
        return extra;
    };
    return {
        {"solve", prompt_request("solve", about, seed)},
        {"tests", prompt_request("tests", with({{"count", "6"}}), seed)},
        {"bug", prompt_request("bug",
                               with({{"category", "off-by-one"},
                                     {"category_description", "an index one off"}}),
                               seed)},
        {"refactor", prompt_request("refactor", with({{"goal", "readability"}}), seed)},
        {"reflexion", prompt_request("reflexion", with({{"tests", "assert True"}}), seed)},
        {"instruct",
         prompt_request(
             "instruct",
             {{"topic", "strings"}, {"difficulty", "easy"}, {"examples", "## Title\nx\n"}}, seed)},
    };
}

// The draft of a reasoning: the fenced block that starts with the marker.
std::string draft_of(const std::string& reasoning) {
    for (const llm::CodeBlock& block : llm::fenced_blocks(reasoning))
        if (block.code.starts_with(kDraftMarker)) return block.code;
    return {};
}

} // namespace

TEST_CASE("tools::parse_reasoning_mode") {
    CHECK(parse_reasoning_mode("think") == ReasoningMode::think);
    CHECK(parse_reasoning_mode("field") == ReasoningMode::field);
    CHECK(parse_reasoning_mode("both") == ReasoningMode::both);
    CHECK(parse_reasoning_mode("off") == ReasoningMode::off);
    CHECK_FALSE(parse_reasoning_mode("Think"));
}

TEST_CASE("tools::FakeModel as a reasoning model") {
    const FakeModel& model = default_fake_model();
    std::map<std::string, int> forms;
    int drafts = 0, wrong_drafts = 0, field = 0, think = 0;
    for (const std::string ep : {"merge_intervals", "edit_distance", "lower_bound"}) {
        const Problem& p = known_problem(ep);
        for (std::uint64_t seed = 0; seed < 12; ++seed) {
            for (const auto& [kind, request] : requests_about(p, seed)) {
                CAPTURE(kind);
                const FakeReply plain = model.reply(3, request);
                for (const ReasoningMode mode :
                     {ReasoningMode::think, ReasoningMode::field, ReasoningMode::both}) {
                    const FakeReply reply = model.reply(3, request, mode);
                    const FakeReply again = model.reply(3, request, mode);
                    CHECK(reply.content == again.content);
                    CHECK(reply.reasoning == again.reasoning);
                    CHECK(reply.finish_reason == plain.finish_reason);
                    const llm::Reasoned split = llm::split_reasoning(reply.content);
                    // The answer is the plain reply, byte for byte.
                    CHECK(split.answer == plain.content);
                    CHECK(split.reasoning.empty() != reply.reasoning.empty());
                    if (mode == ReasoningMode::think) CHECK(reply.reasoning.empty());
                    if (mode == ReasoningMode::field) CHECK(reply.content == plain.content);
                    field += reply.reasoning.empty() ? 0 : 1;
                    think += reply.reasoning.empty() ? 1 : 0;
                    const std::string reasoning =
                        reply.reasoning.empty() ? split.reasoning : reply.reasoning;
                    const std::string draft = draft_of(reasoning);
                    REQUIRE_MESSAGE(!draft.empty(), reasoning);
                    if (reply.reasoning.empty()) {
                        const std::string head = reply.content.substr(0, 12);
                        ++forms[head.starts_with("<think>")      ? "think"
                                : head.starts_with("<THINKING>") ? "THINKING"
                                                                 : "no opening tag"];
                        forms["two blocks"] +=
                            reply.content.find("</think>\n<think>") != std::string::npos ? 1 : 0;
                    }
                    if (kind == "solve" || kind == "bug" || kind == "refactor" ||
                        kind == "reflexion") {
                        // The draft defines the same function, and is not the answer's code.
                        ++drafts;
                        CHECK(syntax::find_function("python", draft, ep));
                        const auto answer = llm::extract_code(plain.content, {"python", ep});
                        wrong_drafts += answer && draft.find(answer->code) == std::string::npos;
                    }
                    if (kind == "instruct")
                        CHECK(reasoning.find("## Solution\n") != std::string::npos);
                }
            }
        }
    }
    MESSAGE("think forms: ", forms["think"], " <think>, ", forms["THINKING"], " <THINKING>, ",
            forms["no opening tag"], " without an opening tag (", forms["two blocks"],
            " in two blocks); ", field, " in reasoning_content; ", wrong_drafts, " of ", drafts,
            " drafts differ from the answer");
    CHECK(forms["THINKING"] > 0);
    CHECK(forms["no opening tag"] > 0);
    CHECK(forms["two blocks"] > 0);
    CHECK(forms["think"] > forms["THINKING"]);
    CHECK(field > think / 3);
    CHECK(wrong_drafts >= drafts * 9 / 10);
}
