#include "support.hpp"
#include "support/temp_dir.hpp"
#include "syntax/split_tests.hpp"

#include <doctest/doctest.h>

using namespace std::string_literals;
using assay::syntax::split_tests;

namespace {
constexpr std::string_view kPython = "python";
} // namespace

TEST_CASE("syntax::split_tests") {
    SUBCASE("asserts, setup statements and compound statements") {
        const std::string test = "METADATA = {}\n\n"
                                 "def check(candidate):\n"
                                 "    import math\n"
                                 "    assert candidate(1) == 2  # first\n"
                                 "    x = [1,\n"
                                 "         2]\n"
                                 "    for v in x:\n"
                                 "        assert candidate(v) > 0\n"
                                 "    print('hi')\n"
                                 "    assert math.isclose(candidate(0.5),\n"
                                 "                        1.0)\n\n"
                                 "check(f)\n";
        const auto split = split_tests(kPython, test);
        REQUIRE(split.has_value());
        REQUIRE(split->cases.size() == 3);
        CHECK(split->cases[0].name == "check_0");
        CHECK(split->cases[0].code == "import math\nassert candidate(1) == 2\n");
        CHECK(split->cases[1].name == "check_1");
        CHECK(split->cases[1].code ==
              "import math\nx = [1,\n     2]\nfor v in x:\n    assert candidate(v) > 0\n");
        CHECK(split->cases[2].code ==
              "import math\nx = [1,\n     2]\nprint('hi')\n"
              "assert math.isclose(candidate(0.5),\n                    1.0)\n");
        CHECK(split->setup == test.substr(0, test.find("check(f)")) + "\n");
    }
    SUBCASE("multi-line strings keep their content") {
        const auto split = split_tests(kPython, "def check(candidate):\n"
                                                "    assert candidate('''a\n    b''') == 1\n");
        REQUIRE(split.has_value());
        CHECK(split->cases.at(0).code == "assert candidate('''a\n    b''') == 1\n");
    }
    SUBCASE("a body without asserts is one case") {
        const auto split =
            split_tests(kPython, "def check(candidate):\n    candidate(1)\n    candidate(2)\n");
        REQUIRE(split.has_value());
        REQUIRE(split->cases.size() == 1);
        CHECK(split->cases[0].code == "candidate(1)\ncandidate(2)\n");
    }
    SUBCASE("errors: no check, syntax error, hostile input") {
        CHECK(split_tests(kPython, "def test(c):\n    assert c(1)\n").error().message ==
              "the test code defines no module-level `def check(candidate)`");
        const auto broken =
            split_tests(kPython, "def check(candidate):\n    assert candidate(1 == 2\n");
        REQUIRE_FALSE(broken.has_value());
        CHECK(broken.error().where.starts_with("test:2:"));
        CHECK_FALSE(split_tests(kPython, "").has_value());
        CHECK_FALSE(split_tests(kPython, "\0\xff def check"s).has_value());
    }
    SUBCASE("HumanEval/32: imports, setup and a loop of asserts") {
        // Reads ../shared/data: nothing to check where a clone has none.
        if (assay::testing::no_shared_data()) return;
        const auto& task = assay::test::humaneval().at(32);
        const auto split = split_tests(kPython, task.test);
        REQUIRE(split.has_value());
        REQUIRE(split->cases.size() == 1);
        CHECK(
            split->cases[0].code.starts_with("import math\nimport random\nrng = random.Random(42)\n"
                                             "import copy\nfor _ in range(100):\n"
                                             "    ncoeff = 2 * rng.randint(1, 4)\n"));
    }
    SUBCASE("HumanEval/151: setup assignments reach only later cases") {
        // Reads ../shared/data: nothing to check where a clone has none.
        if (assay::testing::no_shared_data()) return;
        const auto split = split_tests(kPython, assay::test::humaneval().at(151).test);
        REQUIRE(split.has_value());
        REQUIRE(split->cases.size() == 7);
        CHECK(split->cases[0].code == "assert candidate([]) == 0 , \"This prints if this assert "
                                      "fails 1 (good for debugging!)\"\n");
        CHECK(split->cases[6].code.starts_with("lst = list(range(-99, 100, 2))\nodd_sum = "));
        CHECK(split->cases[6].code.ends_with("assert candidate(lst) == odd_sum , \"This prints if "
                                             "this assert fails 7 (good for debugging!)\"\n"));
    }
}

