// The fake model's answers about a problem: solve, tests, bug, refactor, reflexion and its
// retries; and the canned replies of a model that does not know the problem.
#include "llm/reply_parser.hpp"
#include "tools/fake_model_detail.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace assay::tools::detail {

// ---- The canned replies of a model that does not know the problem (mostly wrong).

constexpr std::array<std::string_view, 5> kBodies{
    "return args[0] if args else None",
    "return sorted(args[0]) if args else []",
    "return sum(args[0]) if args else 0",
    "return len(args[0]) if args else 0",
    "result = []\n    for item in (args[0] if args else []):\n        result.append(item)\n    "
    "return result",
};

constexpr std::array<std::string_view, 4> kCppBodies{
    "return 0;",
    "return 1;",
    "int total = 0;\n    for (int i = 0; i < 3; ++i)\n        total += i;\n    return total;",
    "return -1;",
};

constexpr std::array<std::string_view, 4> kJsBodies{
    "return args.length > 0 ? args[0] : null;",
    "return args.length;",
    "return [...(args[0] ?? [])].sort();",
    "return args.flat().length;",
};

std::string canned_function(const std::string& name, std::uint64_t pick,
                            std::string_view language) {
    if (language == "cpp")
        return fmt::format("// Written by assay-fake-llm.\ntemplate <typename... Args>\nint "
                           "{}(Args... args) {{\n    {}\n}}\n",
                           name, kCppBodies[pick % kCppBodies.size()]);
    if (language == "javascript")
        return fmt::format("// Written by assay-fake-llm.\nfunction {}(...args) {{\n    {}\n}}\n",
                           name, kJsBodies[pick % kJsBodies.size()]);
    return fmt::format("def {}(*args):\n    \"\"\"Written by assay-fake-llm.\"\"\"\n    {}\n", name,
                       kBodies[pick % kBodies.size()]);
}

namespace {

// A call of `name` printed, as a model's "example usage" shows it.
std::string example_usage(std::string_view call, std::string_view language) {
    if (language == "cpp") return fmt::format("std::cout << {} << std::endl;\n", call);
    if (language == "javascript") return fmt::format("console.log({});\n", call);
    return fmt::format("print({})\n", call);
}

// A definition of `name` that does not parse.
std::string broken_function(std::string_view name, std::string_view language) {
    if (language == "cpp")
        return fmt::format("int {}(std::vector<int> v {{\n    return v[0] +\n", name);
    if (language == "javascript")
        return fmt::format("function {}(...args) {{\n    return args[0] +\n", name);
    return fmt::format("def {}(*args)\n    return args[0] +\n", name);
}

} // namespace

FakeReply canned_reply(const std::string& name, std::uint64_t h, std::string_view language) {
    const std::string code = canned_function(name, h >> 8, language);
    // The grammar's name is a fence tag of its descriptor (request_language gives a known one).
    const std::string tag(language);
    const std::uint64_t shape = h % 100;
    if (shape < 50)
        return {fmt::format("Here is an implementation of `{}`:\n\n{}\nIt handles the empty case.",
                            name, fenced(code, tag)),
                "stop"};
    if (shape < 65)
        return {fmt::format("Solution:\n\n{}\nExample usage:\n\n{}", fenced(code, tag),
                            fenced(example_usage(fmt::format("{}(3, 1, 2)", name), language), tag)),
                "stop"};
    if (shape < 80)
        return {
            fmt::format("This should work:\n\n{}", fenced(broken_function(name, language), tag)),
            "stop"};
    if (shape < 90)
        return {fmt::format("Let me think step by step.\n\n```{}\n{}", tag,
                            code.substr(0, code.size() / 2)),
                "length"};
    if (shape < 95) return {code, "stop"};
    return {fmt::format("Sure.\n\n{}", fenced(code, language == "python" ? "py" : tag, "~~~")),
            "stop"};
}

FakeReply untasked_reply(const FakeRequest& request, std::uint64_t h) {
    const std::string& prompt = request.last_user();
    if (prompt.find("ENTRY_POINT") == std::string::npos && prompt.find("def ") == std::string::npos)
        return {fmt::format("Good question. A general approach:\n\n{}\nAdapt it to your data.",
                            fenced(canned_function("solve", h))),
                "stop"};
    const std::string name = named_entry_point(prompt);
    return canned_reply(name.empty() ? "solve" : name, h);
}

std::string name_or_solve(const FakeRequest& request) {
    return request.entry_point.empty() ? "solve" : request.entry_point;
}

// ---- Picking variants of a program.

