// JavaScript's tables and passes for the syntax layer, registered as one Grammar
// (src/syntax/javascript/grammar.cpp). Only the generic files reach them, through the registry.
#pragma once

#include "syntax/grammar.hpp"

#include <optional>
#include <vector>

namespace assay::syntax::javascript {

// `function f`, `const f = (…) => …`, `const f = function (…) {…}`, and their `export` forms
// (entry_point.cpp).
[[nodiscard]] std::optional<FunctionNodes> function(TSNode whole, TSNode node);
extern const MutationRules mutation_rules;
// Block scopes with hoisting (scopes.cpp).
[[nodiscard]] Scopes analyze_scopes(const SyntaxTree& tree);
// rename_locals, if_else_return_to_conditional, conditional_to_if_else, loop_to_algorithm: the
// candidates before the generic checks (refactorings.cpp).
[[nodiscard]] std::vector<Refactoring> refactorings(const SyntaxTree& tree);
extern const CasePlanRules case_plan_rules; // case_plan.cpp
extern const TestSplitter test_splitter;    // split_tests.cpp

} // namespace assay::syntax::javascript
