// syntax::plan_case: a test case split between runner (holes) and judge, for C++ and JavaScript.
#include "syntax/case_plan.hpp"

#include <doctest/doctest.h>

using namespace assay::syntax;

namespace {

std::string text(const CasePlan& plan, Span span) {
    return plan.code.substr(span.begin, span.end - span.begin);
}

CasePlan planned(std::string_view grammar, std::string code) {
    auto plan = plan_case(grammar, std::move(code), {"f"});
    REQUIRE(plan.has_value());
    return std::move(*plan);
}

} // namespace

TEST_CASE("syntax::plan_case splits C++ assertions at the candidate's calls") {
    SUBCASE("a comparison: the hole, its operands and operator") {
        const CasePlan plan = planned("cpp", "vector<int> a = {1, 2};\nassert (f(a, 3) == 5);\n");
        REQUIRE(plan.whole.empty());
        REQUIRE(plan.statements.size() == 2);
        const CaseStatement& declaration = plan.statements[0];
        CHECK(declaration.declaration);
        CHECK(declaration.declares == std::vector<std::string>{"a"});
        CHECK(declaration.holes.empty());
        const CaseStatement& assertion = plan.statements[1];
        CHECK(assertion.asserts);
        REQUIRE(assertion.holes.size() == 1);
        CHECK(text(plan, assertion.holes[0].span) == "f(a, 3)");
        CHECK(assertion.holes[0].uses == std::vector<std::string>{"f", "a"});
        REQUIRE(assertion.assertion.has_value());
        REQUIRE(assertion.assertion->lhs.has_value());
        CHECK(text(plan, *assertion.assertion->lhs) == "f(a, 3)");
        CHECK(text(plan, *assertion.assertion->rhs) == "5");
        CHECK(assertion.assertion->op == "==");
    }
    SUBCASE("a helper's call: one condition, the outermost candidate call is the hole") {
        const CasePlan plan = planned("cpp", "assert (issame(f(f(1)), {1, 2}));");
        REQUIRE(plan.whole.empty());
        const CaseStatement& s = plan.statements.at(0);
        REQUIRE(s.holes.size() == 1);
        CHECK(text(plan, s.holes[0].span) == "f(f(1))");
        REQUIRE(s.assertion.has_value());
        CHECK_FALSE(s.assertion->lhs.has_value());
        CHECK(text(plan, s.assertion->condition) == "issame(f(f(1)), {1, 2})");
    }
    SUBCASE("a declaration that calls the candidate holds the hole") {
        const CasePlan plan = planned("cpp", "auto r = f(2);\nassert (r.size() == 3);");
        REQUIRE(plan.whole.empty());
        CHECK(plan.statements[0].declaration);
        CHECK(plan.statements[0].holes.size() == 1);
    }
    SUBCASE("what cannot be split runs whole, and says why") {
        CHECK(planned("cpp", "for (int i = 0; i < 3; i++) assert (f(i) == i);").whole ==
              "a candidate call inside a for_statement");
        CHECK(planned("cpp", "auto g = f;\nassert (g(1) == 2);").whole ==
              "the candidate is used as a value");
        CHECK(planned("cpp", "vector<int> v;\nf(v);\nassert (v.size() == 1);").whole ==
              "a statement calls the candidate for its effect");
        CHECK(planned("cpp", "assert (f(1) == 2); } int g() { return 0;").whole ==
              "the case does not parse");
    }
}

TEST_CASE("syntax::plan_case splits JavaScript assertions at the candidate's calls") {
    SUBCASE("console.assert of a strict comparison") {
        const CasePlan plan = planned(
            "javascript", "const xs = [1, 2]\nconsole.assert(JSON.stringify(f(xs)) === '[2,1]')\n");
        REQUIRE(plan.whole.empty());
        REQUIRE(plan.statements.size() == 2);
        CHECK(plan.statements[0].declares == std::vector<std::string>{"xs"});
        const CaseStatement& s = plan.statements[1];
        REQUIRE(s.holes.size() == 1);
        CHECK(text(plan, s.holes[0].span) == "f(xs)");
        REQUIRE(s.assertion.has_value());
        CHECK(text(plan, *s.assertion->lhs) == "JSON.stringify(f(xs))");
        CHECK(s.assertion->op == "===");
    }
    SUBCASE("assert.deepStrictEqual asserts on its own: the judge keeps the statement") {
        const CasePlan plan = planned("javascript", "assert.deepStrictEqual(f(1), [1])");
        REQUIRE(plan.whole.empty());
        CHECK(plan.statements[0].asserts);
        CHECK_FALSE(plan.statements[0].assertion.has_value());
        CHECK(plan.statements[0].holes.size() == 1);
    }
    SUBCASE("what cannot be split runs whole") {
        CHECK(planned("javascript", "[1, 2].forEach(x => console.assert(f(x) > 0))").whole ==
              "a candidate call inside a arrow_function");
        CHECK(planned("javascript", "const g = f\nconsole.assert(g(1) === 1)").whole ==
              "the candidate is used as a value");
    }
    SUBCASE("a grammar without rules fails") {
        CHECK_FALSE(plan_case("python", "assert f(1) == 1", {"f"}).has_value());
    }
}
