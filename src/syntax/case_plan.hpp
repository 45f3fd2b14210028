// Splitting one test case between the judge model's two processes (../shared/DESIGN.md "The judge
// model") for languages whose harness is a pair of programs (C++, JavaScript): each outermost
// call of a candidate function in the case is a *hole*, evaluated natively in the runner, next to
// the candidate, whose value leaves canonically encoded; the judge evaluates the rest of the case
// (the expected side) with each hole replaced by that value. A case that cannot be split this way
// runs whole in the runner and decides only its own result.
#pragma once

#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::syntax {

// A byte range of the case's code.
struct Span {
    uint32_t begin = 0;
    uint32_t end = 0;
};

// An outermost call of a candidate function, and the names its arguments use.
struct CaseHole {
    Span span;
    std::vector<std::string> uses;
};

// `assert(cond)` / `console.assert(cond)`: the condition, and when it is a comparison `a OP b`
// (parentheses aside) its two operands and operator, so the judge can say both values.
struct CaseAssertion {
    Span condition;
    std::optional<Span> lhs;
    std::optional<Span> rhs;
    std::string op;
};

struct CaseStatement {
    Span span;
    bool declaration = false;
    std::vector<std::string> declares; // names a declaration binds
    std::vector<std::string> uses;     // every name the statement mentions
    std::vector<CaseHole> holes;       // in source order
    bool asserts = false;              // an assertion statement (the runner leaves it out)
    // A single-condition assertion (the judge renders it); other statements keep their text.
    std::optional<CaseAssertion> assertion;
};

struct CasePlan {
    std::string code; // the case's code; spans index it
    std::vector<CaseStatement> statements;
    // Why the case cannot be split (it then runs whole in the runner); empty when it can.
    std::string whole;
};

// A grammar's rules for plan_case: node types and the callees that assert.
struct CasePlanRules {
    // The case's code is parsed as `prefix + code + suffix`; the statements are the named
    // children of the first node of `block` type (or of the root when `block` is empty).
    std::string_view prefix;
    std::string_view suffix;
    std::string_view block;
    std::vector<std::string_view> calls;        // call nodes (their `function` field is the callee)
    std::vector<std::string_view> declarations; // statements that bind names (outside `value`)
    std::vector<std::string_view> names;        // identifier node types
    std::vector<std::string_view> nested;       // scopes and control flow: a hole inside → whole
    std::vector<std::string_view> wrappers;     // parenthesised expressions (looked through)
    std::string_view expression_statement;
    std::string_view comparison; // binary expression node; its `operator` field
    std::vector<std::string_view> comparison_ops;
    std::vector<std::string_view> condition_asserts; // callees whose first argument is asserted
    std::vector<std::string_view> other_asserts;     // callees that assert on their own
};

// Plans `code` (one test case) of `grammar`, where `candidates` are the functions the candidate
// program defines for the tests (the entry point). Fails only when the grammar has no rules or
// does not parse the code at all; a case it cannot split comes back with `whole` set.
[[nodiscard]] Expected<CasePlan> plan_case(std::string_view grammar, std::string code,
                                           const std::vector<std::string>& candidates);

} // namespace assay::syntax