const syntax::Mutant* pick_mutant(const std::vector<syntax::Mutant>& all, Dice& dice,
                                  std::span<const std::string_view> prefer,
                                  const std::set<std::string>& avoid) {
    std::map<std::string_view, std::vector<const syntax::Mutant*>> by_kind;
    for (const syntax::Mutant& m : all)
        if (!avoid.contains(m.code)) by_kind[m.kind].push_back(&m);
    if (by_kind.empty()) return nullptr;
    std::vector<std::string_view> kinds;
    for (const std::string_view kind : prefer)
        if (by_kind.contains(kind)) kinds.push_back(kind);
    if (kinds.empty())
        for (const auto& [kind, mutants] : by_kind)
            kinds.push_back(kind);
    const auto& chosen = by_kind[kinds[dice.below(kinds.size())]];
    return chosen[dice.below(chosen.size())];
}

namespace {

// The mutation operators that make a bug of each category of bug.toml.
std::span<const std::string_view> operators_for(std::string_view category) {
    static constexpr std::array<std::string_view, 3> off_by_one{
        "boundary_off_by_one", "slice_bound_change", "loop_control_change"};
    static constexpr std::array<std::string_view, 1> comparison{"comparison_swap"};
    static constexpr std::array<std::string_view, 3> edge_case{
        "statement_deletion", "condition_negation", "return_value_change"};
    static constexpr std::array<std::string_view, 2> variable{"wrong_variable", "argument_swap"};
    static constexpr std::array<std::string_view, 3> operators{"arithmetic_swap", "and_or_swap",
                                                               "negation_removal"};
    static constexpr std::array<std::string_view, 1> initialisation{"constant_change"};
    static constexpr std::array<std::string_view, 3> early_return{
        "loop_control_change", "return_value_change", "statement_deletion"};
    struct Row {
        std::string_view category;
        std::span<const std::string_view> operators;
    };
    static const std::array<Row, 7> table{{
        {"off-by-one", off_by_one},
        {"wrong-comparison", comparison},
        {"missed-edge-case", edge_case},
        {"wrong-variable", variable},
        {"wrong-operator", operators},
        {"bad-initialisation", initialisation},
        {"early-return", early_return},
    }};
    for (const Row& row : table)
        if (row.category == category) return row.operators;
    return {};
}

// The program a bug or refactor prompt shows; the known reference when it shows none.
std::string program_of(const Context& c, const Problem* problem) {
    if (!c.request.program.empty()) return c.request.program;
    return problem != nullptr ? problem->solution : std::string();
}

std::string mutant_or(const Context& c, const Problem& p, const std::string& fallback,
                      const std::set<std::string>& avoid = {}) {
    const auto variants = c.knowledge.variants(p.solution, p.entry_point, p.language);
    const syntax::Mutant* m = pick_mutant(variants->mutants, c.dice, {}, avoid);
    return m != nullptr ? m->code : fallback;
}

constexpr std::array<std::string_view, 6> kSolveOpeners{
    "Here is a solution:",
    "Here's a straightforward implementation.",
    "Sure! This solves it in one pass:",
    "",
    "We can solve this directly; the function below also handles the edge cases.",
    "The idea is to process the input once and keep only what we need.",
};
constexpr std::array<std::string_view, 5> kSolveClosers{
    "",
    "The function runs in linear time in the size of the input.",
    "This handles the edge cases mentioned in the statement.",
    "Let me know if you want a version with more comments.",
    "",
};

// The request's language, for the problems it knows.
std::string language_of(const Context& c) {
    return request_language(c.request);
}

const Problem* problem_of(const Context& c) {
    return c.knowledge.find(c.request.entry_point, c.request.last_user(), language_of(c));
}

FakeReply solution_reply(const Context& c, const std::string& code) {
    return {framed(pick_line(c.dice, kSolveOpeners),
                   fenced(code, fence_tag(c.dice, language_of(c))),
                   pick_line(c.dice, kSolveClosers)),
            "stop"};
}

} // namespace

