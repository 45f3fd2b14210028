#include "syntax/entry_point.hpp"

#include <doctest/doctest.h>

using namespace std::string_literals;
using assay::syntax::find_function;
using assay::syntax::top_level_functions;

TEST_CASE("syntax::entry_point") {
    SUBCASE("python: top-level and decorated definitions, parameters") {
        const std::string code = "import functools\n\n"
                                 "def helper(x):\n    return x\n\n"
                                 "@functools.cache\n"
                                 "def solve(a: int, b=2, *args, c, **kw):\n"
                                 "    def inner(y):\n        return y\n"
                                 "    return a\n\n"
                                 "class K:\n    def method(self):\n        pass\n"
                                 "if True:\n    def hidden():\n        pass\n";
        const auto solve = find_function("python", code, "solve");
        REQUIRE(solve.has_value());
        CHECK(solve->name == "solve");
        CHECK(solve->line == 6);
        CHECK(code.substr(solve->start_byte, 16) == "@functools.cache");
        CHECK(code.substr(solve->end_byte - 8).starts_with("return a"));
        REQUIRE(solve->parameters.size() == 5);
        CHECK(solve->parameters[0].name == "a");
        CHECK(solve->parameters[0].text == "a: int");
        CHECK(solve->parameters[1].name == "b");
        CHECK(solve->parameters[2].name == "args");
        CHECK(solve->parameters[2].text == "*args");
        CHECK(solve->parameters[4].name == "kw");
        CHECK(top_level_functions("python", code).value() ==
              std::vector<std::string>{"helper", "solve"});
        CHECK_FALSE(find_function("python", code, "inner").has_value());
        CHECK_FALSE(find_function("python", code, "method").has_value());
        CHECK(find_function("python", code, "hidden").error().message ==
              "no top-level function 'hidden'");
    }
    SUBCASE("javascript: declarations, arrow functions, exports") {
        const std::string code = "function add(a, b) { return a + b; }\n"
                                 "const twice = x => 2 * x;\n"
                                 "export const sub = (a, b = 1) => a - b;\n";
        CHECK(top_level_functions("javascript", code).value() ==
              std::vector<std::string>{"add", "twice", "sub"});
        const auto sub = find_function("javascript", code, "sub");
        REQUIRE(sub.has_value());
        CHECK(sub->line == 3);
        REQUIRE(sub->parameters.size() == 2);
        CHECK(sub->parameters[1].text == "b = 1");
        CHECK(find_function("javascript", code, "twice")->parameters[0].name == "x");
    }
    SUBCASE("cpp: plain, pointer-returning and template functions") {
        const std::string code = "#include <vector>\n"
                                 "int sum(const std::vector<int>& v, int start) { return start; }\n"
                                 "char* name() { return nullptr; }\n"
                                 "template <typename T> T twice(T x) { return x + x; }\n";
        CHECK(top_level_functions("cpp", code).value() ==
              std::vector<std::string>{"sum", "name", "twice"});
        const auto sum = find_function("cpp", code, "sum");
        REQUIRE(sum.has_value());
        REQUIRE(sum->parameters.size() == 2);
        CHECK(sum->parameters[0].name == "v");
        CHECK(sum->parameters[1].text == "int start");
    }
    SUBCASE("broken code is still searched; hostile input does not crash") {
        CHECK(find_function("python", "def ok(x):\n    return x\ndef bad(:\n", "ok").has_value());
        CHECK(top_level_functions("python", "").value().empty());
        CHECK(top_level_functions("python", "\0\xff\xfe def"s).has_value());
        CHECK_FALSE(top_level_functions("cobol", "x").has_value());
    }
}
