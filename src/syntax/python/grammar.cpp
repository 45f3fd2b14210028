// Python in the grammar registry (grammar.hpp).
#include "syntax/python/python.hpp"
#include "syntax/refactor.hpp"
#include "syntax/scopes.hpp"
#include "syntax/split_tests.hpp"

extern "C" const TSLanguage* tree_sitter_python();

namespace assay::syntax {

extern const Grammar python_grammar{
    .name = python::grammar_name,
    .parser = tree_sitter_python,
    .function = python::function,
    .mutations = &python::mutation_rules,
    .scopes = python::analyze_scopes,
    .refactorings = python::refactorings,
    .tests = &python::test_splitter,
};

} // namespace assay::syntax
