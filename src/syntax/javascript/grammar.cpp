// JavaScript in the grammar registry (grammar.hpp): functions, mutations, scopes, refactorings,
// test splitting and the judge's case plan.
#include "syntax/case_plan.hpp"
#include "syntax/javascript/javascript.hpp"
#include "syntax/refactor.hpp"
#include "syntax/scopes.hpp"
#include "syntax/split_tests.hpp"

extern "C" const TSLanguage* tree_sitter_javascript();

namespace assay::syntax {

extern const Grammar javascript_grammar{
    .name = "javascript",
    .parser = tree_sitter_javascript,
    .function = javascript::function,
    .mutations = &javascript::mutation_rules,
    .scopes = javascript::analyze_scopes,
    .refactorings = javascript::refactorings,
    .tests = &javascript::test_splitter,
    .case_plan = &javascript::case_plan_rules,
};

} // namespace assay::syntax
