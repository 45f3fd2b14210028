#include "support.hpp"
#include "support/temp_dir.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/refactor.hpp"
#include "syntax/split_tests.hpp"

#include <doctest/doctest.h>
#include <map>

using namespace std::string_literals;
using assay::syntax::Refactoring;
using assay::syntax::refactorings;
using assay::syntax::same_signature;

namespace {

// The result of one kind, or "" when that kind does not apply.
std::string rewritten(std::string_view code, std::string_view kind,
                      std::string_view entry_point = "") {
    for (const Refactoring& refactoring : refactorings("python", code, entry_point)) {
        if (refactoring.kind == kind) return refactoring.code;
    }
    return "";
}

} // namespace

TEST_CASE("syntax::refactor") {
    SUBCASE("rename_locals: scope-aware, consistent, collision-free") {
        const std::string code =
            "LIMIT = 3\n\n"
            "def f(nums, value=0):\n"
            "    total = value\n"
            "    def add(x):\n"
            "        nonlocal total\n"
            "        total += x * LIMIT\n"
            "    for n in nums:\n"
            "        add(n)\n"
            "    return total, nums.count(0), [n for n in nums], g(value=total)\n";
        const auto all = refactorings("python", code, "f");
        REQUIRE_FALSE(all.empty());
        CHECK(all[0].kind == "rename_locals");
        // `nums` and `value` are kept: a top-level function's parameters are its interface
        // (the prompt names them, a caller may pass them by keyword); `count` the attribute and
        // LIMIT the global are kept; the closure's `total` follows its variable; the nested
        // function's parameter `x` is renamed; the comprehension's `n` is its own variable.
        CHECK(all[0].code == "LIMIT = 3\n\n"
                             "def f(nums, value=0):\n"
                             "    running_total = value\n"
                             "    def add(item):\n"
                             "        nonlocal running_total\n"
                             "        running_total += item * LIMIT\n"
                             "    for size in nums:\n"
                             "        add(size)\n"
                             "    return running_total, nums.count(0), [n_value for n_value in "
                             "nums], g(value=running_total)\n");
        CHECK(all[0].description ==
              "renamed total → running_total, n → size, x → item, n → n_value");
    }
    SUBCASE("rename_locals avoids names already in the program") {
        CHECK(
            rewritten("def f(n):\n    i = n\n    index = i\n    return index\n", "rename_locals") ==
            "def f(n):\n    idx = n\n    position = idx\n    return position\n");
    }
    SUBCASE("rename_locals keeps every interface: the entry point's, a method's, a lambda's") {
        // A method's parameters are kept like a function's; a nested function's and a
        // lambda's are not part of the program's interface.
        CHECK(rewritten("class Box:\n    def put(self, item):\n        kept = item\n        "
                        "return kept\n\ndef f(a):\n    key = lambda v: -v\n    return "
                        "sorted(a, key=key)\n",
                        "rename_locals") ==
              "class Box:\n    def put(self, item):\n        kept_value = item\n        "
              "return kept_value\n\ndef f(a):\n    name_key = lambda element: -element\n    "
              "return sorted(a, key=name_key)\n");
        // Nothing but parameters to rename: no refactoring at all.
        CHECK(rewritten("def f(a, b=2):\n    return a + b\n", "rename_locals").empty());
    }
    SUBCASE("same_signature: names, defaults, annotations and order; not whitespace") {
        const std::string f = "def f(a, b: int = 2, *rest, key=None):\n    return a\n";
        CHECK(
            same_signature("python", f, "def f(a, b:int=2, *rest, key = None):\n    pass\n", "f"));
        CHECK_FALSE(
            same_signature("python", f, "def f(x, b: int = 2, *rest, key=None): pass\n", "f"));
        CHECK_FALSE(
            same_signature("python", f, "def f(a, b: int = 3, *rest, key=None): pass\n", "f"));
        CHECK_FALSE(
            same_signature("python", f, "def f(a, *rest, b: int = 2, key=None): pass\n", "f"));
        CHECK_FALSE(same_signature("python", f, "def f(a, b: int = 2, *rest): pass\n", "f"));
        CHECK_FALSE(
            same_signature("python", f, "def g(a, b: int = 2, *rest, key=None): pass\n", "f"));
    }
    SUBCASE("loop_to_comprehension, with and without a condition") {
        CHECK(rewritten(
                  "def f(a):\n    r = []\n    for v in a:\n        r.append(v + 1)\n    return r\n",
                  "loop_to_comprehension") ==
              "def f(a):\n    r = [v + 1 for v in a]\n    return r\n");
        CHECK(rewritten("def f(a):\n    r = []\n    for v in a:\n        if v:\n            "
                        "r.append(v)\n    return r\n",
                        "loop_to_comprehension") ==
              "def f(a):\n    r = [v for v in a if v]\n    return r\n");
    }
    SUBCASE("loop_to_comprehension refuses when semantics could change") {
        // The loop variable is read after the loop; the list is read inside it.
        CHECK(rewritten(
                  "def f(a):\n    r = []\n    for v in a:\n        r.append(v)\n    return r, v\n",
                  "loop_to_comprehension")
                  .empty());
        CHECK(
            rewritten(
                "def f(a):\n    r = []\n    for v in a:\n        r.append(len(r))\n    return r\n",
                "loop_to_comprehension")
                .empty());
    }
    SUBCASE("comprehension_to_loop, assigned and returned") {
        CHECK(rewritten("def f(a):\n    r = [v * 2 for v in a if v > 1]\n    return r\n",
                        "comprehension_to_loop") ==
              "def f(a):\n    r = []\n    for v in a:\n        if v > 1:\n            r.append(v * "
              "2)\n    return r\n");
        CHECK(rewritten("def f(a):\n    return [v for v in a]\n", "comprehension_to_loop") ==
              "def f(a):\n    output = []\n    for v in a:\n        output.append(v)\n    return "
              "output\n");
        // `v` also names another variable of the function: the loop would overwrite it.
        CHECK(rewritten("def f(a, v):\n    return [v for v in a], v\n", "comprehension_to_loop")
                  .empty());
    }
    SUBCASE("if_else_return_to_conditional") {
        CHECK(rewritten(
                  "def f(a):\n    if a > 0:\n        return a\n    else:\n        return -a\n",
                  "if_else_return_to_conditional") == "def f(a):\n    return a if a > 0 else -a\n");
        CHECK(rewritten("def f(a):\n    if a:\n        return 1, 2\n    return (lambda: 3)\n",
                        "if_else_return_to_conditional") ==
              "def f(a):\n    return (1, 2) if a else (lambda: 3)\n");
        CHECK(rewritten("def f(a):\n    if a:\n        return 1\n    elif a is None:\n        "
                        "return 2\n    else:\n        return 3\n",
                        "if_else_return_to_conditional")
                  .empty());
    }
    SUBCASE("nothing for other languages, broken or hostile code") {
        CHECK(refactorings("javascript", "function f(a) { return a; }", "f").empty());
        CHECK(refactorings("python", "def f(:\n", "f").empty());
        CHECK(refactorings("python", "", "").empty());
        CHECK(refactorings("python", "def f(a):\n    return eval('a')\n", "f").empty());
        CHECK(refactorings("python", "def f(a):\n    return a\0\xff"s, "f").empty());
        const std::string deep = "def f(a):\n    b = a\n    return " + std::string(10'000, '(') +
                                 "b" + std::string(10'000, ')') + "\n";
        CHECK(refactorings("python", deep, "f").size() == 1);
    }
}

// Refactored HumanEval canonical solutions still pass every test case (run with python3, alone
// in the jail).
// Reads ../shared/data (HumanEval, MBPP): skipped, with tests/main.cpp's message, where a clone has
// none.
TEST_CASE("syntax::refactor on HumanEval keeps semantics" *
          doctest::skip(assay::testing::no_shared_data())) {
    std::string script = "programs = []\n";
    std::map<std::string, int> per_kind;
    for (const auto& task : assay::test::humaneval()) {
        const std::string code = task.prompt + task.canonical_solution;
        for (const Refactoring& refactoring : refactorings("python", code, task.entry_point)) {
            CHECK(refactoring.code != code);
            ++per_kind[refactoring.kind];
            script += "programs.append((" +
                      assay::test::python_literal(task.task_id + " " + refactoring.kind) + ", " +
                      assay::test::python_literal(refactoring.code) + ", " +
                      assay::test::python_literal(task.test) + ", " +
                      assay::test::python_literal(task.entry_point) + "))\n";
        }
    }
    script += R"(
failed = 0
for name, code, test, entry in programs:
    ns = {'__name__': 'refactored'}
    try:
        exec(code, ns)
        exec(test, ns)
        ns['check'](ns[entry])
    except BaseException as e:
        failed += 1
        print(name, type(e).__name__, e)
print('programs', len(programs), 'failed', failed)
)";
    std::size_t total = 0;
    for (const auto& [kind, count] : per_kind)
        total += static_cast<std::size_t>(count);
    CHECK(assay::test::run_python(script) == "programs " + std::to_string(total) + " failed 0\n");
    for (const auto& [kind, count] : per_kind)
        MESSAGE(kind << ": " << count << " of 164 HumanEval solutions");
    CHECK(per_kind.size() == assay::syntax::refactoring_kinds().size());
}
