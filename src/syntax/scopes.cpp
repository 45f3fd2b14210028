#include "syntax/scopes.hpp"

#include "syntax/grammar.hpp"

namespace assay::syntax {

Scopes analyze_scopes(const SyntaxTree& tree) {
    const Grammar* known = find_grammar(tree.language());
    if (known == nullptr || known->scopes == nullptr) return {};
    return known->scopes(tree);
}

} // namespace assay::syntax
