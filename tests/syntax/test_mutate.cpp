#include "dataset/problem_files.hpp"
#include "support.hpp"
#include "support/temp_dir.hpp"
#include "syntax/edit.hpp"
#include "syntax/mutate.hpp"
#include "syntax/syntax_check.hpp"

#include <algorithm>
#include <chrono>
#include <doctest/doctest.h>
#include <map>
#include <set>

using namespace std::string_literals;
using assay::syntax::Mutant;
using assay::syntax::mutants;

namespace {

std::vector<Mutant> of_kind(const std::vector<Mutant>& all, std::string_view kind) {
    std::vector<Mutant> result;
    std::copy_if(all.begin(), all.end(), std::back_inserter(result),
                 [&](const Mutant& m) { return m.kind == kind; });
    return result;
}

// The mutated programs of one operator, for exact comparison.
std::vector<std::string> codes(std::string_view code, std::string_view kind,
                               std::string_view language = "python") {
    std::vector<std::string> result;
    for (const Mutant& mutant : of_kind(mutants(language, code, ""), kind))
        result.push_back(mutant.code);
    return result;
}

using Codes = std::vector<std::string>;

} // namespace

TEST_CASE("syntax::mutate") {
    SUBCASE("comparison_swap, with its description") {
        const auto all =
            of_kind(mutants("python", "def f(a, b):\n    return a < b or a == b\n", "f"),
                    "comparison_swap");
        REQUIRE(all.size() == 2);
        CHECK(all[0].code == "def f(a, b):\n    return a <= b or a == b\n");
        CHECK(all[0].line == 2);
        CHECK(all[0].description == "line 2: '<' → '<='");
        CHECK(all[1].code == "def f(a, b):\n    return a < b or a != b\n");
        CHECK(codes("def f(a, b):\n    return a not in b\n", "comparison_swap") ==
              Codes{"def f(a, b):\n    return a in b\n"});
    }
    SUBCASE("arithmetic_swap and and_or_swap") {
        CHECK(codes("def f(a, b):\n    a += b % 2\n    return a\n", "arithmetic_swap") ==
              Codes{"def f(a, b):\n    a -= b % 2\n    return a\n",
                    "def f(a, b):\n    a += b // 2\n    return a\n"});
        CHECK(codes("def f(a, b):\n    return a and b\n", "and_or_swap") ==
              Codes{"def f(a, b):\n    return a or b\n"});
    }
    SUBCASE("boundary_off_by_one: comparisons, range() and indices; constant_change elsewhere") {
        const std::string code = "def f(a):\n    x = 7\n    for i in range(3):\n        if a[0] > "
                                 "5:\n            return x\n";
        CHECK(codes(code, "boundary_off_by_one") ==
              Codes{"def f(a):\n    x = 7\n    for i in range(4):\n        if a[0] > 5:\n          "
                    "  return x\n",
                    "def f(a):\n    x = 7\n    for i in range(2):\n        if a[0] > 5:\n          "
                    "  return x\n",
                    "def f(a):\n    x = 7\n    for i in range(3):\n        if a[1] > 5:\n          "
                    "  return x\n",
                    "def f(a):\n    x = 7\n    for i in range(3):\n        if a[-1] > 5:\n         "
                    "   return x\n",
                    "def f(a):\n    x = 7\n    for i in range(3):\n        if a[0] > 6:\n          "
                    "  return x\n",
                    "def f(a):\n    x = 7\n    for i in range(3):\n        if a[0] > 4:\n          "
                    "  return x\n"});
        CHECK(codes(code, "constant_change") ==
              Codes{"def f(a):\n    x = 0\n    for i in range(3):\n        if a[0] > 5:\n          "
                    "  return x\n"});
    }
    SUBCASE("condition_negation and negation_removal") {
        CHECK(codes("def f(a):\n    while a:\n        a = not a\n", "condition_negation") ==
              Codes{"def f(a):\n    while not (a):\n        a = not a\n"});
        CHECK(codes("def f(a):\n    while a:\n        a = not a\n", "negation_removal") ==
              Codes{"def f(a):\n    while a:\n        a = a\n"});
    }
    SUBCASE("constant_change: strings, booleans; docstrings are skipped") {
        CHECK(codes("def f():\n    \"\"\"Doc.\"\"\"\n    return 'ab', True\n", "constant_change") ==
              Codes{"def f():\n    \"\"\"Doc.\"\"\"\n    return '', True\n",
                    "def f():\n    \"\"\"Doc.\"\"\"\n    return 'ab', False\n"});
    }
    SUBCASE("return_value_change by kind") {
        CHECK(codes("def f(a):\n    return [x for x in a]\n", "return_value_change") ==
              Codes{"def f(a):\n    return []\n"});
        CHECK(codes("def f(a):\n    return a > 1\n", "return_value_change") ==
              Codes{"def f(a):\n    return not (a > 1)\n"});
        CHECK(codes("def f(a):\n    return {}\n", "return_value_change") ==
              Codes{"def f(a):\n    return None\n"});
        CHECK(codes("def f(a):\n    return g(a)\n", "return_value_change") ==
              Codes{"def f(a):\n    return None\n"});
    }
    SUBCASE("statement_deletion removes the line, or leaves pass") {
        CHECK(codes("def f(a):\n    a.sort()\n    return a\n", "statement_deletion") ==
              Codes{"def f(a):\n    return a\n", "def f(a):\n    a.sort()\n"});
        CHECK(
            codes("def f(a):\n    if a:\n        a.pop()\n    return a\n", "statement_deletion") ==
            Codes{"def f(a):\n    if a:\n        pass\n    return a\n",
                  "def f(a):\n    if a:\n        a.pop()\n"});
    }
    SUBCASE("argument_swap skips commutative builtins and keyword arguments") {
        CHECK(codes("def f(a, b):\n    return g(a, b, key=1) + max(a, b)\n", "argument_swap") ==
              Codes{"def f(a, b):\n    return g(b, a, key=1) + max(a, b)\n"});
    }
    SUBCASE("wrong_variable uses a local bound before the use") {
        const auto all =
            of_kind(mutants("python", "def f(a, b):\n    c = a - b\n    return c\n", "f"),
                    "wrong_variable");
        REQUIRE(all.size() == 3);
        CHECK(all[0].code == "def f(a, b):\n    c = b - b\n    return c\n");
        CHECK(all[1].code == "def f(a, b):\n    c = a - a\n    return c\n");
        CHECK(all[2].code == "def f(a, b):\n    c = a - b\n    return b\n");
        CHECK(all[2].description == "line 3: 'c' → 'b'");
    }
    SUBCASE("slice_bound_change") {
        CHECK(codes("def f(a, i):\n    return a[i:]\n", "slice_bound_change") ==
              Codes{"def f(a, i):\n    return a[i + 1:]\n", "def f(a, i):\n    return a[:]\n",
                    "def f(a, i):\n    return a[i:-1]\n"});
    }
    SUBCASE("loop_control_change: break/continue and range bounds") {
        CHECK(codes("def f(n):\n    for i in range(n):\n        break\n", "loop_control_change") ==
              Codes{"def f(n):\n    for i in range(1, n):\n        break\n",
                    "def f(n):\n    for i in range(n - 1):\n        break\n",
                    "def f(n):\n    for i in range(n):\n        continue\n"});
    }
    SUBCASE("only the entry point and what it calls are mutated") {
        const std::string code =
            "def g(x):\n    return x + 1\n\ndef unused(x):\n    return x + 1\n\n"
            "def f(x):\n    return g(x)\n\nY = 1 + 2\n";
        const auto all = mutants("python", code, "f");
        REQUIRE_FALSE(all.empty());
        CHECK(std::all_of(all.begin(), all.end(),
                          [](const Mutant& m) { return m.line == 2 || m.line == 8; }));
        CHECK(std::any_of(all.begin(), all.end(), [](const Mutant& m) { return m.line == 2; }));
    }
    SUBCASE("javascript through the same operators") {
        CHECK(codes("function f(a, b) { if (a < b) { return a && b; } }", "comparison_swap",
                    "javascript") == Codes{"function f(a, b) { if (a <= b) { return a && b; } }"});
        CHECK(codes("function f(a, b) { if (a < b) { return a && b; } }", "condition_negation",
                    "javascript") ==
              Codes{"function f(a, b) { if (!(a < b)) { return a && b; } }"});
        CHECK(codes("function f(a, b) { if (a < b) { return a && b; } }", "and_or_swap",
                    "javascript") == Codes{"function f(a, b) { if (a < b) { return a || b; } }"});
        // Block scopes: the loop's `i` is no candidate after the loop has ended.
        const std::string blocks = "function f(xs) {\n  for (let i = 0; i < 2; i++) {}\n"
                                   "  const n = 1;\n  return xs + n;\n}\n";
        const auto mutated = codes(blocks, "wrong_variable", "javascript");
        REQUIRE(mutated.size() == 4);
        CHECK(mutated[2] == "function f(xs) {\n  for (let i = 0; i < 2; i++) {}\n"
                            "  const n = 1;\n  return n + n;\n}\n");
        CHECK(mutated[3] == "function f(xs) {\n  for (let i = 0; i < 2; i++) {}\n"
                            "  const n = 1;\n  return xs + xs;\n}\n");
    }
    SUBCASE("c++ through the same operators, with C++ spellings of strings and empty values") {
        const std::string code =
            "#include <string>\nstd::string f(int a, int b) {\n"
            "    if (a < b) return \"lt\";\n    return std::to_string(a);\n}\n";
        CHECK(codes(code, "comparison_swap", "cpp") ==
              Codes{"#include <string>\nstd::string f(int a, int b) {\n    if (a <= b) return "
                    "\"lt\";\n    return std::to_string(a);\n}\n"});
        CHECK(codes(code, "condition_negation", "cpp") ==
              Codes{"#include <string>\nstd::string f(int a, int b) {\n    if (!(a < b)) return "
                    "\"lt\";\n    return std::to_string(a);\n}\n"});
        CHECK(codes(code, "constant_change", "cpp") ==
              Codes{"#include <string>\nstd::string f(int a, int b) {\n    if (a < b) return "
                    "\"\";\n    return std::to_string(a);\n}\n"});
        CHECK(codes(code, "return_value_change", "cpp") ==
              Codes{"#include <string>\nstd::string f(int a, int b) {\n    if (a < b) return "
                    "\"lt\";\n    return {};\n}\n"});
        // A return is never deleted: flowing off a non-void function's end is undefined.
        CHECK(codes(code, "statement_deletion", "cpp").empty());
        CHECK(codes("int f(int a, int b) { return std::max(a, b) - g(a, b); }", "argument_swap",
                    "cpp") == Codes{"int f(int a, int b) { return std::max(a, b) - g(b, a); }"});
    }
    SUBCASE("every operator is described and reachable; order and output are deterministic") {
        CHECK(assay::syntax::mutation_operators().size() == 13);
        const std::string code = "def f(a):\n    x = [v for v in a if v > 0]\n    return x[1:]\n";
        CHECK(mutants("python", code, "f").size() == mutants("python", code, "f").size());
        const auto sample = assay::syntax::sample_mutants("python", code, "f", 4, 42);
        CHECK(sample.size() == 4);
        std::set<std::string> kinds;
        for (const Mutant& m : sample)
            kinds.insert(m.kind);
        CHECK(kinds.size() == 4);
        const auto again = assay::syntax::sample_mutants("python", code, "f", 4, 42);
        for (std::size_t i = 0; i < sample.size(); ++i)
            CHECK(sample[i].code == again[i].code);
    }
    SUBCASE("no mutants of broken, empty, or hostile input") {
        CHECK(mutants("python", "def f(:\n    return 1\n", "f").empty());
        CHECK(mutants("python", "", "").empty());
        CHECK(mutants("cobol", "x", "").empty());
        CHECK(mutants("python", "def f(x):\n    return x\0\xff"s, "f").empty());
        const std::string deep = "def f(x):\n    return " + std::string(10'000, '(') + "x < 1" +
                                 std::string(10'000, ')') + "\n";
        CHECK_FALSE(mutants("python", deep, "f").empty());
    }
}

// All mutants of all HumanEval canonical solutions parse; every operator fires somewhere.
// Reads ../shared/data (HumanEval, MBPP): skipped, with tests/main.cpp's message, where a clone has
// none.
TEST_CASE("syntax::mutate on HumanEval" * doctest::skip(assay::testing::no_shared_data())) {
    std::map<std::string, std::size_t> per_kind;
    std::size_t total = 0;
    for (const auto& task : assay::test::humaneval()) {
        for (const Mutant& mutant :
             mutants("python", task.prompt + task.canonical_solution, task.entry_point)) {
            ++per_kind[mutant.kind];
            ++total;
            CHECK(mutant.line > 0);
        }
    }
    for (const auto kind : assay::syntax::mutation_operators())
        CHECK_MESSAGE(per_kind[std::string(kind)] > 0, kind);
    MESSAGE(total << " mutants of 164 HumanEval solutions");
}

// Every mutant of HumanEval-X's C++ and JavaScript canonical solutions parses.
// Reads ../shared/data (HumanEval-X): skipped, with tests/main.cpp's message, where a clone has
// none.
TEST_CASE("syntax::mutate on HumanEval-X" * doctest::skip(assay::testing::no_shared_data())) {
    for (const auto& [file, language] :
         {std::pair<std::string, std::string>{"humaneval-x-cpp.jsonl.gz", "cpp"},
          {"humaneval-x-js.jsonl.gz", "javascript"}}) {
        const auto problems = assay::dataset::load_problems(assay::testing::shared_data() / file,
                                                            assay::dataset::Format::humaneval_x);
        REQUIRE(problems);
        std::map<std::string, std::size_t> per_kind;
        std::size_t total = 0;
        for (const assay::Problem& p : *problems) {
            for (const Mutant& mutant : mutants(language, p.solution, p.entry_point)) {
                ++per_kind[mutant.kind];
                ++total;
                const bool parses = assay::syntax::parses_cleanly(language, mutant.code) ||
                                    !assay::syntax::parses_cleanly(language, p.solution);
                CHECK_MESSAGE(parses, p.id, ": ", mutant.description);
            }
        }
        for (const std::string kind :
             {"comparison_swap", "arithmetic_swap", "and_or_swap", "boundary_off_by_one",
              "constant_change", "condition_negation", "statement_deletion", "argument_swap",
              "return_value_change"})
            CHECK_MESSAGE(per_kind[kind] > 0, language, ": ", kind);
        MESSAGE(total << " mutants of 164 HumanEval-X " << language << " solutions");
    }
}

// Mutants generated (and re-parsed) per second on the HumanEval canonical solutions.
// Reads ../shared/data (HumanEval, MBPP): skipped, with tests/main.cpp's message, where a clone has
// none.
TEST_CASE("syntax::mutate throughput" * doctest::test_suite("slow") *
          doctest::skip(assay::testing::no_shared_data())) {
    const auto begin = std::chrono::steady_clock::now();
    std::size_t count = 0;
    for (const auto& task : assay::test::humaneval()) {
        count += mutants("python", task.prompt + task.canonical_solution, task.entry_point).size();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    MESSAGE("mutate: " << count << " mutants in " << seconds << " s, " << count / seconds
                       << " mutants/s");
}