FakeReply write_solve(const Context& c) {
    const Problem* p = problem_of(c);
    const std::string language = language_of(c);
    if (p == nullptr) return canned_reply(name_or_solve(c.request), c.h, language);
    const std::size_t roll = c.dice.below(100);
    if (roll < 55) {
        const auto variants = c.knowledge.variants(p->solution, p->entry_point, p->language);
        if (c.dice.chance(35) && !variants->refactorings.empty())
            return solution_reply(
                c, variants->refactorings[c.dice.below(variants->refactorings.size())].code);
        return solution_reply(c, p->solution);
    }
    if (roll < 85) return solution_reply(c, mutant_or(c, *p, p->solution));
    if (roll < 95) {
        const std::vector<std::string> tests = assert_lines(*p);
        std::string call = tests.empty() ? std::string() : call_in(tests.front(), p->entry_point);
        if (call.empty()) call = fmt::format("{}()", p->entry_point);
        const std::string tag = fence_tag(c.dice, language);
        return {fmt::format("Solution:\n\n{}\nExample usage:\n\n{}", fenced(p->solution, tag),
                            fenced(example_usage(call, language), tag)),
                "stop"};
    }
    return {fmt::format("Let me think step by step.\n\nFirst, the edge cases; then the main "
                        "loop.\n\n```{}\n{}",
                        fence_tag(c.dice, language), p->solution.substr(0, p->solution.size() / 2)),
            "length"};
}

// Asserts about a function it does not know: they look right and mostly are not.
std::vector<std::string> guessed_asserts(const std::string& name, std::string_view language,
                                         std::size_t count, std::uint64_t h) {
    constexpr std::array<std::string_view, 6> python{"assert {}([]) == []",
                                                     "assert {}([1]) == [1]",
                                                     "assert {}('') == ''",
                                                     "assert {}(0) == 0",
                                                     "assert {}([3, 1, 2]) == [1, 2, 3]",
                                                     "assert {}('abc') == 'abc'"};
    constexpr std::array<std::string_view, 6> cpp{
        "assert({}(0) == 0);",
        "assert({}(1) == 1);",
        "assert({}(std::vector<int>{{}}) == std::vector<int>{{}});",
        "assert({}(std::string(\"\")) == std::string(\"\"));",
        "assert({}(-1) == 1);",
        "assert({}(std::vector<int>{{3, 1, 2}}) == std::vector<int>{{1, 2, 3}});"};
    constexpr std::array<std::string_view, 6> javascript{
        "assert.deepStrictEqual({}([]), []);",
        "assert.deepStrictEqual({}([1]), [1]);",
        "assert.strictEqual({}(''), '');",
        "assert.strictEqual({}(0), 0);",
        "assert.deepStrictEqual({}([3, 1, 2]), [1, 2, 3]);",
        "assert.strictEqual({}('abc'), 'abc');"};
    const auto& forms = language == "cpp" ? cpp : language == "javascript" ? javascript : python;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < std::min<std::size_t>(forms.size(), count); ++i)
        lines.push_back(fmt::format(fmt::runtime(forms[(i + h) % forms.size()]), name));
    return lines;
}

FakeReply write_tests(const Context& c) {
    const Problem* p = problem_of(c);
    const std::string language = language_of(c);
    const int count = std::clamp(c.request.count > 0 ? c.request.count : 8, 1, 50);
    std::vector<std::string> lines = p != nullptr ? assert_lines(*p) : std::vector<std::string>{};
    std::string setup;
    if (lines.empty()) {
        lines = guessed_asserts(name_or_solve(c.request), language, count, c.h);
    } else {
        for (const std::string_view line : lines_of(p->test_setup))
            if (line.starts_with("import ") || line.starts_with("from "))
                setup += fmt::format("{}\n", line);
        if (lines.size() > static_cast<std::size_t>(count)) lines.resize(count);
        if (c.dice.below(4) == 0) {
            std::string& victim = lines[c.dice.below(lines.size())];
            victim = wrong_expectation(victim, p->language);
        }
    }
    std::string block = setup;
    for (const std::string& line : lines)
        block += line + "\n";
    constexpr std::array<std::string_view, 4> openers{
        "", "Here are the tests:", "These cover ordinary inputs and the edge cases:",
        "Sure, here are unit tests for it."};
    return {framed(pick_line(c.dice, openers), fenced(block, fence_tag(c.dice, language)), ""),
            "stop"};
}

FakeReply write_bug(const Context& c) {
    const Problem* p = problem_of(c);
    const std::string language = language_of(c);
    const std::string code = program_of(c, p);
    if (code.empty()) return canned_reply(name_or_solve(c.request), c.h, language);
    const auto variants = c.knowledge.variants(code, c.request.entry_point, language);
    const syntax::Mutant* m = c.dice.chance(10) ? nullptr
                                                : pick_mutant(variants->mutants, c.dice,
                                                              operators_for(c.request.category));
    constexpr std::array<std::string_view, 4> openers{
        "", "Here is the buggy version:", "Here is the program with one bug:", ""};
    const std::string_view opener = pick_line(c.dice, openers);
    if (m == nullptr) // a "bug" that is none: the same program, and a claim
        return {framed(opener, fenced(code, fence_tag(c.dice, language)),
                       "I changed the loop so that it stops one step too early."),
                "stop"};
    return {framed(opener, fenced(m->code, fence_tag(c.dice, language)),
                   fmt::format("The bug ({}) is on {}.",
                               c.request.category.empty() ? m->kind : c.request.category,
                               m->description)),
            "stop"};
}

