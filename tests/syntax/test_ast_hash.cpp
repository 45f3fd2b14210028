#include "syntax/ast_hash.hpp"

#include <doctest/doctest.h>

using namespace std::string_literals;
using assay::syntax::ast_hash;

namespace {
std::string hash(std::string_view code, std::string_view language = "python") {
    const auto result = ast_hash(language, code);
    REQUIRE(result.has_value());
    return *result;
}
} // namespace

TEST_CASE("syntax::ast_hash") {
    const std::string base = "def total(values, start=0):\n"
                             "    acc = start\n"
                             "    for v in values:\n"
                             "        acc += abs(v)\n"
                             "    return acc\n";
    SUBCASE("comments, whitespace and quote style are ignored") {
        // Grouping parentheses are layout: the tree says what they group.
        CHECK(hash(base) == hash(base.substr(0, base.size() - 4) + "((acc))\n"));
        CHECK(hash("def f(a, b):\n    return (a + b) * 2\n") !=
              hash("def f(a, b):\n    return a + b * 2\n"));
        CHECK(hash("def f(a, b):\n    return (a + b) * 2\n") ==
              hash("def f(a, b):\n    return ((a) + (b)) * (2)\n"));
        CHECK(hash("x = (1 + 2)", "javascript") == hash("x = 1 + 2", "javascript"));
        CHECK(hash(base) == hash("# sums\ndef total( values,start = 0 ):  # doc\n"
                                 "    acc=start\n\n"
                                 "    for v in values :\n"
                                 "          acc+=abs( v )\n"
                                 "    return acc\n"));
        CHECK(hash("x = 'a'\n") == hash("x = \"a\"\n"));
        CHECK(hash("x = 'a'\n") != hash("x = f'a'\n"));
    }
    SUBCASE("locals and parameters are alpha-renamed") {
        CHECK(hash(base) == hash("def total(xs, s=0):\n"
                                 "    result = s\n"
                                 "    for item in xs:\n"
                                 "        result += abs(item)\n"
                                 "    return result\n"));
    }
    SUBCASE("function names, globals, builtins, attributes and keywords are kept") {
        CHECK(hash(base) != hash(base.substr(0, 4) + "sum_" + base.substr(4)));
        CHECK(hash(base) !=
              hash("def total(values, start=0):\n    acc = start\n    for v in values:\n"
                   "        acc += max(v)\n    return acc\n"));
        CHECK(hash("def f(a):\n    return a.x + G\n") != hash("def f(a):\n    return a.y + G\n"));
        CHECK(hash("def f(a):\n    return a + G\n") != hash("def f(a):\n    return a + H\n"));
        CHECK(hash("def f(a):\n    return g(key=a)\n") != hash("def f(a):\n    return g(k=a)\n"));
    }
    SUBCASE("renaming follows scopes: order of first occurrence, closures, globals") {
        // Swapping which parameter is used changes the program.
        CHECK(hash("def f(a, b):\n    return a - b\n") != hash("def f(a, b):\n    return b - a\n"));
        CHECK(hash("def f(a):\n    def g():\n        return a\n    return g\n") ==
              hash("def f(z):\n    def g():\n        return z\n    return g\n"));
        CHECK(hash("def f():\n    global n\n    n = 1\n") !=
              hash("def f():\n    global m\n    m = 1\n"));
        CHECK(hash("def f(x):\n    return [y * x for y in x]\n") ==
              hash("def f(q):\n    return [w * q for w in q]\n"));
    }
    SUBCASE("other languages, hostile input") {
        CHECK(hash("int f(int x) { return x; } // c", "cpp") ==
              hash("int f(int x)\n{\n  return x;\n}", "cpp"));
        CHECK(hash("") == hash("# only a comment\n"));
        CHECK(hash("\0\xff\xfe((("s).size() == 32);
        CHECK(hash(std::string(10'000, '(')).size() == 32);
        CHECK_FALSE(ast_hash("cobol", "x").has_value());
    }
}

TEST_CASE("syntax::ast_fingerprint") {
    const auto print = [](std::string_view code) {
        const auto result = assay::syntax::ast_fingerprint("python", code);
        REQUIRE(result.has_value());
        return *result;
    };
    const std::string original = "from typing import List\n\n\n"
                                 "def has_pair(numbers: List[float], gap: float = 1.0) -> bool:\n"
                                 "    \"\"\" Whether two numbers are closer than gap.\"\"\"\n"
                                 "    for i, a in enumerate(numbers):\n"
                                 "        for j, b in enumerate(numbers):\n"
                                 "            if i != j and abs(a - b) < gap:\n"
                                 "                return helper(True)\n"
                                 "    return False\n\n\n"
                                 "def helper(x):\n"
                                 "    return x\n";
    SUBCASE("renamed functions, parameters and locals; no docstring, annotations or imports") {
        const std::string copy = "def close(values, limit=1.0):\n"
                                 "    '''Another statement entirely.'''\n"
                                 "    for p, x in enumerate(values):\n"
                                 "        for q, y in enumerate(values):\n"
                                 "            if p != q and abs(x - y) < limit:\n"
                                 "                return ident(True)\n"
                                 "    return False\n\n\n"
                                 "def ident(v):\n"
                                 "    return v\n";
        CHECK(print(original) == print(copy));
        CHECK(assay::syntax::ast_hash("python", original).value() !=
              assay::syntax::ast_hash("python", copy).value());
    }
    SUBCASE("a different program differs") {
        const std::string other = "def close(values, limit=1.0):\n"
                                  "    for p, x in enumerate(values):\n"
                                  "        for q, y in enumerate(values):\n"
                                  "            if p != q and abs(x - y) <= limit:\n"
                                  "                return ident(True)\n"
                                  "    return False\n\n\n"
                                  "def ident(v):\n"
                                  "    return v\n";
        CHECK(print(original) != print(other));
        // Builtins are kept: max is not min.
        CHECK(print("def f(a):\n    return max(a)\n") != print("def g(b):\n    return min(b)\n"));
        CHECK(print("def f(a):\n    return max(a)\n") == print("def g(b):\n    return max(b)\n"));
    }
}
