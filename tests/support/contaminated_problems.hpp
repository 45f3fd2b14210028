// A benchmark of two problems (HumanEval format, invented for the tests) and native problems that
// copy it: verbatim, renamed, reworded; and a near-duplicate pair of bank problems. For the
// decontaminate stage's tests and the CLI's.
#pragma once

#include "support/temp_dir.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace assay::testing {

inline constexpr const char* kBenchPrompt =
    "from typing import List\n\n\n"
    "def has_close_pair(numbers: List[float], threshold: float) -> bool:\n"
    "    \"\"\" Check if in the given list of numbers any two numbers are closer to each other\n"
    "    than the given threshold, counting every pair of distinct positions once.\n"
    "    >>> has_close_pair([1.0, 2.0, 3.0], 0.5)\n"
    "    False\n"
    "    >>> has_close_pair([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)\n"
    "    True\n"
    "    \"\"\"\n";
inline constexpr const char* kBenchBody = "    for idx, elem in enumerate(numbers):\n"
                                          "        for idx2, elem2 in enumerate(numbers):\n"
                                          "            if idx != idx2:\n"
                                          "                distance = abs(elem - elem2)\n"
                                          "                if distance < threshold:\n"
                                          "                    return True\n\n"
                                          "    return False\n";

// Writes bench.jsonl (Bench/0 above, and Bench/1 unrelated) into `dir`; returns its path.
inline std::filesystem::path write_benchmark(const TempDir& dir) {
    const nlohmann::json zero = {
        {"task_id", "Bench/0"},
        {"prompt", kBenchPrompt},
        {"canonical_solution", kBenchBody},
        {"entry_point", "has_close_pair"},
        {"test", "def check(candidate):\n"
                 "    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True\n"
                 "    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.05) == False\n"}};
    const nlohmann::json one = {
        {"task_id", "Bench/1"},
        {"prompt", "def add_all(xs):\n    \"\"\"Return the sum of the integers in xs.\"\"\"\n"},
        {"canonical_solution", "    return sum(xs)\n"},
        {"entry_point", "add_all"},
        {"test", "def check(candidate):\n    assert candidate([1, 2]) == 3\n"}};
    dir.write("bench.jsonl", zero.dump() + "\n" + one.dump() + "\n");
    return dir / "bench.jsonl";
}

inline std::string toml_problem(const std::string& id, const std::string& entry,
                                const std::string& prompt, const std::string& solution) {
    return "id = \"" + id + "\"\nlanguage = \"python\"\ntitle = \"" + id + "\"\nentry_point = \"" +
           entry + "\"\nprompt = '''" + prompt + "'''\nsolution = '''\n" + solution +
           "'''\nvisible = [\"assert " + entry +
           "([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True\", \"assert " + entry +
           "([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.05) == False\"]\n";
}

// The copies: c/verbatim (the benchmark's prompt and solution), c/renamed (function, parameters
// and locals renamed, a new statement without the docstring), c/reworded (the statement
// reworded, a solution of its own).
inline void write_contaminated(const TempDir& dir) {
    dir.write("problems/verbatim.toml", toml_problem("c/verbatim", "has_close_pair", kBenchPrompt,
                                                     std::string(kBenchPrompt) + kBenchBody));
    dir.write("problems/renamed.toml",
              toml_problem("c/renamed", "near_pair",
                           "Write `near_pair(values, limit)`: True when two entries of values "
                           "lie within limit of one another.",
                           "def near_pair(values, limit):\n"
                           "    for a, x in enumerate(values):\n"
                           "        for b, y in enumerate(values):\n"
                           "            if a != b:\n"
                           "                gap = abs(x - y)\n"
                           "                if gap < limit:\n"
                           "                    return True\n\n"
                           "    return False\n"));
    dir.write("problems/reworded.toml",
              toml_problem("c/reworded", "close_values",
                           "def close_values(numbers, threshold):\n"
                           "    \"\"\" Given a list of numbers, check whether two of them are "
                           "closer to each other than the given threshold.\n"
                           "    >>> close_values([1.0, 2.0, 3.0], 0.5)\n    False\n"
                           "    >>> close_values([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)\n"
                           "    True\n    \"\"\"\n",
                           "def close_values(numbers, threshold):\n"
                           "    ordered = sorted(numbers)\n"
                           "    return any(b - a < threshold for a, b in zip(ordered, "
                           "ordered[1:]))\n"));
}

// Two bank problems with one word of their statement apart: n/first is kept, n/second dropped.
inline void write_near_duplicates(const TempDir& dir) {
    const std::string statement =
        "Write `count_runs(xs)`: the number of maximal runs of equal adjacent items in the list "
        "xs, where an empty list has no runs at all and a list of one item has exactly one run; "
        "items compare with ==, and the list is not changed";
    const std::string solution = "def count_runs(xs):\n"
                                 "    runs = 0\n"
                                 "    for i, x in enumerate(xs):\n"
                                 "        if i == 0 or xs[i - 1] != x:\n"
                                 "            runs += 1\n"
                                 "    return runs\n";
    // Their tests differ, so that each reference has a run of its own (executions are keyed by
    // code and tests).
    const auto problem = [&](const std::string& id, const std::string& text,
                             const std::string& test) {
        return "id = \"" + id + "\"\nlanguage = \"python\"\ntitle = \"" + id +
               "\"\nentry_point = \"count_runs\"\nprompt = '''" + text + "'''\nsolution = '''\n" +
               solution + "'''\nvisible = [\"assert count_runs([1, 1, 2, 1]) == 3\", \"" + test +
               "\"]\n";
    };
    dir.write("problems/first.toml",
              problem("n/first", statement + ".", "assert count_runs([]) == 0"));
    dir.write("problems/second.toml",
              problem("n/second", statement + " by the function.", "assert count_runs([7]) == 1"));
}

} // namespace assay::testing
