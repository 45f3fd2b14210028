// Helpers for the syntax tests: the HumanEval data set and a python3 runner.
#pragma once

#include <string>
#include <vector>

namespace assay::test {

struct HumanEvalTask {
    std::string task_id;
    std::string prompt;
    std::string canonical_solution;
    std::string test;
    std::string entry_point;
};

// All 164 tasks of /work/shared/data/HumanEval.jsonl.gz (read once, then cached).
const std::vector<HumanEvalTask>& humaneval();

// Runs `script` with /usr/bin/python3 -I and returns its stdout (stderr is passed through).
std::string run_python(const std::string& script);

// `text` (valid UTF-8) as a Python string literal, for embedding code in a generated script.
std::string python_literal(const std::string& text);

} // namespace assay::test
