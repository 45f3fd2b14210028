// The tree-sitter grammars compiled into assay (cmake/grammars.cmake) and what the syntax layer
// knows of each: one registry, keyed by the grammar name a language descriptor gives
// (languages/*.toml `grammar`). A language's own tables and passes live under
// src/syntax/<grammar>/ and are listed here by one `Grammar` each; the generic files (mutate,
// refactor, scopes, entry_point, split_tests) look them up and never name a language.
#pragma once

#include "util/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <tree_sitter/api.h>
#include <vector>

namespace assay::syntax {

class SyntaxTree;
struct Scopes;        // syntax/scopes.hpp
struct Refactoring;   // syntax/refactor.hpp
struct MutationRules; // syntax/mutation_rules.hpp
struct TestSplitter;  // syntax/split_tests.hpp
struct CasePlanRules; // syntax/case_plan.hpp

// A top-level function as the grammar shows it: the whole definition (for its byte range), the
// node that holds the name, and the parameter list (or a lone parameter).
struct FunctionNodes {
    TSNode whole{};
    TSNode name{};
    TSNode parameters{};
};

// One grammar. A null member means the grammar has no such table or pass: the operation then
// finds nothing (no functions, mutants, refactorings, scopes) or fails (test splitting).
struct Grammar {
    std::string_view name;
    const TSLanguage* (*parser)() = nullptr;
    // `node`, a direct child of the root (`whole` the node whose span counts), as a top-level
    // function, or nullopt (entry_point.hpp).
    std::optional<FunctionNodes> (*function)(TSNode whole, TSNode node) = nullptr;
    const MutationRules* mutations = nullptr;                                   // mutate.hpp
    Scopes (*scopes)(const SyntaxTree& tree) = nullptr;                         // scopes.hpp
    std::vector<Refactoring> (*refactorings)(const SyntaxTree& tree) = nullptr; // refactor.hpp
    const TestSplitter* tests = nullptr;                                        // split_tests.hpp
    const CasePlanRules* case_plan = nullptr;                                   // case_plan.hpp
    // Programs must declare a function before a call (C++): see prototypes() (entry_point.hpp).
    bool declares_functions = false;
    // Why a program cannot be a unit of its own behind its prototypes, or empty
    // (entry_point.hpp separate_declarations); null: never.
    std::string (*separation_refusal)(const SyntaxTree& tree) = nullptr;
};

// Every registered grammar, in a fixed order.
[[nodiscard]] const std::vector<const Grammar*>& grammars();

// The registered grammar called `name` (exactly, case included), or nullptr.
[[nodiscard]] const Grammar* find_grammar(std::string_view name);

// The tree-sitter language of grammar `name`; nullptr for a name that is not registered. The
// pointer is static (never freed). Throws FatalError (internal) when the grammar was generated
// for an ABI version the linked tree-sitter runtime cannot load.
[[nodiscard]] const TSLanguage* grammar(std::string_view name);

} // namespace assay::syntax