// Every split case of every HumanEval task passes on the canonical solution, run with python3
// alone in the jail.
// Reads ../shared/data (HumanEval, MBPP): skipped, with tests/main.cpp's message, where a clone has
// none.
TEST_CASE("syntax::split_tests on HumanEval" * doctest::skip(assay::testing::no_shared_data())) {
    std::string script = "import sys\ntasks = []\n";
    std::size_t total = 0;
    for (const auto& task : assay::test::humaneval()) {
        const auto split = split_tests(kPython, task.test);
        REQUIRE_MESSAGE(split.has_value(), task.task_id);
        script += "tasks.append((" + assay::test::python_literal(task.task_id) + ", " +
                  assay::test::python_literal(task.prompt + task.canonical_solution) + ", " +
                  assay::test::python_literal(split->setup) + ", " +
                  assay::test::python_literal(task.entry_point) + ", [";
        for (const auto& test_case : split->cases)
            script += assay::test::python_literal(test_case.code) + ", ";
        script += "]))\n";
        total += split->cases.size();
    }
    script += R"(
passed = 0
for task_id, solution, setup, entry, cases in tasks:
    base = {'__name__': 'solution'}
    exec(solution, base)
    exec(setup, base)
    for i, case in enumerate(cases):
        ns = dict(base, candidate=base[entry])
        try:
            exec(case, ns)
            passed += 1
        except BaseException as e:
            print(task_id, i, type(e).__name__, e)
print('passed', passed)
)";
    const std::string output = assay::test::run_python(script);
    CHECK(output == "passed " + std::to_string(total) + "\n");
    MESSAGE("HumanEval split into " << total << " test cases");
}

TEST_CASE("syntax::split_asserts") {
    SUBCASE("one case per asserting statement, with the statements before it") {
        const auto split = assay::syntax::split_asserts(
            kPython, "import math\nassert f(1) == 1\nxs = [1, 2]\nassert f(xs) == 3\n"
                     "for x in range(3):\n    assert f(x) >= 0\nprint('done')\n");
        REQUIRE(split);
        CHECK(split->setup.empty());
        REQUIRE(split->cases.size() == 3);
        CHECK(split->cases[0].name == "test_0");
        CHECK(split->cases[0].code == "import math\nassert f(1) == 1\n");
        CHECK(split->cases[1].code == "import math\nxs = [1, 2]\nassert f(xs) == 3\n");
        CHECK(split->cases[2].code.ends_with("for x in range(3):\n    assert f(x) >= 0\n"));
    }
    SUBCASE("no asserts, syntax errors") {
        const auto none = assay::syntax::split_asserts(kPython, "x = 1\n");
        REQUIRE(none);
        CHECK(none->cases.empty());
        const auto bad = assay::syntax::split_asserts(kPython, "assert f(1) == \n");
        REQUIRE(!bad);
        CHECK(bad.error().where.starts_with("test:1:"));
    }
}

