// Model-written tests in C++ and JavaScript (src/syntax/model_tests.*): split, depends_on and
// plain_test through the grammars' test splitters.
#include "core/language.hpp"
#include "dataset/problem_files.hpp"
#include "syntax/split_tests.hpp"

#include <doctest/doctest.h>

using namespace assay::syntax;

TEST_CASE("syntax::split_asserts: C++ assert statements") {
    SUBCASE("statements, declarations before them, and includes left out") {
        const auto split = split_asserts("cpp", "#include <cassert>\n"
                                                "using namespace std;\n"
                                                "assert(f(1) == 2);\n"
                                                "std::vector<int> v = {3, 1};\n"
                                                "assert(f(v[0]) == 4);\n"
                                                "  assert(f(7) != 0);\n");
        REQUIRE(split.has_value());
        REQUIRE(split->cases.size() == 3);
        CHECK(split->cases[0].name == "test_0");
        CHECK(split->cases[0].code == "assert(f(1) == 2);\n");
        CHECK(split->cases[1].code == "std::vector<int> v = {3, 1};\nassert(f(v[0]) == 4);\n");
        CHECK(split->cases[2].code == "std::vector<int> v = {3, 1};\nassert(f(7) != 0);\n");
    }
    SUBCASE("a whole test program: main's statements") {
        const auto split = split_asserts("cpp", "#include <cassert>\nint main() {\n"
                                                "    assert(f(1) == 2);\n    assert(f(2) == 3);\n"
                                                "    return 0;\n}\n");
        REQUIRE(split.has_value());
        REQUIRE(split->cases.size() == 2);
        CHECK(split->cases[1].code == "assert(f(2) == 3);\n");
    }
    SUBCASE("no assertion: no case; a syntax error: its line in the block") {
        const auto none = split_asserts("cpp", "int x = 1;\n");
        REQUIRE(none.has_value());
        CHECK(none->cases.empty());
        const auto bad = split_asserts("cpp", "assert(f(1) == 2);\nassert(f(1) == );\n");
        REQUIRE_FALSE(bad.has_value());
        CHECK(bad.error().where.starts_with("test:2:"));
    }
}

TEST_CASE("syntax::split_asserts: JavaScript assertions") {
    const auto split = split_asserts("javascript", "const assert = require('assert');\n"
                                                   "assert.strictEqual(f(1), 2);\n"
                                                   "const x = f(2);\n"
                                                   "assert.deepStrictEqual(x, [1, 2]);\n"
                                                   "console.assert(f(3) === 4);\n");
    REQUIRE(split.has_value());
    REQUIRE(split->cases.size() == 3);
    CHECK(split->cases[0].code ==
          "const assert = require('assert');\nassert.strictEqual(f(1), 2);\n");
    CHECK(
        split->cases[1].code ==
        "const assert = require('assert');\nconst x = f(2);\nassert.deepStrictEqual(x, [1, 2]);\n");
    CHECK(split->cases[2].name == "test_2");
}

TEST_CASE("syntax::depends_on: C++ and JavaScript") {
    CHECK(depends_on("cpp", "assert(f(1) == 2);", "f"));
    CHECK(depends_on("cpp", "auto r = f(2);\nassert(r == 4);", "f"));
    CHECK_FALSE(depends_on("cpp", "int r = 2;\nassert(r == 2);", "f"));
    CHECK_FALSE(depends_on("cpp", "assert(\"f\" != nullptr);", "f"));
    CHECK(depends_on("javascript", "assert.strictEqual(f(1), 2);", "f"));
    CHECK(depends_on("javascript", "const r = f(2);\nassert(r === 4);", "f"));
    CHECK_FALSE(depends_on("javascript", "assert.strictEqual(x.f, 2);", "f"));
    CHECK_FALSE(depends_on("javascript", "assert.strictEqual('f', 'f');", "f"));
    CHECK_FALSE(depends_on("javascript", "assert.strictEqual(f(1), ", "f"));
}

