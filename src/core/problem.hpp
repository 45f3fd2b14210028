// A programming problem and its tests: the unit every stage works on.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay {

enum class Visibility { visible, hidden };

// One test case: a snippet of test code that raises (AssertionError or otherwise) when the
// candidate is wrong. Cases of one problem run one after another in one harness, each on its own:
// a failing case does not stop the next one.
struct TestCase {
    std::string name; // stable within the problem: "visible_0", "hidden_2", "check"
    std::string code; // e.g. "assert add(1, 2) == 3"
    Visibility visibility = Visibility::visible;
};

// Where a problem came from.
enum class ProblemSource { bank, humaneval, mbpp, llm };

struct Problem {
    std::string id;       // unique, e.g. "bank/two_sum", "HumanEval/0", "Mbpp/2"
    std::string language; // a descriptor under languages/, e.g. "python"
    std::string title;
    std::string prompt;      // what the model sees (for HumanEval: the signature + docstring)
    std::string entry_point; // the function the tests call
    std::string solution;    // a complete reference program
    // Code run before the cases in the test namespace: imports, helpers, `def check(...)`.
    std::string test_setup;
    std::vector<TestCase> tests;
    std::vector<std::string> topics;
    std::string difficulty; // "easy", "medium", "hard" (empty when unknown)
    ProblemSource source = ProblemSource::bank;
    std::string origin_file; // the file it was read from, for messages

    // A HumanEval completion continues `prompt`; other formats give whole programs.
    bool completion_extends_prompt = false;
    // What follows such a completion (MultiPL-E: the `}` that closes the prompt's function).
    std::string completion_suffix;
};

[[nodiscard]] std::string_view to_string(ProblemSource source);
// The inverse of to_string; nullopt for an unknown name.
[[nodiscard]] std::optional<ProblemSource> parse_problem_source(std::string_view name);

} // namespace assay
