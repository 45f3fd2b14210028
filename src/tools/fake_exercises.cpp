// The fake model's new exercises (instruct, evolve): an invention steered to the prompt's topic,
// sometimes broken or a near copy of an example, in the section format of instruct.toml.
#include "tools/fake_model_detail.hpp"

#include <array>
#include <fmt/format.h>
#include <optional>

namespace assay::tools::detail {

namespace {

// Exercises show at most this many tests (instruct.toml asks for 6 to 12).
constexpr std::size_t kMaxExerciseTests = 12;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Operators whose mutants nearly always fail a problem's tests: what an "unverifiable"
// exercise gets.
constexpr std::array<std::string_view, 4> kLoudOperators{"return_value_change", "comparison_swap",
                                                         "arithmetic_swap", "boundary_off_by_one"};

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

// The exercise instruct and evolve fall back on when the model invented nothing in `language`.
Exercise builtin_exercise(std::string_view language) {
    if (language == "cpp")
        return {"Sum of even squares",
                "sum_even_squares",
                "Write a function `long long sum_even_squares(const std::vector<int>& values)` "
                "that returns the sum of the squares of the even integers in `values`.\n\n"
                "Examples:\n- `sum_even_squares({1, 2, 3, 4})` returns `20`\n- "
                "`sum_even_squares({})` returns `0`",
                "#include <vector>\n\nlong long sum_even_squares(const std::vector<int>& values) "
                "{\n    long long total = 0;\n    for (const int v : values)\n        if (v % 2 == "
                "0) total += static_cast<long long>(v) * v;\n    return total;\n}\n",
                {"assert(sum_even_squares({1, 2, 3, 4}) == 20);",
                 "assert(sum_even_squares({}) == 0);", "assert(sum_even_squares({1, 3, 5}) == 0);",
                 "assert(sum_even_squares({-2}) == 4);", "assert(sum_even_squares({0, 0}) == 0);",
                 "assert(sum_even_squares({100000}) == 10000000000LL);"}};
    if (language == "javascript")
        return {"Sum of even squares",
                "sumEvenSquares",
                "Write a function `sumEvenSquares(values)` that returns the sum of the squares of "
                "the even integers in the array `values`.\n\nExamples:\n- "
                "`sumEvenSquares([1, 2, 3, 4])` returns `20`\n- `sumEvenSquares([])` returns `0`",
                "function sumEvenSquares(values) {\n    return values.filter((v) => v % 2 === "
                "0).reduce((total, v) => total + v * v, 0);\n}\n",
                {"assert.strictEqual(sumEvenSquares([1, 2, 3, 4]), 20);",
                 "assert.strictEqual(sumEvenSquares([]), 0);",
                 "assert.strictEqual(sumEvenSquares([1, 3, 5]), 0);",
                 "assert.strictEqual(sumEvenSquares([-2]), 4);",
                 "assert.strictEqual(sumEvenSquares([0, 0]), 0);",
                 "assert.strictEqual(sumEvenSquares([10, 1]), 100);"}};
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

std::string render(const Exercise& e, Dice& dice, std::optional<Section> missing,
                   std::string_view language) {
    std::string out;
    const auto add = [&](Section section, std::string_view heading, const std::string& body) {
        if (missing != section) out += fmt::format("## {}\n{}\n\n", heading, body);
    };
    add(Section::title, "Title", e.title);
    add(Section::entry_point, "Entry point",
        dice.chance(10) ? fmt::format("`{}`", e.entry_point) : e.entry_point);
    add(Section::problem, "Problem", e.statement);
    add(Section::solution, "Solution",
        std::string(trim(fenced(e.solution, fence_tag(dice, language)))));
    std::string tests;
    for (const std::string& t : e.tests)
        tests += t + "\n";
    add(Section::tests, "Tests", std::string(trim(fenced(tests, fence_tag(dice, language)))));
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

// A known problem the prompt shows as an example, rendered as if it were new.
Exercise near_copy(const Context& c, const Problem& p) {
    Exercise e = exercise_of(p);
    if (c.dice.chance(50)) e.title += " (variant)";
    if (const std::size_t at = e.statement.find("Write a function"); at != std::string::npos)
        e.statement.replace(at, 16, "Implement a function");
    const auto variants = c.knowledge.variants(p.solution, p.entry_point, p.language);
    for (const syntax::Refactoring& r : variants->refactorings)
        if (r.kind == "rename_locals" && c.dice.chance(50)) e.solution = r.code;
    return e;
}

} // namespace

FakeReply write_exercise(const Context& c) {
    const FakeRequest& r = c.request;
    const std::string language = request_language(r);
    const std::string& prompt = r.last_user();
    const std::vector<std::string> names = mentioned_names(prompt);
    const std::set<std::string> shown(names.begin(), names.end());
    std::vector<const Problem*> examples;
    for (const std::string& name : names)
        if (const Problem* p = c.knowledge.find(name, prompt, language);
            p != nullptr && p->language == language)
            examples.push_back(p);

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
            if (shown.contains(p.entry_point) || p.language != language) continue;
            fresh.push_back(&p);
            if (topic_matches(p.topics, wanted)) steered.push_back(&p);
        }
        const auto& pool = !steered.empty() ? steered : fresh;
        e = pool.empty() ? builtin_exercise(language)
                         : exercise_of(*pool[c.dice.below(pool.size())]);
        if (roll < 10) { // a solution that fails its own tests
            const auto variants = c.knowledge.variants(e.solution, e.entry_point, language);
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
    return {framed(openers[c.dice.below(openers.size())], render(e, c.dice, missing, language),
                   pick_line(c.dice, closers)),
            "stop"};
}

} // namespace assay::tools::detail