FakeReply write_refactor(const Context& c) {
    const Problem* p = problem_of(c);
    const std::string language = language_of(c);
    const std::string code = program_of(c, p);
    if (code.empty()) return canned_reply(name_or_solve(c.request), c.h, language);
    const auto variants = c.knowledge.variants(code, c.request.entry_point, language);
    constexpr std::array<std::string_view, 4> openers{
        "Here is the refactored program:", "",
        "Sure. The behaviour is unchanged:", "I kept the name and the signature:"};
    const std::string_view opener = pick_line(c.dice, openers);
    if (c.dice.chance(10)) // a refactoring that breaks the program
        if (const syntax::Mutant* m = pick_mutant(variants->mutants, c.dice))
            return {framed(opener, fenced(m->code, fence_tag(c.dice, language)),
                           "I simplified the main condition."),
                    "stop"};
    if (variants->refactorings.empty())
        return {framed(opener,
                       fenced(fmt::format("{} Refactored: the same logic, laid out plainly.\n{}",
                                          language == "python" ? "#" : "//", code),
                              fence_tag(c.dice, language)),
                       "The code was already simple, so I mostly left it as it was."),
                "stop"};
    const syntax::Refactoring& r =
        variants->refactorings[c.dice.below(variants->refactorings.size())];
    return {framed(opener, fenced(r.code, fence_tag(c.dice, language)),
                   fmt::format("What changed: {}.", r.description)),
            "stop"};
}

FakeReply write_reflexion(const Context& c) {
    const Problem* p = problem_of(c);
    if (p == nullptr) return canned_reply(name_or_solve(c.request), c.h, language_of(c));
    return solution_reply(c, c.dice.chance(60) ? mutant_or(c, *p, p->solution) : p->solution);
}

namespace {

// The first line of test feedback that holds an assert, else the first that shows an error,
// else its first line.
std::string first_failing_line(std::string_view feedback) {
    const std::vector<std::string_view> lines = lines_of(feedback);
    for (const auto& signs :
         {std::vector<std::string_view>{"assert"},
          std::vector<std::string_view>{"Error", "error", "fail", "FAIL", "expected"},
          std::vector<std::string_view>{""}})
        for (const std::string_view line : lines)
            for (const std::string_view sign : signs)
                if (!line.empty() && line.find(sign) != std::string_view::npos)
                    return std::string(util::utf8_prefix(line, 200));
    return {};
}

} // namespace

FakeReply write_retry(const Context& c) {
    const FakeRequest& r = c.request;
    const std::string language = language_of(c);
    const Problem* p =
        c.knowledge.find(r.entry_point, r.user.empty() ? "" : r.user.front(), language);
    const std::string quoted = first_failing_line(r.feedback.empty() ? r.last_user() : r.feedback);
    constexpr std::array<std::string_view, 4> causes{
        "my loop stopped one element too early",
        "I compared with the wrong operator at the boundary",
        "I returned before the last case was handled",
        "my accumulator started at the wrong value",
    };
    const std::string reflection = fmt::format(
        "The first failing check was:\n\n> {}\n\nMy program gets this case wrong because {}. I "
        "traced the function by hand on that input, found where the result goes wrong, and fixed "
        "it without breaking the cases that already passed.",
        quoted.empty() ? "(no details were given)" : quoted, pick_line(c.dice, causes));
    if (p == nullptr)
        return {framed(reflection,
                       fenced(canned_function(name_or_solve(r), c.h, language),
                              fence_tag(c.dice, language)),
                       ""),
                "stop"};
    std::string code = p->solution;
    if (!c.dice.chance(70)) {
        std::set<std::string> earlier;
        for (const std::string& attempt : r.assistant)
            if (auto extracted = llm::extract_code(attempt, {p->language, p->entry_point}))
                earlier.insert(with_newline(extracted->code));
        const auto variants = c.knowledge.variants(p->solution, p->entry_point, p->language);
        std::set<std::string> avoid;
        for (const syntax::Mutant& m : variants->mutants)
            if (earlier.contains(with_newline(m.code))) avoid.insert(m.code);
        code = mutant_or(c, *p, p->solution, avoid);
    }
    return {
        framed(reflection, fenced(code, fence_tag(c.dice, language)), "This version should pass."),
        "stop"};
}

} // namespace assay::tools::detail
