// C++'s tables and passes for the syntax layer, registered as one Grammar
// (src/syntax/cpp/grammar.cpp). Only the generic files reach them, through the registry.
#pragma once

#include "syntax/grammar.hpp"

#include <optional>
#include <string>
#include <vector>

namespace assay::syntax::cpp {

// A function definition, also inside a template declaration (entry_point.cpp).
[[nodiscard]] std::optional<FunctionNodes> function(TSNode whole, TSNode node);
// Why the program in `tree` cannot be compiled as a unit of its own that another unit calls
// through its prototypes (entry_point.hpp separate_declarations), or empty when it can.
[[nodiscard]] std::string separation_refusal(const SyntaxTree& tree);
// Block scopes from the point of declaration (scopes.cpp).
[[nodiscard]] Scopes analyze_scopes(const SyntaxTree& tree);
// rename_locals, if_else_return_to_conditional, conditional_to_if_else, loop_to_algorithm: the
// candidates before the generic checks (refactorings.cpp).
[[nodiscard]] std::vector<Refactoring> refactorings(const SyntaxTree& tree);
extern const CasePlanRules case_plan_rules; // case_plan.cpp
extern const MutationRules mutation_rules;  // mutations.cpp
extern const TestSplitter test_splitter;    // split_tests.cpp

} // namespace assay::syntax::cpp
