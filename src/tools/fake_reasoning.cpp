// The fake model as a reasoning model (fake_model.hpp): prose and a plausible wrong draft of the
// answer's code before the answer, in a think block or in `reasoning_content`.
#include "llm/reply_parser.hpp"
#include "tools/fake_model_detail.hpp"

#include <array>
#include <fmt/format.h>

namespace assay::tools {

Expected<ReasoningMode> parse_reasoning_mode(std::string_view name) {
    constexpr std::array<std::pair<std::string_view, ReasoningMode>, 4> kModes{{
        {"off", ReasoningMode::off},
        {"think", ReasoningMode::think},
        {"field", ReasoningMode::field},
        {"both", ReasoningMode::both},
    }};
    for (const auto& [mode_name, mode] : kModes)
        if (mode_name == name) return mode;
    return fail("unknown reasoning mode '{}' (expected think, field or both)", name);
}

namespace detail {

namespace {

constexpr std::array<std::string_view, 4> kOpenings{
    "Let me work out what `{}` has to do before writing it.",
    "The task is `{}`. I should check the edge cases first.",
    "Okay, so I need `{}`. Let me sketch something quickly.",
    "Hmm, `{}` — let me think about the examples.",
};
constexpr std::array<std::string_view, 3> kDoubts{
    "Wait, that is not right: it fails on one of the cases. Let me fix it.",
    "Hmm, checking it against the examples, the draft gets one wrong. The final version "
    "below corrects that.",
    "No, that draft breaks on an edge case. Let me redo it properly.",
};

// The name of the first function `code` defines (`def name(` at a line start), or "".
std::string first_function(std::string_view code) {
    for (const std::string_view line : lines_of(code)) {
        if (!line.starts_with("def ")) continue;
        const std::string_view rest = line.substr(4);
        const std::size_t paren = rest.find('(');
        if (paren != std::string_view::npos) return std::string(trim(rest.substr(0, paren)));
    }
    return {};
}

// The code of the answer: its first fenced block holding `needle`, else the answer from its
// first line starting with it (bare code), else "".
std::string code_of(std::string_view answer, std::string_view needle) {
    for (const llm::CodeBlock& block : llm::fenced_blocks(answer))
        if (block.code.find(needle) != std::string::npos) return block.code;
    std::size_t at = answer.starts_with(needle) ? 0 : answer.find(fmt::format("\n{}", needle));
    if (at == std::string_view::npos) return {};
    return std::string(answer.substr(at == 0 ? 0 : at + 1));
}

// A wrong version of a function: a mutant of it, else a canned (wrong) function of its name.
std::string wrong_function(const FakeModel::Knowledge& knowledge, const std::string& code,
                           const std::string& name, Dice& dice) {
    const auto variants = knowledge.variants(code, name, "python");
    if (const syntax::Mutant* mutant = pick_mutant(variants->mutants, dice))
        return with_newline(mutant->code);
    return canned_function(name, dice.next());
}

// Wrong versions of a tests reply's asserts, and one that names the draft in a string (a test
// block keeps only asserts, not comments).
std::string wrong_tests(const std::string& code, const std::string& name) {
    std::string out;
    int kept = 0;
    for (const std::string_view line : lines_of(code))
        if (line.starts_with("assert ") && kept++ < 4) out += wrong_expectation(line) + "\n";
    out += fmt::format("assert {}(0) != 'assay-fake-draft'\n", name.empty() ? "solve" : name);
    return out;
}

// The reasoning: prose, the draft fenced (under a heading for the exercise kinds), more prose.
std::string reasoning_text(const FakeModel::Knowledge& knowledge, const FakeRequest& request,
                           const FakeReply& answer, Dice& dice) {
    std::string name;
    std::string draft;
    if (std::string code = code_of(answer.content, "def "); !code.empty()) {
        const bool named =
            !request.entry_point.empty() &&
            code.find(fmt::format("def {}(", request.entry_point)) != std::string::npos;
        name = named ? request.entry_point : first_function(code);
        draft = name.empty() ? canned_function("solve", dice.next())
                             : wrong_function(knowledge, code, name, dice);
    } else if (code = code_of(answer.content, "assert "); !code.empty()) {
        name = request.entry_point;
        draft = wrong_tests(code, name);
    } else {
        name = name_or_solve(request);
        draft = canned_function(name, dice.next());
    }
    const bool exercise = request.kind == "instruct" || request.kind == "evolve";
    return fmt::format("{}\n\n{}A first draft:\n\n{}\n{}",
                       fmt::format(fmt::runtime(dice.pick<std::string_view>(kOpenings)),
                                   name.empty() ? "solve" : name),
                       exercise ? "## Solution\n" : "",
                       fenced(fmt::format("{}\n{}", kDraftMarker, draft)),
                       dice.pick<std::string_view>(kDoubts));
}

// The reasoning as a think block of one of the forms servers send.
std::string think_block(const std::string& reasoning, Dice& dice) {
    const std::size_t form = dice.below(100);
    if (form < 60) return fmt::format("<think>\n{}\n</think>\n\n", reasoning);
    if (form < 75) return fmt::format("<THINKING>\n{}\n</THINKING>\n\n", reasoning);
    if (form < 90) return fmt::format("{}\n</think>\n\n", reasoning);
    const std::size_t cut = reasoning.find("\n\n");
    return fmt::format("<think>\n{}\n</think>\n<think>\n{}\n</think>\n\n", reasoning.substr(0, cut),
                       reasoning.substr(cut + 2));
}

} // namespace

FakeReply with_reasoning(const FakeModel::Knowledge& knowledge, const FakeRequest& request,
                         FakeReply answer, ReasoningMode mode, std::uint64_t h) {
    Dice dice(h);
    const std::string reasoning = reasoning_text(knowledge, request, answer, dice);
    const bool field =
        mode == ReasoningMode::field || (mode == ReasoningMode::both && dice.chance(50));
    if (field)
        answer.reasoning = reasoning;
    else
        answer.content = think_block(reasoning, dice) + answer.content;
    return answer;
}

} // namespace detail

} // namespace assay::tools
