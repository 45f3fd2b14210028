#include "tools/fake_model.hpp"

#include "dataset/problem_files.hpp"
#include "llm/reply_parser.hpp"
#include "syntax/mutate.hpp"
#include "syntax/refactor.hpp"
#include "tools/fake_request.hpp"
#include "util/hash.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>

namespace assay::tools {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPython = "python";
// Programs longer than this are not mutated or refactored (a hostile prompt must not make the
// fake quadratic); real solutions are far shorter.
constexpr std::size_t kMaxProgram = std::size_t{8} * 1024;
// At most this many mutants of one program are considered.
constexpr std::size_t kMaxMutants = 64;
// Exercises show at most this many tests (instruct.toml asks for 6 to 12).
constexpr std::size_t kMaxExerciseTests = 12;

// A uniform 64-bit number determined by `parts`.
std::uint64_t draw(const std::vector<std::string_view>& parts) {
    return std::stoull(util::content_hash_parts(parts).substr(0, 16), nullptr, 16);
}

// The draws of one reply: splitmix64 from the hash of (seed, request).
class Dice {
  public:
    explicit Dice(std::uint64_t state) : state_(state) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
    bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
    template <typename T> const T& pick(std::span<const T> items) {
        return items[below(items.size())];
    }

  private:
    std::uint64_t state_;
};

// The lines of `text`, each trimmed.
std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        out.push_back(trim(text.substr(0, end)));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return out;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string with_newline(std::string_view code) {
    std::string out(code);
    if (out.empty() || out.back() != '\n') out += '\n';
    return out;
}

std::string fenced(std::string_view code, std::string_view tag = "python",
                   std::string_view fence = "```") {
    return fmt::format("{}{}\n{}{}\n", fence, tag, with_newline(code), fence);
}

// How a model tags its code: mostly ```python, sometimes ```py or nothing.
std::string fence_tag(Dice& dice) {
    const std::size_t roll = dice.below(100);
    return roll < 80 ? "python" : roll < 90 ? "py" : "";
}

// Prose around a block: `before` + block + `after`, each part optional.
std::string framed(std::string_view before, std::string_view block, std::string_view after) {
    std::string out;
    if (!before.empty()) out += fmt::format("{}\n\n", before);
    out += block;
    if (!after.empty()) out += fmt::format("\n{}\n", after);
    return out;
}

std::string_view pick_line(Dice& dice, std::span<const std::string_view> lines) {
    return dice.pick(lines);
}

// ---- The canned replies of a model that does not know the problem (mostly wrong).

constexpr std::array<std::string_view, 5> kBodies{
    "return args[0] if args else None",
    "return sorted(args[0]) if args else []",
    "return sum(args[0]) if args else 0",
    "return len(args[0]) if args else 0",
    "result = []\n    for item in (args[0] if args else []):\n        result.append(item)\n    "
    "return result",
};

std::string canned_function(const std::string& name, std::uint64_t pick) {
    return fmt::format("def {}(*args):\n    \"\"\"Written by assay-fake-llm.\"\"\"\n    {}\n", name,
                       kBodies[pick % kBodies.size()]);
}

// The shapes real replies take, in rough proportion (out of 100).
FakeReply canned_reply(const std::string& name, std::uint64_t h) {
    const std::string code = canned_function(name, h >> 8);
    const std::uint64_t shape = h % 100;
    if (shape < 50)
        return {fmt::format("Here is an implementation of `{}`:\n\n{}\nIt handles the empty case.",
                            name, fenced(code)),
                "stop"};
    if (shape < 65)
        return {fmt::format("Solution:\n\n{}\nExample usage:\n\n{}", fenced(code),
                            fenced(fmt::format("print({}([3, 1, 2]))\n", name))),
                "stop"};
    if (shape < 80)
        return {fmt::format("This should work:\n\n{}",
                            fenced(fmt::format("def {}(*args)\n    return args[0] +\n", name))),
                "stop"};
    if (shape < 90)
        return {fmt::format("Let me think step by step.\n\n```python\n{}",
                            code.substr(0, code.size() / 2)),
                "length"};
    if (shape < 95) return {code, "stop"};
    return {fmt::format("Sure.\n\n{}", fenced(code, "py", "~~~")), "stop"};
}

// A request without a task line: the behaviour assay-fake-llm always had.
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

// One of `all`: an operator drawn uniformly among those present (among `prefer` when one of
// those is present), then one of its mutants; never one whose code is in `avoid`.
const syntax::Mutant* pick_mutant(const std::vector<syntax::Mutant>& all, Dice& dice,
                                  std::span<const std::string_view> prefer = {},
                                  const std::set<std::string>& avoid = {}) {
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

// Operators whose mutants nearly always fail a problem's tests: what an "unverifiable"
// exercise gets.
constexpr std::array<std::string_view, 4> kLoudOperators{"return_value_change", "comparison_swap",
                                                         "arithmetic_swap", "boundary_off_by_one"};

// The call of `name` in an assert line, e.g. "f(1, [2])" from "assert f(1, [2]) == 3".
std::string call_in(std::string_view line, std::string_view name) {
    const std::size_t at = line.find(fmt::format("{}(", name));
    if (at == std::string_view::npos) return {};
    int depth = 0;
    char quote = 0;
    for (std::size_t i = at + name.size(); i < line.size(); ++i) {
        const char c = line[i];
        if (quote != 0) {
            if (c == '\\')
                ++i;
            else if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(' || c == '[' || c == '{') {
            ++depth;
        } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
            return std::string(line.substr(at, i + 1 - at));
        }
    }
    return {};
}

// ---- Finding the top level of an expression (outside brackets and string literals).

// Calls `visit(index, depth)` for every character outside string literals; stops when it
// returns false.
template <typename Visit> void scan_code(std::string_view text, Visit visit) {
    int depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\'' || c == '"') {
            const bool triple = text.substr(i, 3) == std::string(3, c);
            const std::string_view close = triple ? text.substr(i, 3) : text.substr(i, 1);
            std::size_t j = i + close.size();
            while (j < text.size() && text.substr(j, close.size()) != close)
                j += text[j] == '\\' ? 2 : 1;
            i = std::min(text.size(), j + close.size()) - 1;
            continue;
        }
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') --depth;
        if (!visit(i, depth)) return;
    }
}

std::size_t top_level_find(std::string_view text, std::string_view token) {
    std::size_t found = std::string_view::npos;
    scan_code(text, [&](std::size_t i, int depth) {
        if (depth == 0 && text.substr(i, token.size()) == token) {
            found = i;
            return false;
        }
        return true;
    });
    return found;
}

std::vector<std::string_view> top_level_items(std::string_view inner) {
    std::vector<std::string_view> items;
    std::size_t start = 0;
    scan_code(inner, [&](std::size_t i, int depth) {
        if (depth == 0 && inner[i] == ',') {
            items.push_back(trim(inner.substr(start, i - start)));
            start = i + 1;
        }
        return true;
    });
    if (!trim(inner.substr(start)).empty()) items.push_back(trim(inner.substr(start)));
    return items;
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A literal changed to a different value of the same kind, or "" when `value` is no literal.
std::string nudged(std::string_view value) {
    value = trim(value);
    if (value == "True") return "False";
    if (value == "False") return "True";
    if (value == "None") return "0";
    const std::string_view digits = value.starts_with('-') ? value.substr(1) : value;
    if (all_digits(digits)) {
        if (digits.size() > 17) return fmt::format("{}1", value);
        return std::to_string(std::stoll(std::string(value)) + 1);
    }
    if (const std::size_t dot = digits.find('.'); dot != std::string_view::npos &&
                                                  all_digits(digits.substr(0, dot)) &&
                                                  all_digits(digits.substr(dot + 1)))
        return fmt::format("{}1", value);
    std::size_t prefix = 0;
    while (prefix < value.size() && prefix < 2 &&
           std::string_view("bBrRuU").find(value[prefix]) != std::string_view::npos)
        ++prefix;
    if (value.size() >= prefix + 2 && (value[prefix] == '\'' || value[prefix] == '"') &&
        value.back() == value[prefix] && value.substr(prefix, 3) != std::string(3, value[prefix])) {
        // One literal, not "'a' + 'b'": nothing after the prefix lies outside a string.
        bool single = true;
        scan_code(value, [&](std::size_t i, int) {
            single = i < prefix;
            return single;
        });
        if (single) return fmt::format("{}x{}", value.substr(0, value.size() - 1), value.back());
        return {};
    }
    if (value.size() < 2) return {};
    const char open = value.front();
    const char close = value.back();
    if (!((open == '[' && close == ']') || (open == '(' && close == ')') ||
          (open == '{' && close == '}')))
        return {};
    // One bracketed group, not "(a) + (b)".
    bool single = true;
    scan_code(value, [&](std::size_t i, int depth) {
        if (depth == 0 && i + 1 < value.size()) single = false;
        return single;
    });
    if (!single) return {};
    const std::vector<std::string_view> items = top_level_items(value.substr(1, value.size() - 2));
    if (items.empty()) return open == '[' ? "[0]" : open == '(' ? "(0,)" : "{0: 0}";
    std::string kept;
    for (std::size_t i = 0; i + 1 < items.size(); ++i)
        kept += fmt::format("{}{}", i == 0 ? "" : ", ", items[i]);
    if (open == '(')
        return items.size() == 2 ? fmt::format("({},)", kept) : fmt::format("({})", kept);
    if (open == '{' && kept.empty())
        return top_level_find(items[0], ":") == std::string_view::npos ? "set()" : "{}";
    return fmt::format("{}{}{}", open, kept, close);
}

// ---- Exercises in the section format of instruct.toml.

struct Exercise {
    std::string title;
    std::string entry_point;
    std::string statement;
    std::string solution;
    std::vector<std::string> tests;
};

Exercise exercise_of(const Problem& p) {
    std::vector<std::string> tests = assert_lines(p);
    if (tests.size() > kMaxExerciseTests) tests.resize(kMaxExerciseTests);
    return {p.title, p.entry_point, std::string(trim(p.prompt)), p.solution, std::move(tests)};
}

// The exercise instruct and evolve fall back on when the model invented nothing.
Exercise builtin_exercise() {
    return {
        "Sum of even squares",
        "sum_even_squares",
        "Write a function `sum_even_squares(values: list) -> int` that returns the sum of the "
        "squares of the even integers in `values`.\n\nExamples:\n- "
        "`sum_even_squares([1, 2, 3, 4])` returns `20`\n- `sum_even_squares([])` returns `0`",
        "def sum_even_squares(values: list) -> int:\n    return sum(v * v for v in values if v % "
        "2 == 0)\n",
        {"assert sum_even_squares([1, 2, 3, 4]) == 20", "assert sum_even_squares([]) == 0",
         "assert sum_even_squares([1, 3, 5]) == 0", "assert sum_even_squares([-2]) == 4",
         "assert sum_even_squares([0, 0]) == 0", "assert sum_even_squares([10, 1]) == 100"}};
}

enum class Section { title, entry_point, problem, solution, tests };
constexpr std::array kSections{Section::title, Section::entry_point, Section::problem,
                               Section::solution, Section::tests};

std::string render(const Exercise& e, Dice& dice, std::optional<Section> missing) {
    std::string out;
    const auto add = [&](Section section, std::string_view heading, const std::string& body) {
        if (missing != section) out += fmt::format("## {}\n{}\n\n", heading, body);
    };
    add(Section::title, "Title", e.title);
    add(Section::entry_point, "Entry point",
        dice.chance(10) ? fmt::format("`{}`", e.entry_point) : e.entry_point);
    add(Section::problem, "Problem", e.statement);
    add(Section::solution, "Solution", std::string(trim(fenced(e.solution, fence_tag(dice)))));
    std::string tests;
    for (const std::string& t : e.tests)
        tests += t + "\n";
    add(Section::tests, "Tests", std::string(trim(fenced(tests, fence_tag(dice)))));
    return std::string(trim(out)) + "\n";
}

// The bank's topic names that instruct.toml spells otherwise.
std::vector<std::string> with_aliases(std::vector<std::string> topics) {
    static const std::map<std::string_view, std::vector<std::string>> aliases{
        {"math", {"arithmetic", "number-theory"}},
        {"collections", {"hashing"}},
        {"text-formats", {"parsing", "text-processing"}},
    };
    for (std::size_t i = 0, n = topics.size(); i < n; ++i)
        if (const auto it = aliases.find(lower(topics[i])); it != aliases.end())
            topics.insert(topics.end(), it->second.begin(), it->second.end());
    return topics;
}

// Whether a problem's topics meet `wanted`: the same name, or a shared word of four letters or
// more ("stacks" meets "stacks-queues", "dates" meets "dates-and-times").
bool topic_matches(const std::vector<std::string>& topics, const std::vector<std::string>& wanted) {
    const auto words = [](std::string_view topic) {
        std::set<std::string> out;
        std::size_t start = 0;
        for (std::size_t i = 0; i <= topic.size(); ++i) {
            if (i == topic.size() || topic[i] == '-' || topic[i] == ' ' || topic[i] == '_') {
                if (i - start >= 4) out.insert(lower(topic.substr(start, i - start)));
                start = i + 1;
            }
        }
        return out;
    };
    for (const std::string& w : wanted) {
        const auto wanted_words = words(w);
        for (const std::string& t : topics) {
            if (lower(t) == lower(w)) return true;
            for (const std::string& word : words(t))
                if (wanted_words.contains(word)) return true;
        }
    }
    return false;
}

} // namespace

// ---- Knowledge.

struct FakeModel::Knowledge {
    std::vector<Problem> problems; // the known ones, then the inventions
    std::size_t first_invention = 0;
    std::map<std::string, std::vector<std::size_t>, std::less<>> by_entry_point;

    // Mutants and refactorings per (program, entry point), computed once.
    struct Variants {
        std::vector<syntax::Mutant> mutants;
        std::vector<syntax::Refactoring> refactorings;
    };
    mutable std::mutex mutex;
    mutable std::map<std::string, std::shared_ptr<const Variants>> variants_cache;

    std::shared_ptr<const Variants> variants(std::string_view code,
                                             std::string_view entry_point) const {
        const std::string key = util::content_hash_parts({code, entry_point});
        {
            std::lock_guard lock(mutex);
            if (const auto it = variants_cache.find(key); it != variants_cache.end())
                return it->second;
        }
        auto computed = std::make_shared<Variants>();
        if (code.size() <= kMaxProgram) {
            computed->mutants = syntax::sample_mutants(kPython, code, entry_point, kMaxMutants, 0);
            computed->refactorings = syntax::refactorings(kPython, code, entry_point);
        }
        std::lock_guard lock(mutex);
        if (variants_cache.size() >= 4096) variants_cache.clear();
        return variants_cache.emplace(key, std::move(computed)).first->second;
    }

    const Problem* find(std::string_view entry_point, std::string_view context) const {
        const auto it = by_entry_point.find(entry_point);
        if (it == by_entry_point.end()) return nullptr;
        for (const std::size_t index : it->second) {
            const std::string_view prompt = trim(problems[index].prompt);
            const std::string_view first = trim(prompt.substr(0, prompt.find('\n')));
            if (first.size() >= 16 && context.find(first) != std::string_view::npos)
                return &problems[index];
        }
        return &problems[it->second.front()];
    }

    std::span<const Problem> inventions() const {
        return std::span<const Problem>(problems).subspan(first_invention);
    }
};

namespace {

using Knowledge = FakeModel::Knowledge;

struct Context {
    const Knowledge& knowledge;
    const FakeRequest& request;
    Dice& dice;
    std::uint64_t h; // the reply's hash, for the canned replies
};

// The program a bug or refactor prompt shows; the known reference when it shows none.
std::string program_of(const Context& c, const Problem* problem) {
    if (!c.request.program.empty()) return c.request.program;
    return problem != nullptr ? problem->solution : std::string();
}

std::string mutant_or(const Context& c, const Problem& p, const std::string& fallback,
                      const std::set<std::string>& avoid = {}) {
    const auto variants = c.knowledge.variants(p.solution, p.entry_point);
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

FakeReply solution_reply(const Context& c, const std::string& code) {
    return {framed(pick_line(c.dice, kSolveOpeners), fenced(code, fence_tag(c.dice)),
                   pick_line(c.dice, kSolveClosers)),
            "stop"};
}

FakeReply write_solve(const Context& c) {
    const Problem* p = c.knowledge.find(c.request.entry_point, c.request.last_user());
    if (p == nullptr) return canned_reply(name_or_solve(c.request), c.h);
    const std::size_t roll = c.dice.below(100);
    if (roll < 55) {
        const auto variants = c.knowledge.variants(p->solution, p->entry_point);
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
        return {fmt::format("Solution:\n\n{}\nExample usage:\n\n{}",
                            fenced(p->solution, fence_tag(c.dice)),
                            fenced(fmt::format("print({})", call), "python")),
                "stop"};
    }
    return {fmt::format("Let me think step by step.\n\nFirst, the edge cases; then the main "
                        "loop.\n\n```python\n{}",
                        p->solution.substr(0, p->solution.size() / 2)),
            "length"};
}

FakeReply write_tests(const Context& c) {
    const Problem* p = c.knowledge.find(c.request.entry_point, c.request.last_user());
    const int count = std::clamp(c.request.count > 0 ? c.request.count : 8, 1, 50);
    std::vector<std::string> lines = p != nullptr ? assert_lines(*p) : std::vector<std::string>{};
    std::string setup;
    if (lines.empty()) {
        // A problem it does not know: asserts that look right and mostly are not.
        const std::string name = name_or_solve(c.request);
        constexpr std::array<std::string_view, 6> guesses{
            "[]) == []",      "[1]) == [1]", "'') == ''", "0) == 0", "[3, 1, 2]) == [1, 2, 3]",
            "'abc') == 'abc'"};
        for (std::size_t i = 0; i < std::min<std::size_t>(guesses.size(), count); ++i)
            lines.push_back(fmt::format("assert {}({}", name, guesses[(i + c.h) % guesses.size()]));
    } else {
        for (const std::string_view line : lines_of(p->test_setup))
            if (line.starts_with("import ") || line.starts_with("from "))
                setup += fmt::format("{}\n", line);
        if (lines.size() > static_cast<std::size_t>(count)) lines.resize(count);
        if (c.dice.below(4) == 0) {
            std::string& victim = lines[c.dice.below(lines.size())];
            victim = wrong_expectation(victim);
        }
    }
    std::string block = setup;
    for (const std::string& line : lines)
        block += line + "\n";
    constexpr std::array<std::string_view, 4> openers{
        "", "Here are the tests:", "These cover ordinary inputs and the edge cases:",
        "Sure, here are unit tests for it."};
    return {framed(pick_line(c.dice, openers), fenced(block, fence_tag(c.dice)), ""), "stop"};
}

FakeReply write_bug(const Context& c) {
    const Problem* p = c.knowledge.find(c.request.entry_point, c.request.last_user());
    const std::string code = program_of(c, p);
    if (code.empty()) return canned_reply(name_or_solve(c.request), c.h);
    const auto variants = c.knowledge.variants(code, c.request.entry_point);
    const syntax::Mutant* m = c.dice.chance(10) ? nullptr
                                                : pick_mutant(variants->mutants, c.dice,
                                                              operators_for(c.request.category));
    constexpr std::array<std::string_view, 4> openers{
        "", "Here is the buggy version:", "Here is the program with one bug:", ""};
    const std::string_view opener = pick_line(c.dice, openers);
    if (m == nullptr) // a "bug" that is none: the same program, and a claim
        return {framed(opener, fenced(code, fence_tag(c.dice)),
                       "I changed the loop so that it stops one step too early."),
                "stop"};
    return {framed(opener, fenced(m->code, fence_tag(c.dice)),
                   fmt::format("The bug ({}) is on {}.",
                               c.request.category.empty() ? m->kind : c.request.category,
                               m->description)),
            "stop"};
}

FakeReply write_refactor(const Context& c) {
    const Problem* p = c.knowledge.find(c.request.entry_point, c.request.last_user());
    const std::string code = program_of(c, p);
    if (code.empty()) return canned_reply(name_or_solve(c.request), c.h);
    const auto variants = c.knowledge.variants(code, c.request.entry_point);
    constexpr std::array<std::string_view, 4> openers{
        "Here is the refactored program:", "",
        "Sure. The behaviour is unchanged:", "I kept the name and the signature:"};
    const std::string_view opener = pick_line(c.dice, openers);
    if (c.dice.chance(10)) // a refactoring that breaks the program
        if (const syntax::Mutant* m = pick_mutant(variants->mutants, c.dice))
            return {framed(opener, fenced(m->code, fence_tag(c.dice)),
                           "I simplified the main condition."),
                    "stop"};
    if (variants->refactorings.empty())
        return {
            framed(opener,
                   fenced(fmt::format("# Refactored: the same logic, laid out plainly.\n{}", code),
                          fence_tag(c.dice)),
                   "The code was already simple, so I mostly left it as it was."),
            "stop"};
    const syntax::Refactoring& r =
        variants->refactorings[c.dice.below(variants->refactorings.size())];
    return {framed(opener, fenced(r.code, fence_tag(c.dice)),
                   fmt::format("What changed: {}.", r.description)),
            "stop"};
}

FakeReply write_reflexion(const Context& c) {
    const Problem* p = c.knowledge.find(c.request.entry_point, c.request.last_user());
    if (p == nullptr) return canned_reply(name_or_solve(c.request), c.h);
    return solution_reply(c, c.dice.chance(60) ? mutant_or(c, *p, p->solution) : p->solution);
}

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

FakeReply write_retry(const Context& c) {
    const FakeRequest& r = c.request;
    const Problem* p = c.knowledge.find(r.entry_point, r.user.empty() ? "" : r.user.front());
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
        return {framed(reflection, fenced(canned_function(name_or_solve(r), c.h), "python"), ""),
                "stop"};
    std::string code = p->solution;
    if (!c.dice.chance(70)) {
        std::set<std::string> earlier;
        for (const std::string& attempt : r.assistant)
            if (auto extracted = llm::extract_code(attempt, {"python", p->entry_point}))
                earlier.insert(with_newline(extracted->code));
        const auto variants = c.knowledge.variants(p->solution, p->entry_point);
        std::set<std::string> avoid;
        for (const syntax::Mutant& m : variants->mutants)
            if (earlier.contains(with_newline(m.code))) avoid.insert(m.code);
        code = mutant_or(c, *p, p->solution, avoid);
    }
    return {framed(reflection, fenced(code, fence_tag(c.dice)), "This version should pass."),
            "stop"};
}

// A known problem the prompt shows as an example, rendered as if it were new.
Exercise near_copy(const Context& c, const Problem& p) {
    Exercise e = exercise_of(p);
    if (c.dice.chance(50)) e.title += " (variant)";
    if (const std::size_t at = e.statement.find("Write a function"); at != std::string::npos)
        e.statement.replace(at, 16, "Implement a function");
    const auto variants = c.knowledge.variants(p.solution, p.entry_point);
    for (const syntax::Refactoring& r : variants->refactorings)
        if (r.kind == "rename_locals" && c.dice.chance(50)) e.solution = r.code;
    return e;
}

FakeReply write_exercise(const Context& c) {
    const FakeRequest& r = c.request;
    const std::string& prompt = r.last_user();
    const std::vector<std::string> names = mentioned_names(prompt);
    const std::set<std::string> shown(names.begin(), names.end());
    std::vector<const Problem*> examples;
    for (const std::string& name : names)
        if (const Problem* p = c.knowledge.find(name, prompt)) examples.push_back(p);

    std::vector<std::string> wanted;
    if (!r.topic.empty()) wanted.push_back(r.topic);
    if (r.kind == "evolve" && !examples.empty()) wanted = with_aliases(examples.front()->topics);

    const std::size_t roll = c.dice.below(100);
    Exercise e;
    if (roll >= 10 && roll < 20 && !examples.empty()) {
        e = near_copy(c, *examples[c.dice.below(examples.size())]);
    } else {
        std::vector<const Problem*> fresh, steered;
        for (const Problem& p : c.knowledge.inventions()) {
            if (shown.contains(p.entry_point)) continue;
            fresh.push_back(&p);
            if (topic_matches(p.topics, wanted)) steered.push_back(&p);
        }
        const auto& pool = !steered.empty() ? steered : fresh;
        e = pool.empty() ? builtin_exercise() : exercise_of(*pool[c.dice.below(pool.size())]);
        if (roll < 10) { // a solution that fails its own tests
            const auto variants = c.knowledge.variants(e.solution, e.entry_point);
            if (const syntax::Mutant* m = pick_mutant(variants->mutants, c.dice, kLoudOperators))
                e.solution = m->code;
        }
    }
    const std::optional<Section> missing =
        roll >= 20 && roll < 25 ? std::optional(kSections[c.dice.below(kSections.size())])
                                : std::nullopt;
    const std::string topic = r.topic.empty() ? std::string("this") : r.topic;
    const std::array<std::string, 4> openers{
        "", fmt::format("Here is a new exercise about {}.", topic),
        r.kind == "evolve" ? "Here is a harder version of the exercise." : "",
        "Sure! Here is the exercise, with a reference solution and tests."};
    constexpr std::array<std::string_view, 3> closers{
        "", "", "The tests cover the examples and the edge cases."};
    return {framed(openers[c.dice.below(openers.size())], render(e, c.dice, missing),
                   pick_line(c.dice, closers)),
            "stop"};
}

using Writer = FakeReply (*)(const Context&);
struct KindRow {
    std::string_view kind;
    Writer write;
};
constexpr std::array<KindRow, 8> kWriters{{
    {"instruct", write_exercise},
    {"evolve", write_exercise},
    {"solve", write_solve},
    {"tests", write_tests},
    {"bug", write_bug},
    {"refactor", write_refactor},
    {"reflexion", write_reflexion},
    {"reflexion-retry", write_retry},
}};

} // namespace

std::vector<std::string> assert_lines(const Problem& problem) {
    std::vector<std::string> out;
    for (const Visibility visibility : {Visibility::visible, Visibility::hidden}) {
        for (const TestCase& test : problem.tests) {
            if (test.visibility != visibility) continue;
            std::string line(trim(test.code));
            if (line.find('\n') != std::string::npos || !line.starts_with("assert ")) continue;
            for (std::size_t at = line.find("candidate("); at != std::string::npos;
                 at = line.find("candidate(", at + 1))
                if (at == 0 || !(std::isalnum(static_cast<unsigned char>(line[at - 1])) ||
                                 line[at - 1] == '_' || line[at - 1] == '.'))
                    line.replace(at, 9, problem.entry_point);
            if (line.find(problem.entry_point + "(") != std::string::npos)
                out.push_back(std::move(line));
        }
    }
    return out;
}

std::string wrong_expectation(std::string_view line) {
    std::string_view body = trim(line);
    if (!body.starts_with("assert ")) return fmt::format("assert not ({})", body);
    // The message of `assert x, "message"` stays as it is.
    std::string_view expression = body.substr(7);
    std::string_view message;
    if (const std::size_t comma = top_level_find(expression, ",");
        comma != std::string_view::npos) {
        message = expression.substr(comma);
        expression = expression.substr(0, comma);
    }
    const auto rebuilt = [&](std::string_view head, std::string_view value) {
        return fmt::format("assert {}{}{}", head, value, message);
    };
    if (const std::size_t eq = top_level_find(expression, "=="); eq != std::string_view::npos) {
        const std::string_view head = expression.substr(0, eq + 2);
        const std::string_view value = expression.substr(eq + 2);
        if (const std::string changed = nudged(value); !changed.empty())
            return rebuilt(head, fmt::format(" {}", changed));
        return rebuilt(fmt::format("{}!={}", expression.substr(0, eq), value), "");
    }
    if (const std::size_t is = top_level_find(expression, " is "); is != std::string_view::npos) {
        const std::string_view head = expression.substr(0, is);
        const std::string_view value = trim(expression.substr(is + 4));
        if (value == "True") return rebuilt(head, " is False");
        if (value == "False") return rebuilt(head, " is True");
        if (value.starts_with("not ")) return rebuilt(head, fmt::format(" is {}", value.substr(4)));
        return rebuilt(head, fmt::format(" is not {}", value));
    }
    expression = trim(expression);
    if (expression.starts_with("not ")) return rebuilt(expression.substr(4), "");
    return rebuilt(fmt::format("not ({})", expression), "");
}

FakeModel::FakeModel() : FakeModel({}, {}) {}

FakeModel::FakeModel(std::vector<Problem> known, std::vector<Problem> inventions)
    : knowledge_(std::make_shared<Knowledge>()) {
    Knowledge& k = *knowledge_;
    k.problems = std::move(known);
    k.first_invention = k.problems.size();
    for (Problem& p : inventions)
        k.problems.push_back(std::move(p));
    for (std::size_t i = 0; i < k.problems.size(); ++i)
        if (!k.problems[i].entry_point.empty())
            k.by_entry_point[k.problems[i].entry_point].push_back(i);
}

Expected<FakeModel> FakeModel::load(const std::vector<fs::path>& problems,
                                    const std::vector<fs::path>& inventions) {
    std::vector<Problem> known, invented;
    for (const fs::path& path : problems) {
        const dataset::Format format = ASSAY_TRY(dataset::detect_format(path));
        for (Problem& p : ASSAY_TRY(dataset::load_problems(path, format)))
            known.push_back(std::move(p));
    }
    for (const fs::path& path : inventions)
        for (Problem& p : ASSAY_TRY(dataset::load_problems(path, dataset::Format::assay)))
            invented.push_back(std::move(p));
    return FakeModel(std::move(known), std::move(invented));
}

FakeReply FakeModel::reply(std::uint64_t seed, const json& request) const {
    try {
        const FakeRequest r = read_request(request);
        const std::string seed_text = std::to_string(seed);
        const std::uint64_t h = draw({"reply", seed_text, r.canonical});
        FakeReply reply;
        const auto row = std::find_if(kWriters.begin(), kWriters.end(),
                                      [&](const KindRow& w) { return w.kind == r.kind; });
        if (r.kind.empty()) {
            reply = untasked_reply(r, h);
        } else if (row == kWriters.end()) {
            reply = canned_reply(name_or_solve(r), h);
        } else {
            Dice dice(h);
            reply = row->write(Context{*knowledge_, r, dice, h});
        }
        // A reply longer than max_tokens (about four characters a token) is cut, as servers do.
        const auto limit = static_cast<std::size_t>(r.max_tokens) * 4;
        if (reply.content.size() > limit)
            reply = {std::string(util::utf8_prefix(reply.content, limit)), "length"};
        return reply;
    } catch (const std::exception&) {
        return {"Sorry, I could not make sense of that request.", "stop"};
    }
}

const Problem* FakeModel::find(std::string_view entry_point, std::string_view context) const {
    return knowledge_->find(entry_point, context);
}

std::size_t FakeModel::known_count() const {
    return knowledge_->problems.size();
}

std::size_t FakeModel::invention_count() const {
    return knowledge_->problems.size() - knowledge_->first_invention;
}

} // namespace assay::tools
