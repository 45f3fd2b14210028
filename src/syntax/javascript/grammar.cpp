// JavaScript in the grammar registry (grammar.hpp): functions and mutations; no scopes,
// refactorings or test splitting yet.
#include "syntax/javascript/javascript.hpp"

extern "C" const TSLanguage* tree_sitter_javascript();

namespace assay::syntax {

extern const Grammar javascript_grammar{
    .name = "javascript",
    .parser = tree_sitter_javascript,
    .function = javascript::function,
    .mutations = &javascript::mutation_rules,
};

} // namespace assay::syntax
