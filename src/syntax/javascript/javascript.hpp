// JavaScript's tables and passes for the syntax layer, registered as one Grammar
// (src/syntax/javascript/grammar.cpp). Only the generic files reach them, through the registry.
#pragma once

#include "syntax/grammar.hpp"

#include <optional>

namespace assay::syntax::javascript {

// `function f`, `const f = (…) => …`, `const f = function (…) {…}`, and their `export` forms
// (entry_point.cpp).
[[nodiscard]] std::optional<FunctionNodes> function(TSNode whole, TSNode node);
extern const MutationRules mutation_rules;
extern const CasePlanRules case_plan_rules; // case_plan.cpp
extern const TestSplitter test_splitter;    // split_tests.cpp

} // namespace assay::syntax::javascript
