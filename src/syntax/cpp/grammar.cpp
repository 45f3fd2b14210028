// C++ in the grammar registry (grammar.hpp): functions, scopes, refactorings, test splitting and
// the judge's case plan.
#include "syntax/case_plan.hpp"
#include "syntax/cpp/cpp.hpp"
#include "syntax/mutation_rules.hpp"
#include "syntax/refactor.hpp"
#include "syntax/scopes.hpp"
#include "syntax/split_tests.hpp"

extern "C" const TSLanguage* tree_sitter_cpp();

namespace assay::syntax {

extern const Grammar cpp_grammar{
    .name = "cpp",
    .parser = tree_sitter_cpp,
    .function = cpp::function,
    .mutations = &cpp::mutation_rules,
    .scopes = cpp::analyze_scopes,
    .refactorings = cpp::refactorings,
    .tests = &cpp::test_splitter,
    .case_plan = &cpp::case_plan_rules,
    .declares_functions = true,
    .separation_refusal = cpp::separation_refusal,
};

} // namespace assay::syntax
