#include "syntax/syntax_check.hpp"

#include <doctest/doctest.h>
#include <random>

using namespace std::string_literals;
using assay::syntax::check_syntax;
using assay::syntax::SyntaxError;

namespace {
SyntaxError error_of(std::string_view language, std::string_view code) {
    const auto result = check_syntax(language, code);
    REQUIRE(result.has_value());
    REQUIRE(result->has_value());
    return **result;
}
bool parses(std::string_view language, std::string_view code) {
    const auto result = check_syntax(language, code);
    REQUIRE(result.has_value());
    return !result->has_value();
}
} // namespace

TEST_CASE("syntax::syntax_check") {
    SUBCASE("valid code in each language") {
        CHECK(parses("python", "def f(x):\n    return x + 1\n"));
        CHECK(parses("javascript", "function f(x) { return x + 1; }\n"));
        CHECK(parses("cpp", "int f(int x) { return x + 1; }\n"));
        CHECK(parses("python", ""));
    }
    SUBCASE("an error's line, column and excerpt") {
        const SyntaxError error = error_of("python", "def f(x):\n    return x +* 2\n");
        CHECK(error.line == 2);
        // tree-sitter puts the whole statement it could not reduce into the ERROR node.
        CHECK(error.column == 5);
        CHECK(error.message == "syntax error near 'return x +* 2'");
        CHECK(error.describe() == "2:5: syntax error near 'return x +* 2'");
    }
    SUBCASE("a long excerpt is cut") {
        const SyntaxError error =
            error_of("python", "x = 1\ny = 'abcdefghijklmnopqrstuvwxyz' +* 2\n");
        CHECK(error.line == 2);
        CHECK(error.column == 1);
        CHECK(error.message == "syntax error near 'y = 'abcdefghijklmno…'");
    }
    SUBCASE("a missing token") {
        const SyntaxError error = error_of("javascript", "function f(x) { return (x + 1; }\n");
        CHECK(error.line == 1);
        CHECK(error.message == "syntax error: missing ')'");
    }
    SUBCASE("an unterminated string") {
        const SyntaxError error = error_of("python", "x = 1\ny = 'abc\n");
        CHECK(error.line == 2);
        CHECK(error.message.starts_with("syntax error"));
    }
    SUBCASE("control bytes in the excerpt are escaped") {
        CHECK(error_of("python", "y = \x01 +* 2\n").message ==
              "syntax error near 'y = \\x01 +* 2'");
    }
    SUBCASE(
        "known gap: tree-sitter accepts an unexpected indent (python3 reports it at run time)") {
        CHECK(parses("python", "x = 1\n    y = 2\n"));
    }
    SUBCASE("an unknown language is an error, not a verdict") {
        CHECK_FALSE(check_syntax("cobol", "x").has_value());
    }
}

TEST_CASE("syntax::syntax_check hostile inputs" * doctest::test_suite("hostile")) {
    SUBCASE("binary garbage, NUL bytes, invalid UTF-8") {
        std::mt19937 random(7);
        std::string garbage(100'000, '\0');
        for (char& c : garbage)
            c = static_cast<char>(random());
        CHECK_FALSE(parses("python", garbage));
        CHECK_FALSE(parses("cpp", garbage));
        CHECK_FALSE(parses("python", "x = 1\0\ny = 2\n"s));
        const auto invalid = check_syntax("python", "s = '\xff\xfe\xc3'\n");
        CHECK(invalid.has_value());
    }
    SUBCASE("10k nested parentheses") {
        const std::string deep =
            "x = " + std::string(10'000, '(') + "1" + std::string(10'000, ')') + "\n";
        CHECK(parses("python", deep));
        CHECK_FALSE(parses("python", deep.substr(0, deep.size() - 2)));
    }
    SUBCASE("a 1 MB file") {
        std::string big;
        for (int i = 0; big.size() < 1'000'000; ++i)
            big += "def f" + std::to_string(i) + "(a, b):\n    return a * b + " +
                   std::to_string(i) + "\n\n";
        CHECK(parses("python", big));
        big.insert(big.size() / 2, "(((");
        CHECK_FALSE(parses("python", big));
    }
}
