#include "export/instructions.hpp"

#include "export/conversation.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace assay::exports {

namespace {
// A bug that fails every test would fill the prompt with one traceback per test: the first
// few say what is wrong.
constexpr std::size_t kShownFailures = 5;

// Each line of `text` indented by four spaces (a message may span lines: a traceback).
std::string indented(const std::string& text) {
    std::string out = "    ";
    for (const char c : text) {
        out += c;
        if (c == '\n') out += "    ";
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\n'))
        out.pop_back();
    return out;
}

const TestCase* test_named(const Problem& problem, const std::string& name) {
    for (const TestCase& t : problem.tests)
        if (t.name == name) return &t;
    return nullptr;
}
} // namespace

std::string bugfix_instruction(const Problem& problem, const store::CandidateRow& bug) {
    std::string out = fmt::format("{}\n\nThe program below was written for this task, but it "
                                  "fails some of its tests.\n\n{}\n\nFailing tests:\n",
                                  util::trim(problem.prompt), fenced(problem.language, bug.code));
    const std::size_t shown = std::min(bug.failing.size(), kShownFailures);
    for (std::size_t i = 0; i < shown; ++i) {
        const sandbox::CaseResult& c = bug.failing[i];
        const TestCase* test = test_named(problem, c.name);
        out += fmt::format("\n- {} ({})", c.name, to_string(c.verdict));
        if (test != nullptr) out += ":\n" + indented(test->code);
        if (!c.message.empty()) out += "\n" + indented(c.message);
        out += '\n';
    }
    if (bug.failing.size() > shown)
        out += fmt::format("\n… and {} more failing tests.\n", bug.failing.size() - shown);
    out += fmt::format("\nFix the bug. Reply with the whole corrected program, keeping the "
                       "function `{}` and its signature.",
                       problem.entry_point);
    return out;
}

std::string refactor_instruction(const Problem& problem, const store::CandidateRow& refactoring) {
    return fmt::format(
        "{}\n\nThis program solves the task and passes all of its tests:\n\n{}\n\nRefactor it "
        "with the refactoring `{}`. Keep its behaviour and the name, parameters and defaults of "
        "`{}` unchanged. "
        "Reply with the whole refactored program.",
        util::trim(problem.prompt), fenced(problem.language, refactoring.parent_code),
        refactoring.label, problem.entry_point);
}

} // namespace assay::exports
