// Splitting test code into individual test cases: a HumanEval-style `check(candidate)` function,
// or the module-level asserts a model writes. Each grammar brings its own splitter (grammar.hpp;
// Python's in src/syntax/python/split_tests.cpp); the rules below are Python's.
#pragma once

#include "core/problem.hpp"
#include "util/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace assay::syntax {

struct SplitTests {
    // The module-level code of the test, run once before the cases: imports, METADATA, helper
    // functions and `def check` itself (only module-level calls of `check(...)` are left out).
    std::string setup;
    // check_0, check_1, …: one per top-level statement of check's body that asserts — an `assert`,
    // or a compound statement (for/while/with/if/try) with an `assert` inside. The code of a case
    // is the dedented setup statements of the body that precede it (assignments, imports,
    // expression statements, helper definitions, compound statements without asserts), then the
    // statement itself. It refers to `candidate`, which the harness binds to the entry point.
    // A body without any assert becomes the single case check_0.
    std::vector<TestCase> cases;
};

// Splits test code that defines `def check(candidate):` at module level. Fails when the code has
// a syntax error or no module-level `check` function, or when `grammar` has no test splitter.
[[nodiscard]] Expected<SplitTests> split_tests(std::string_view grammar,
                                               std::string_view test_code);

// Splits module-level test code, as a model writes it when asked for assert statements: each
// top-level statement that asserts (as above) becomes a case, `test_0`, `test_1`, …, whose code
// is the statements before it that do not assert (imports, assignments, helpers), then the
// statement itself; setup stays empty. Fails when the code has a syntax error, or when `grammar`
// has no test splitter.
[[nodiscard]] Expected<SplitTests> split_asserts(std::string_view grammar,
                                                 std::string_view test_code);

// Whether the last statement of a test case (a case of split_asserts ends with its assert)
// depends on `name`: it uses `name`, or a name that a statement before it binds while using
// `name` or such a name (`r = f(2)` then `assert r == 4`). A use is an identifier: not a word in a
// string or a comment, not an attribute (`x.name`) or a keyword argument (`g(name=1)`). False for
// code that does not parse, and for a grammar without a test splitter.
[[nodiscard]] bool depends_on(std::string_view grammar, std::string_view test_case,
                              std::string_view name);

// Whether a test case can do nothing but compute and compare: every statement an `assert` or an
// assignment to plain names; names only `name`, `candidate`, names it assigned before, keyword
// argument names, and a fixed set of pure builtins (abs, len, sorted, …); no attribute access,
// no name starting with `_`, no imports, lambdas, comprehensions or definitions. Model-written
// tests must be plain: the judge then splits every case (testsuites/python/judge.py), so their
// expected values stay out of the candidate's process and nothing of theirs runs whole there.
// False for a grammar without a test splitter.
[[nodiscard]] bool plain_test(std::string_view grammar, std::string_view test_case,
                              std::string_view name);

// A grammar's test splitter: the four operations above for code in that grammar.
struct TestSplitter {
    Expected<SplitTests> (*split_tests)(std::string_view test_code) = nullptr;
    Expected<SplitTests> (*split_asserts)(std::string_view test_code) = nullptr;
    bool (*depends_on)(std::string_view test_case, std::string_view name) = nullptr;
    bool (*plain_test)(std::string_view test_case, std::string_view name) = nullptr;
};

} // namespace assay::syntax
