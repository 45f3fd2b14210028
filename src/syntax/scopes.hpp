// Name resolution, as much as renaming needs: which identifier occurrences are the same local
// variable of which function. Each grammar brings its own rules (grammar.hpp;
// src/syntax/<grammar>/scopes.cpp: Python's LEGB, JavaScript's and C++'s block scopes).
//
// A Scope is a function (or lambda, comprehension, class body), never a block: in the block-scoped
// languages two bindings of one name in two blocks of one function (`{ let x } { let x }`) are
// the same local of that function. Each use still resolves to the function whose binding is in
// scope there (or to -1), so renaming every (scope, name) consistently keeps each use with its
// binding; what a block-scoped language adds is that a name may resolve to -1 after the block of
// a same-named local ended (`count(…)` after `{ int count; }`).
#pragma once

#include "syntax/syntax_tree.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace assay::syntax {

enum class ScopeKind { function, lambda, comprehension, class_body };

struct Scope {
    TSNode node{}; // the function, lambda, comprehension or class node
    ScopeKind kind = ScopeKind::function;
    int parent = -1;                 // index of the enclosing scope; -1 is the module
    int depth = 1;                   // 1 for a scope directly in the module
    std::vector<std::string> locals; // bound here (parameters first), in order of first binding;
                                     // names declared global/nonlocal are not locals
    std::vector<std::string> parameters;
};

// One occurrence of a variable name.
struct NameUse {
    TSNode node{};        // the identifier
    int occurs_in = -1;   // the innermost scope it occurs in; -1 is the module
    int resolves_to = -1; // the scope whose local it is; -1 for globals and builtins
    bool binding = false; // assigned, a loop target, a parameter, …
    // For a binding, the end byte of the region where it is visible: its block, in the
    // block-scoped languages (`{ let x; }`); its whole scope otherwise.
    uint32_t visible_until = UINT32_MAX;
};

struct Scopes {
    std::vector<Scope> scopes;
    // Every identifier that names a variable, in document order: not attribute names, keyword
    // argument names, def/class names, nor names in import statements (imported names count as
    // globals, so they are never renamed).
    std::vector<NameUse> uses;

    // Whether uses resolving to scope `index` may be renamed (class attributes may not).
    [[nodiscard]] bool renamable(int index) const {
        return index >= 0 && scopes[static_cast<std::size_t>(index)].kind != ScopeKind::class_body;
    }
};

// Resolves the names of a tree by its grammar's rules; empty for a grammar without any (then
// nothing is renamed, and ast_hash and wrong_variable see no locals).
[[nodiscard]] Scopes analyze_scopes(const SyntaxTree& tree);

} // namespace assay::syntax