TEST_CASE("syntax::depends_on") {
    using assay::syntax::depends_on;
    SUBCASE("a call, a reference, a use inside a loop") {
        CHECK(depends_on(kPython, "assert f(1) == 1\n", "f"));
        CHECK(depends_on(kPython, "assert list(map(f, [1])) == [1]", "f"));
        CHECK(depends_on(kPython, "for x in range(3):\n    assert f(x) >= 0\n", "f"));
    }
    SUBCASE("not a use: text in a string or a comment, an attribute, a keyword, another name") {
        CHECK_FALSE(depends_on(kPython, "assert 'f' != 'g'", "f"));
        CHECK_FALSE(depends_on(kPython, "assert True  # f", "f"));
        CHECK_FALSE(depends_on(kPython, "assert math.f == 1", "f"));
        CHECK_FALSE(depends_on(kPython, "assert dict(f=1) == {'f': 1}", "f"));
        CHECK_FALSE(depends_on(kPython, "assert fa(1) == 1", "f"));
        CHECK_FALSE(depends_on(kPython, "assert True", "e")); // the letter of `True`, not a name
    }
    SUBCASE("through names that earlier statements bind from it") {
        CHECK(depends_on(kPython, "r = f(2)\nassert r == 4\n", "f"));
        CHECK(depends_on(
            kPython, "m = [[1]]\nr = m\nfor _ in range(4):\n    r = f(r)\nassert r == m\n", "f"));
        CHECK(depends_on(kPython, "a, b = f(1)\nc = a + 1\nassert c == 2\n", "f"));
        CHECK(depends_on(kPython, "def g(x):\n    return f(x)\nassert g(1) == 1\n", "f"));
        // Setup that calls it does not make an assert that ignores it a test of it.
        CHECK_FALSE(depends_on(kPython, "r = f(2)\nassert True\n", "f"));
        CHECK_FALSE(
            depends_on(kPython, "r = sorted(f(2))\nassert sorted([2, 1]) == [1, 2]\n", "f"));
        CHECK_FALSE(depends_on(kPython, "x = 1\nassert x == 1\n", "f"));
    }
    SUBCASE("code that does not parse") {
        CHECK_FALSE(depends_on(kPython, "assert f(1) ==", "f"));
        CHECK_FALSE(depends_on(kPython, "", "f"));
    }
}

TEST_CASE("syntax::plain_test: model-written tests that cannot reach the harness") {
    using assay::syntax::plain_test;
    for (const char* ok : {"assert f(1) == 2", "assert candidate([1, 2]) == [2, 1]",
                           "assert abs(f(2.0) - 0.5) < 1e-6", "assert f(x=1, key=len) == 1",
                           "r = f(2)\nassert r == 4", "a, b = f(3)\nassert (a, b) == (1, 2)",
                           "assert sorted(f('ba')) == ['a', 'b']", "assert f(f'{1}') == 1",
                           "assert f([1] * 10 ** 3)[-1] == 1"})
        CHECK_MESSAGE(plain_test(kPython, ok, "f"), ok);
    // What a forging test needs: imports, attributes, dunder names, other builtins, definitions.
    for (const char* bad :
         {"import gc\nassert f(1) == 2", "assert f(1) == 2 or __import__('os')",
          "assert f.__globals__ is not None", "assert getattr(f, 'x', 1)",
          "assert eval('1') == f(1)", "assert [g for g in range(3)] == f(3)",
          "assert (lambda: 1)() == f(1)", "def g():\n    pass\nassert f(1) == g()",
          "assert f(1) == 2\nprint('x')", "assert f(1).real == 1", "assert _f(1) == 1",
          "x.y = f(1)\nassert x", "assert f(1) == (y := 2)", "assert f(1) == 2 =="})
        CHECK_MESSAGE(!plain_test(kPython, bad, "f"), bad);
}

TEST_CASE("syntax::split_tests by grammar") {
    using namespace assay::syntax;
    const std::string check = "def check(candidate):\n    assert candidate(1) == 2\n";
    SUBCASE("a grammar without a test splitter fails, or finds nothing") {
        const auto split = split_tests("cobol", check);
        REQUIRE_FALSE(split.has_value());
        CHECK(split.error().message == "no test splitter for the grammar 'cobol'");
        CHECK_FALSE(split_asserts("cobol", "assert f(1) == 1\n").has_value());
        CHECK_FALSE(depends_on("cpp", "assert f(1) == 1\n", "f"));
        CHECK_FALSE(plain_test("javascript", "assert f(1) == 1\n", "f"));
    }
}
