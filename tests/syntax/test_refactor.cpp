#include "dataset/problem_files.hpp"
#include "support.hpp"
#include "support/run_assay.hpp"
#include "support/temp_dir.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/refactor.hpp"
#include "syntax/split_tests.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

using namespace std::string_literals;
using assay::syntax::Refactoring;
using assay::syntax::refactorings;
using assay::syntax::same_signature;

namespace {

// The result of one kind, or "" when that kind does not apply.
std::string rewritten(std::string_view code, std::string_view kind,
                      std::string_view entry_point = "", std::string_view language = "python") {
    for (const Refactoring& refactoring : refactorings(language, code, entry_point)) {
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
    SUBCASE("nothing to do, broken or hostile code") {
        CHECK(refactorings("javascript", "function f(a) { return a; }", "f").empty());
        CHECK(refactorings("cobol", "x", "").empty());
        CHECK(refactorings("python", "def f(:\n", "f").empty());
        CHECK(refactorings("python", "", "").empty());
        CHECK(refactorings("python", "def f(a):\n    return eval('a')\n", "f").empty());
        CHECK(refactorings("python", "def f(a):\n    return a\0\xff"s, "f").empty());
        const std::string deep = "def f(a):\n    b = a\n    return " + std::string(10'000, '(') +
                                 "b" + std::string(10'000, ')') + "\n";
        CHECK(refactorings("python", deep, "f").size() == 1);
    }
}

TEST_CASE("syntax::refactor javascript") {
    SUBCASE("rename_locals: block scopes, closures, shorthand properties, globals") {
        // The parameters are the interface; `count` after the block is the global; the closure's
        // `total` follows its variable; `{n}` keeps its property name.
        CHECK(rewritten("function f(nums, limit) {\n"
                        "  let total = 0;\n"
                        "  const add = (x) => { total += x; };\n"
                        "  for (const n of nums) {\n"
                        "    const o = {n, limit};\n"
                        "    add(o.n);\n"
                        "  }\n"
                        "  { let count = 1; total += count; }\n"
                        "  return total + count(nums);\n"
                        "}\n",
                        "rename_locals", "f", "javascript") ==
              "function f(nums, limit) {\n"
              "  let runningTotal = 0;\n"
              "  const addValue = (value) => { runningTotal += value; };\n"
              "  for (const size of nums) {\n"
              "    const oValue = {n: size, limit};\n"
              "    addValue(oValue.n);\n"
              "  }\n"
              "  { let tally = 1; runningTotal += tally; }\n"
              "  return runningTotal + count(nums);\n"
              "}\n");
        CHECK(refactorings("javascript",
                           "function f(nums, limit) {\n"
                           "  let total = 0;\n"
                           "  const add = (x) => { total += x; };\n"
                           "  for (const n of nums) {\n"
                           "    const o = {n, limit};\n"
                           "    add(o.n);\n"
                           "  }\n"
                           "  { let count = 1; total += count; }\n"
                           "  return total + count(nums);\n"
                           "}\n",
                           "f")[0]
                  .description == "renamed total → runningTotal, add → addValue, n → size, o → "
                                  "oValue, count → tally, x → value");
        // Names already in the program are avoided.
        CHECK(rewritten("function f(a) {\n"
                        "  const i = a;\n"
                        "  const index = i;\n"
                        "  return index;\n"
                        "}\n",
                        "rename_locals", "f", "javascript") == "function f(a) {\n"
                                                               "  const idx = a;\n"
                                                               "  const position = idx;\n"
                                                               "  return position;\n"
                                                               "}\n");
    }
    SUBCASE("nothing for code that looks names up by string or rebinds them") {
        CHECK(rewritten("function f(a) {\n"
                        "  const i = a;\n"
                        "  const index = i + arguments.length;\n"
                        "  return index;\n"
                        "}\n",
                        "rename_locals", "f", "javascript")
                  .empty());
        CHECK(refactorings("javascript",
                           "function f(a) {\n"
                           "  return eval('a');\n"
                           "}\n",
                           "f")
                  .empty());
        CHECK(refactorings("javascript",
                           "function f(a) {\n"
                           "  with (a) { return b; }\n"
                           "}\n",
                           "f")
                  .empty());
    }
    SUBCASE("if_else_return_to_conditional and conditional_to_if_else") {
        CHECK(rewritten("function f(a, b) {\n"
                        "  if (a > b) {\n"
                        "    return a - b;\n"
                        "  } else return b;\n"
                        "}\n"
                        "const g = (xs) => {\n"
                        "  if (xs.length == 0) return null;\n"
                        "  return xs.map((x) => x * 2);\n"
                        "};\n",
                        "if_else_return_to_conditional", "f", "javascript") ==
              "function f(a, b) {\n"
              "  return (a > b) ? (a - b) : b;\n"
              "}\n"
              "const g = (xs) => {\n"
              "  return (xs.length == 0) ? null : xs.map((x) => x * 2);\n"
              "};\n");
        // An else-if chain, a comment: left alone.
        CHECK(rewritten("function f(a) {\n"
                        "  if (a) return 1;\n"
                        "  else if (a === null) return 2;\n"
                        "  else return 3;\n"
                        "}\n"
                        "function g(a) {\n"
                        "  if (a) { return 1; } // one\n"
                        "  return 2;\n"
                        "}\n",
                        "if_else_return_to_conditional", "f", "javascript")
                  .empty());
        // An arrow's expression body is no statement: left alone.
        CHECK(rewritten("function f(n) {\n"
                        "  return n % 2 == 0 ? n / 2 : 3 * n + 1;\n"
                        "}\n"
                        "const g = (n) => (n ? 1 : 2);\n",
                        "conditional_to_if_else", "f", "javascript") ==
              "function f(n) {\n"
              "  if (n % 2 == 0) {\n"
              "    return n / 2;\n"
              "  } else {\n"
              "    return 3 * n + 1;\n"
              "  }\n"
              "}\n"
              "const g = (n) => (n ? 1 : 2);\n");
    }
    SUBCASE("loop_to_algorithm, and where it refuses") {
        CHECK(
            rewritten("function f(xs) {\n"
                      "  const out = [];\n"
                      "  for (const x of xs) out.push(x * 2);\n"
                      "  let odd = [];\n"
                      "  for (const [i, y] of xs.entries()) {\n"
                      "    if (y % 2) odd.push([i, y]);\n"
                      "  }\n"
                      "  return [out, odd];\n"
                      "}\n",
                      "loop_to_algorithm", "f", "javascript") ==
            "function f(xs) {\n"
            "  const out = Array.from(xs, (x) => (x * 2));\n"
            "  let odd = Array.from(xs.entries(), ([i, y]) => ((y % 2) ? [[i, y]] : [])).flat();\n"
            "  return [out, odd];\n"
            "}\n");
        // The list read in the loop, a `var` loop variable read after it, `this`, two pushes.
        CHECK(rewritten("function f(xs) {\n"
                        "  const a = [];\n"
                        "  for (const x of xs) a.push(a.length);\n"
                        "  const b = [];\n"
                        "  for (var y of xs) b.push(y);\n"
                        "  const c = [];\n"
                        "  for (const z of xs) c.push(this.k + z);\n"
                        "  const d = [];\n"
                        "  for (const w of xs) { d.push(w); d.push(w); }\n"
                        "  return [a, b, c, d, y];\n"
                        "}\n",
                        "loop_to_algorithm", "f", "javascript")
                  .empty());
    }
}

TEST_CASE("syntax::refactor cpp") {
    SUBCASE("rename_locals: block scopes, lambdas, a global after a block-local of its name") {
        CHECK(rewritten("#include <vector>\n"
                        "using namespace std;\n"
                        "int count = 3;\n"
                        "int f(vector<int> nums, int limit) {\n"
                        "    int total = 0;\n"
                        "    auto add = [&](int x) { total += x * limit; };\n"
                        "    for (int n : nums) add(n);\n"
                        "    {\n"
                        "        int count = 1;\n"
                        "        total += count;\n"
                        "    }\n"
                        "    return total + count + nums.size();\n"
                        "}\n",
                        "rename_locals", "f", "cpp") ==
              "#include <vector>\n"
              "using namespace std;\n"
              "int count = 3;\n"
              "int f(vector<int> nums, int limit) {\n"
              "    int running_total = 0;\n"
              "    auto add_value = [&](int value) { running_total += value * limit; };\n"
              "    for (int n_value : nums) add_value(n_value);\n"
              "    {\n"
              "        int tally = 1;\n"
              "        running_total += tally;\n"
              "    }\n"
              "    return running_total + count + nums.size();\n"
              "}\n");
        // A macro may name any variable: no refactoring at all.
        CHECK(rewritten("#define TWICE(x) ((x) * 2)\n"
                        "int f(int a) {\n"
                        "    int b = TWICE(a);\n"
                        "    return b;\n"
                        "}\n",
                        "rename_locals", "f", "cpp")
                  .empty());
    }
    SUBCASE("if_else_return_to_conditional and conditional_to_if_else") {
        CHECK(rewritten("int f(int a, int b) {\n"
                        "    if (a > b) {\n"
                        "        return a - b;\n"
                        "    } else return b;\n"
                        "}\n"
                        "int g(int c) {\n"
                        "    if (c) return 1;\n"
                        "    return c * 2;\n"
                        "}\n",
                        "if_else_return_to_conditional", "f", "cpp") ==
              "int f(int a, int b) {\n"
              "    return (a > b) ? (a - b) : b;\n"
              "}\n"
              "int g(int c) {\n"
              "    return c ? 1 : (c * 2);\n"
              "}\n");
        // A braced list has no type of its own to be an operand of `?:`.
        CHECK(rewritten("#include <vector>\n"
                        "std::vector<int> f(std::vector<int> v) {\n"
                        "    if (v.empty()) return {};\n"
                        "    return v;\n"
                        "}\n"
                        "auto g(int n) {\n"
                        "    if (n) return 1;\n"
                        "    return 2;\n"
                        "}\n",
                        "if_else_return_to_conditional", "f", "cpp") ==
              "#include <vector>\n"
              "std::vector<int> f(std::vector<int> v) {\n"
              "    if (v.empty()) return {};\n"
              "    return v;\n"
              "}\n"
              "auto g(int n) {\n"
              "    return n ? 1 : 2;\n"
              "}\n");
        // Two returns of a deduced type (int, double) would not agree.
        CHECK(rewritten("int f(int n) {\n"
                        "    return n % 2 == 0 ? n / 2 : 3 * n + 1;\n"
                        "}\n"
                        "auto g(int n) {\n"
                        "    return n ? 1 : 2.5;\n"
                        "}\n",
                        "conditional_to_if_else", "f", "cpp") == "int f(int n) {\n"
                                                                 "    if (n % 2 == 0) {\n"
                                                                 "        return n / 2;\n"
                                                                 "    } else {\n"
                                                                 "        return 3 * n + 1;\n"
                                                                 "    }\n"
                                                                 "}\n"
                                                                 "auto g(int n) {\n"
                                                                 "    return n ? 1 : 2.5;\n"
                                                                 "}\n");
    }
    SUBCASE("loop_to_algorithm, and where it refuses") {
        CHECK(rewritten("#include <vector>\n"
                        "using namespace std;\n"
                        "vector<int> f(vector<int> v) {\n"
                        "    vector<int> out;\n"
                        "    for (const auto& x : v) out.push_back(x * 2);\n"
                        "    long long s = 0;\n"
                        "    for (auto x : v) s += x;\n"
                        "    out.push_back(s);\n"
                        "    return out;\n"
                        "}\n",
                        "loop_to_algorithm", "f", "cpp") ==
              "#include <algorithm>\n"
              "#include <iterator>\n"
              "#include <numeric>\n"
              "#include <vector>\n"
              "using namespace std;\n"
              "vector<int> f(vector<int> v) {\n"
              "    vector<int> out;\n"
              "    std::transform(std::begin(v), std::end(v), std::back_inserter(out), [&](const "
              "auto& x) { return x * 2; });\n"
              "    long long s = std::accumulate(std::begin(v), std::end(v), static_cast<long "
              "long>(0));\n"
              "    out.push_back(s);\n"
              "    return out;\n"
              "}\n");
        // Index loops over a vector: only where i is used as v[i] alone (not beside w[i], not i
        // itself) and out not in the loop.
        CHECK(rewritten("#include <vector>\n"
                        "using namespace std;\n"
                        "vector<int> f(const vector<int>& v, vector<int> w) {\n"
                        "    vector<int> out, odd;\n"
                        "    for (int i = 0; i < v.size(); i++) out.push_back(v[i] * 2);\n"
                        "    for (int i = 0; i < v.size(); ++i)\n"
                        "        if (v[i] % 2) odd.push_back(v[i]);\n"
                        "    for (int i = 0; i < v.size(); i++) out.push_back(v[i] + w[i]);\n"
                        "    for (int i = 0; i < v.size(); i++)\n"
                        "        if (i % 2) out.push_back(v[i]);\n"
                        "    for (int i = 0; i < w.size(); i++) out.push_back(w[i] + out.size());\n"
                        "    return out;\n"
                        "}\n",
                        "loop_to_algorithm", "f", "cpp") ==
              "#include <algorithm>\n"
              "#include <iterator>\n"
              "#include <vector>\n"
              "using namespace std;\n"
              "vector<int> f(const vector<int>& v, vector<int> w) {\n"
              "    vector<int> out, odd;\n"
              "    std::transform(v.begin(), v.end(), std::back_inserter(out), [&](auto&& value) { "
              "return value * 2; });\n"
              "    std::copy_if(v.begin(), v.end(), std::back_inserter(odd), [&](auto&& item) { "
              "return item % 2; });\n"
              "    for (int i = 0; i < v.size(); i++) out.push_back(v[i] + w[i]);\n"
              "    for (int i = 0; i < v.size(); i++)\n"
              "        if (i % 2) out.push_back(v[i]);\n"
              "    for (int i = 0; i < w.size(); i++) out.push_back(w[i] + out.size());\n"
              "    return out;\n"
              "}\n");
        // A non-const reference, the list read in the loop, a typed loop variable in a sum.
        CHECK(rewritten("#include <vector>\n"
                        "using namespace std;\n"
                        "vector<int> f(vector<int> v) {\n"
                        "    vector<int> out;\n"
                        "    for (auto& x : v) out.push_back(x++);\n"
                        "    for (int x : v) out.push_back(out.size());\n"
                        "    int s = 0;\n"
                        "    for (int x : v) s += x;\n"
                        "    return out;\n"
                        "}\n",
                        "loop_to_algorithm", "f", "cpp")
                  .empty());
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
    CHECK(per_kind.size() == 4); // all of Python's: rename, the two comprehension ones, if/else
}

namespace {

// Every refactoring of every canonical solution of one HumanEval-X file, verified in the jail
// with the problem's own tests (`assay verify`), next to the canonical solution itself. Each
// refactoring of a canonical solution that passes must pass too (a few canonical solutions fail
// their own tests: tests/cli/test_verify_humaneval_x.cpp). conditional_to_if_else, which no
// canonical solution invites, is also applied to each if_else_return_to_conditional result.
// Returns how many refactorings of each kind were verified.
std::map<std::string, int> prove_humaneval_x(const std::string& file_name) {
    using nlohmann::json;
    const auto problems = assay::dataset::load_problems(assay::testing::shared_data() / file_name,
                                                        assay::dataset::Format::humaneval_x);
    REQUIRE(problems);
    assay::testing::TempDir dir;
    std::ofstream samples(dir / "samples.jsonl");
    std::vector<std::pair<std::string, std::string>> labels; // (task id, kind or "" if canonical)
    const auto add = [&](const std::string& id, const std::string& code, std::string kind) {
        samples << json{{"task_id", id}, {"solution", code}}.dump() << "\n";
        labels.emplace_back(id, std::move(kind));
    };
    for (const assay::Problem& problem : *problems) {
        add(problem.id, problem.solution, "");
        for (const Refactoring& refactoring :
             refactorings(problem.language, problem.solution, problem.entry_point)) {
            CHECK(refactoring.code != problem.solution);
            add(problem.id, refactoring.code, refactoring.kind);
            if (refactoring.kind != "if_else_return_to_conditional") continue;
            for (const Refactoring& back :
                 refactorings(problem.language, refactoring.code, problem.entry_point))
                if (back.kind == "conditional_to_if_else") add(problem.id, back.code, back.kind);
        }
    }
    samples.close();
    const auto ran = assay::testing::run_assay(
        {"verify", "--problems", (assay::testing::shared_data() / file_name).string(), "--format",
         "humaneval-x", "--solutions", (dir / "samples.jsonl").string(), "--json", "-j", "2",
         "--no-dedupe"});
    REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
    const json results = json::parse(ran.out)["results"];
    REQUIRE(results.size() == labels.size());
    std::map<std::string, int> per_kind;
    bool canonical_passed = false;
    for (std::size_t k = 0; k < labels.size(); ++k) {
        const auto& [id, kind] = labels[k];
        const bool passed = results[k]["passed"].get<bool>();
        if (kind.empty()) {
            canonical_passed = passed;
            continue;
        }
        if (!canonical_passed) continue;
        ++per_kind[kind];
        CHECK_MESSAGE(passed,
                      id << " " << kind << ": " << results[k]["message"].get<std::string>());
    }
    return per_kind;
}

} // namespace

TEST_SUITE("slow") {
    // Reads ../shared/data's HumanEval-X files: skipped (doctest::skip) where a clone has none.
    TEST_CASE("syntax::refactor on HumanEval-X C++ and JavaScript keeps semantics, in the jail" *
              doctest::skip(assay::testing::no_shared_data())) {
        for (const std::string file : {"humaneval-x-cpp.jsonl.gz", "humaneval-x-js.jsonl.gz"}) {
            for (const auto& [kind, count] : prove_humaneval_x(file))
                MESSAGE(file << " " << kind << ": " << count
                             << " refactorings of passing canonical solutions, all passed");
        }
    }
}