TEST_CASE("syntax::plain_test: C++ tests that cannot reach the harness") {
    for (const char* ok :
         {"assert(f(1) == 2);", "assert(f({1, 2}) == std::vector<int>{2, 1});",
          "assert(std::abs(f(2.0) - 0.5) < 1e-6);", "auto r = f(2);\nassert(r == 4);",
          "std::vector<int> v = {3, 1};\nassert(f(v) == vector<int>{1, 3});",
          "assert(f(\"ab\") == std::string(\"ba\"));", "assert(f(3).size() == 2);",
          "assert(f(3).first == 1);", "assert(f(5) == std::nullopt);",
          "assert(f(static_cast<long long>(1) << 40) == std::make_pair(1, 2));", "assert(!f(0));",
          "const std::map<std::string, int> m{{\"a\", 1}};\nassert(f(m) == 1);"})
        CHECK_MESSAGE(plain_test("cpp", ok, "f"), ok);
    // What a forging test needs: I/O, other functions and types, lambdas, macros, pointers.
    for (const char* bad :
         {"assert(f(1) == 2);\nputs(\"x\");", "assert(f(1) == system(\"id\"));",
          "std::ifstream in(\"/work/nonce\");\nassert(f(1) == 1);",
          "assert(f([] { return 1; }()) == 1);", "#define X 1\nassert(f(X) == 1);",
          "assert(f(1) == *(int*)0);", "int x;\nassert(f(x) == 1);", "assert(_f(1) == 1);",
          "assert(f(1) == std::getenv(\"HOME\"));", "assert(f(1).data() == nullptr);",
          "static int x = 1;\nassert(f(x) == 1);", "assert(f(1) == (x = 2));",
          "assert(f(1) == 2) ;\nexit(0);", "assert(f(1) ==);", "std::cout << f(1);"})
        CHECK_MESSAGE(!plain_test("cpp", bad, "f"), bad);
}

TEST_CASE("syntax::plain_test: JavaScript tests that cannot reach the harness") {
    for (const char* ok :
         {"assert.strictEqual(f(1), 2);", "assert.deepStrictEqual(f([1, 2]), [2, 1]);",
          "const assert = require('node:assert');\nassert(f(1) === 1);",
          "const r = f(2);\nassert.strictEqual(r, 4);",
          "assert.ok(Math.abs(f(2.5) - 0.5) < Number.EPSILON);",
          "assert.deepStrictEqual(f(new Map([[1, 2]])), new Set([1]));",
          "assert.strictEqual(f(10n), 20n);", "assert.deepStrictEqual([...f(3)].sort(), [1, 2]);",
          "assert.strictEqual(f('x').length, 1);", "console.assert(f(undefined) === null);",
          "assert.strictEqual(f(`plain`), -Infinity);",
          "assert.deepStrictEqual(f({a: 1}), {b: [2]});", "assert.strictEqual(f([1, 2])[0], 1);"})
        CHECK_MESSAGE(plain_test("javascript", ok, "f"), ok);
    for (const char* bad :
         {"assert.strictEqual(f(1), 2);\nconsole.log('x');",
          "assert.strictEqual(f(1), require('fs').readFileSync('/work/nonce', 'utf8'));",
          "assert.strictEqual(f(1), process.env.HOME);", "assert.strictEqual(f(() => 1), 1);",
          "assert.strictEqual(f(1), `${globalThis}`);", "assert.strictEqual(f(1), this);",
          "assert.strictEqual(f(1).constructor.constructor('return 1')(), 1);",
          "let x;\nassert.strictEqual(f(x), 1);", "assert.strictEqual(_f(1), 1);",
          "assert.strictEqual(f(1), eval('1'));", "const fs = require('fs');\nassert(f(1));",
          "assert.strictEqual(f(1), (x = 2));", "assert.strictEqual(f({[k]: 1}), 1);",
          "assert.throws(() => f(1));", "delete f.x;\nassert(f(1));",
          "assert.strictEqual(f(1), new Function('return 1')());", "assert.strictEqual(f(1), ",
          // The Function constructor through computed members (an attack that forged a judge's
          // lines), and a computed callee in other spellings.
          "assert.strictEqual(f('a') + []['constructor']['constructor']('return 1')(), 'A');",
          "const k = 'constructor';\nassert.strictEqual(f([][k][k]), 1);",
          "assert.strictEqual(f(1), [`constructor`][0]);\nassert.strictEqual(f([]['at']), 1);",
          "assert.strictEqual((f)(1)(2), 3);", "assert.strictEqual([f][0](1), 1);"})
        CHECK_MESSAGE(!plain_test("javascript", bad, "f"), bad);
}

TEST_CASE("syntax::plain_test: the bank's C++ and JavaScript tests are plain") {
    for (const char* language : {"cpp", "javascript"}) {
        const auto problems = assay::dataset::load_problems(
            assay::project_root() / "problems" / language, assay::dataset::Format::assay);
        REQUIRE(problems.has_value());
        REQUIRE(problems->size() >= 30);
        std::size_t plain = 0, total = 0;
        std::string others;
        for (const auto& p : *problems)
            for (const auto& t : p.tests) {
                ++total;
                if (plain_test(language, t.code, p.entry_point) &&
                    depends_on(language, t.code, p.entry_point))
                    ++plain;
                else
                    others += p.id + ": " + t.code + "\n";
            }
        INFO(language, ": ", plain, " of ", total, " tests are plain; the others:\n", others);
        // The others build big inputs with a lambda or test a throw (`assert.throws(() => …)`):
        // a function in a test is never plain.
        CHECK(plain * 100 >= total * 88);
    }
}
