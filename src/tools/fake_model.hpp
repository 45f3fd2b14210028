// The model behind assay-fake-llm: it answers every prompt of src/llm/prompts/ the way a real
// model would — right most of the time, plausibly wrong some of the time — from problems it
// knows (the bank, benchmarks) and a pool of problems it "invents". Every reply is a pure
// function of (seed, request): the same request always gets the same reply, and requests that
// differ in anything (their `seed` field included) get independent draws.
//
// Replies by the `### Task:` kind of the last user message (rough shares):
//   instruct, evolve  an invention (steered to the prompt's topic, or to the topics of the
//                     problem being evolved) in the section format; 10% its solution is a mutant,
//                     10% a near copy of a known problem the prompt shows as an example, 5% one
//                     section missing
//   solve             known problem: 55% the reference (about a third of them refactored), 30% a
//                     mutant, 10% the reference plus an "example usage" block, 5% cut mid-block
//                     (finish_reason "length")
//   tests             the problem's assert lines (visible then hidden, up to the count asked
//                     for); in 1 of 4 replies one has a wrong expected value
// in the language the request names (`### Language:`; Python when it names none): the problems
// of that language first, its fences, its canned code and its inventions.
//   bug               the prompt's program with one mutation, preferring the operators of the
//                     asked category, and a sentence naming the change; 10% the program unchanged
//   refactor          one of syntax::refactorings() of the prompt's program; 10% a mutant
//   reflexion         known problem: 60% a mutant, else the reference
//   reflexion-retry   a reflection quoting the first failing line of the feedback, then 70% the
//                     reference, else a mutant unlike the earlier attempts
// Anything else (no task line, an unknown kind, a problem it does not know): canned, mostly
// wrong code for the function the prompt names. A reply longer than about four characters per
// `max_tokens` is cut, with finish_reason "length".
//
// As a reasoning model (ReasoningMode), every reply also has reasoning before its answer: a few
// lines of prose around a plausible wrong draft of the answer's code (a mutant of it, or for a
// tests reply asserts with wrong expected values), in a fenced block whose first line is
// kDraftMarker; for instruct and evolve under a `## Solution` heading. The answer itself is the
// reply of the mode off, byte for byte.
#pragma once

#include "core/problem.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace assay::tools {

struct FakeReply {
    std::string content;
    std::string finish_reason; // "stop" or "length"
    std::string reasoning;     // the message's `reasoning_content`; "" when it has none
};

// Where a reasoning model's reasoning goes. `think`: a think block before the answer in the
// content, of one of the forms servers send (drawn per reply: `<think>…</think>` 60%,
// `<THINKING>…</THINKING>` 15%, the opening tag stripped (`…</think>`) 15%, two blocks 10%);
// `field`: `reasoning_content`, the content being the answer alone; `both`: each reply draws
// one of the two, half and half.
enum class ReasoningMode { off, think, field, both };

// "think", "field" or "both" (and "off"); fails naming the choices.
[[nodiscard]] Expected<ReasoningMode> parse_reasoning_mode(std::string_view name);

// The first line of every draft in a fake reasoning: a comment no answer ever holds, so a draft
// that leaks into a record is found by it.
constexpr std::string_view kDraftMarker = "# assay-fake-draft: a first attempt, not checked";

class FakeModel {
  public:
    // Knows nothing: every reply is canned (instruct and evolve get one built-in exercise).
    FakeModel();
    // `known`: problems it can solve, test, break and refactor, looked up by entry point.
    // `inventions`: problems it offers as new exercises; it knows them too.
    FakeModel(std::vector<Problem> known, std::vector<Problem> inventions);

    // Reads `problems` (files or directories in any format dataset::load_problems reads,
    // detected per path) and `inventions` (native-format files or directories). Fails naming
    // the file when one does not load.
    [[nodiscard]] static Expected<FakeModel>
    load(const std::vector<std::filesystem::path>& problems,
         const std::vector<std::filesystem::path>& inventions);

    // The reply to a chat-completions request body. Never throws; any JSON is a request.
    // Safe to call from many threads at once.
    // `reasoning` other than off adds the reasoning (above), drawn from (seed, request) apart
    // from the answer.
    [[nodiscard]] FakeReply reply(std::uint64_t seed, const nlohmann::json& request,
                                  ReasoningMode reasoning = ReasoningMode::off) const;

    // The known problem (inventions included) whose entry point is `entry_point`, of `language`
    // when one is; when several share it, the first whose prompt's first line occurs in
    // `context`, else the first loaded.
    // nullptr when there is none. Valid as long as this model (or a copy) lives.
    [[nodiscard]] const Problem* find(std::string_view entry_point, std::string_view context = {},
                                      std::string_view language = "python") const;

    [[nodiscard]] std::size_t known_count() const; // inventions included
    [[nodiscard]] std::size_t invention_count() const;

    // The problems, their index by entry point and a cache of their mutants and refactorings;
    // defined in fake_model_detail.hpp.
    struct Knowledge;

  private:
    std::shared_ptr<Knowledge> knowledge_; // shared by copies; holds a locked mutant cache
};

// The assert lines a problem's tests give as one-line statements calling the entry point
// (HumanEval's `candidate` renamed to it), visible first. What a `tests` reply draws from.
// Python's are `assert` statements; C++'s and JavaScript's any one-line statement.
[[nodiscard]] std::vector<std::string> assert_lines(const Problem& problem);

// `line` (an assertion in `language`) with its expected value changed so that a correct function
// fails it: a literal nudged (n → n+1, 'a' → 'ax', True ↔ False (true ↔ false), a container
// loses its last item), else `==` → `!=` (JavaScript: `strictEqual` → `notStrictEqual`, …),
// else the condition negated.
[[nodiscard]] std::string wrong_expectation(std::string_view line,
                                            std::string_view language = "python");

} // namespace assay::tools
