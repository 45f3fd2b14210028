// Python's tables and passes for the syntax layer, registered as one Grammar
// (src/syntax/python/grammar.cpp). Only the generic files reach them, through the registry.
#pragma once

#include "syntax/grammar.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace assay::syntax::python {

// The grammar's name, as languages/python.toml `grammar` gives it.
inline constexpr std::string_view grammar_name = "python";

// A function definition, also decorated (entry_point.cpp).
[[nodiscard]] std::optional<FunctionNodes> function(TSNode whole, TSNode node);
extern const MutationRules mutation_rules;
// Python's name resolution: which identifier occurrences are the same local variable.
[[nodiscard]] Scopes analyze_scopes(const SyntaxTree& tree);
// rename_locals, loop_to_comprehension, comprehension_to_loop, if_else_return_to_conditional:
// the candidates before the generic checks (refactor.cpp).
[[nodiscard]] std::vector<Refactoring> refactorings(const SyntaxTree& tree);
extern const TestSplitter test_splitter;

} // namespace assay::syntax::python
