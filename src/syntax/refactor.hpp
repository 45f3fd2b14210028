// Refactoring operators: behaviour-preserving rewrites of a correct program, for data that teaches
// that one solution has many spellings. Like mutations they are byte-range edits of the original
// source (no pretty printer).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace assay::syntax {

struct Refactoring {
    std::string kind;        // one of refactoring_kinds()
    std::string code;        // the whole rewritten program
    std::string description; // what changed, e.g. "renamed nums → numbers, i → index"
};

// The rewrites, in the order refactorings() reports them:
//   rename_locals                 every local variable and parameter of every function renamed
//                                 consistently and scope-aware (closures follow their variable),
//                                 to meaningful-looking names that collide with no name in the
//                                 program; function names, globals, builtins, attributes and
//                                 imported names are kept, and so are parameters whose name is
//                                 used as a keyword argument anywhere (callers may pass it by name)
//   loop_to_comprehension         `x = []` + `for v in it: x.append(e)` (optionally under a single
//                                 `if c:`) → `x = [e for v in it if c]`, when x is not used inside
//                                 the loop and the loop variable is not used after it
//   comprehension_to_loop         the inverse, for `x = [e for v in it if c]` and
//                                 `return [e for v in it if c]` (through a fresh list name), when
//                                 the loop variable is used nowhere else in the function
//   if_else_return_to_conditional `if c: return a` + `else: return b` (or a `return b` right after
//                                 the if) → `return a if c else b`
[[nodiscard]] const std::vector<std::string_view>& refactoring_kinds();

// At most one refactoring per kind, each applying that rewrite at every place it fits. Each
// result re-parses without error, differs from `code`, and still defines the top-level function
// `entry_point` (when not empty). Empty for a grammar without refactorings (only Python has them:
// src/syntax/python/refactorings.cpp), for code with syntax errors, and, in Python, for code that
// calls eval/exec/locals/vars (names may be looked up by string).
[[nodiscard]] std::vector<Refactoring>
refactorings(std::string_view language, std::string_view code, std::string_view entry_point);

} // namespace assay::syntax
