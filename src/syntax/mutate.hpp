// AST mutation operators: small, plausible bugs injected into a correct program, for bug/fix pairs.
// Each mutant is one edit (or one pair of edits) of byte ranges of the original source — never a
// pretty-printed tree — so everything outside the edit stays byte-identical.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace assay::syntax {

struct Mutant {
    std::string kind;        // the operator, one of mutation_operators()
    std::string code;        // the whole mutated program
    int line = 0;            // 1-based line of the (first) edit
    std::string description; // e.g. "line 4: '<' → '<='"
};

// The operators, in the order mutants() reports them:
//   comparison_swap      `<` ↔ `<=`, `>` ↔ `>=`, `==` ↔ `!=`, `in` ↔ `not in`, `is` ↔ `is not`
//   arithmetic_swap      `+` ↔ `-`, `*` → `/`, `/` → `*`, `//` → `/`, `%` → `//`, and `+=` ↔ `-=` …
//   boundary_off_by_one  an integer literal n → n+1 and n-1 in a comparison, a range() argument or
//                        an index
//   condition_negation   the condition c of an if/elif/while → `not (c)`
//   and_or_swap          `and` ↔ `or`
//   constant_change      other literals: n → 0 (0 → 1), x.y → 0.0, 'text' → '' ('' → 'x'),
//                        True ↔ False
//   return_value_change  `return x` → the empty value of x's kind ([] {} set() () '' 0), the
//                        negation of a boolean expression, or None
//   statement_deletion   one simple statement removed (its line goes); `pass` when it was the only
//                        statement of its block
//   argument_swap        two adjacent positional arguments of a call swapped (not for commutative
//                        builtins such as max, min)
//   wrong_variable       a use of a local replaced by another local of the same function bound
//                        before it
//   slice_bound_change   a[i:j] → a[i+1:j], a[i:j-1], a[:j], a[i:] (a missing bound gets 1 / -1)
//   loop_control_change  `break` ↔ `continue`; `for … in range(n)` → range(1, n) and range(n - 1)
//   negation_removal     `not x` → `x`, `-x` → `x`
[[nodiscard]] const std::vector<std::string_view>& mutation_operators();

// Every mutant of `code`, in a deterministic order: by operator (as listed above), then by
// position. Only function bodies are mutated: the function `entry_point` and the top-level
// functions it calls (directly or not), or every top-level function when `entry_point` is empty
// or not found. Docstrings and other bare string statements are never touched. Every mutant
// re-parses without error and differs from `code` and from every earlier mutant. Empty when
// `code` has a syntax error or the grammar `language` has no mutation rules (mutation_rules.hpp;
// Python and JavaScript have them; JavaScript lacks the operators its table leaves empty:
// slices, range(), and wrong_variable, which needs the grammar's scopes).
[[nodiscard]] std::vector<Mutant> mutants(std::string_view language, std::string_view code,
                                          std::string_view entry_point);

// At most `max` of mutants(), chosen deterministically from `seed` (the same on every platform)
// and spread across operators round-robin; returned in mutants() order.
[[nodiscard]] std::vector<Mutant> sample_mutants(std::string_view language, std::string_view code,
                                                 std::string_view entry_point, std::size_t max,
                                                 std::uint64_t seed);

} // namespace assay::syntax
