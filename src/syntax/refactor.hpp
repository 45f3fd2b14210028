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

// The rewrites, in the order refactorings() reports them (the languages that have each in
// brackets; src/syntax/<grammar>/refactorings.cpp says what each refuses and why it is safe):
//   rename_locals                 [python, cpp, javascript] every local variable and non-interface
//                                 parameter of every function renamed consistently and
//                                 scope-aware (closures follow their variable; scopes.hpp), to
//                                 meaningful-looking names that collide with no name in the
//                                 program and are no keyword or builtin of the language; function
//                                 names, globals, builtins, attributes/members/properties and
//                                 imported names are kept, and so are the parameters of top-level
//                                 functions and methods (Python: also any parameter whose name is
//                                 used as a keyword argument: callers may pass it by name); a
//                                 JavaScript shorthand property `{p}` becomes `{p: q}`
//   loop_to_comprehension         [python] `x = []` + `for v in it: x.append(e)` (optionally under
//                                 a single `if c:`) → `x = [e for v in it if c]`, when x is not
//                                 used inside the loop and the loop variable is not used after it
//   comprehension_to_loop         [python] the inverse, for `x = [e for v in it if c]` and
//                                 `return [e for v in it if c]` (through a fresh list name), when
//                                 the loop variable is used nowhere else in the function
//   loop_to_algorithm             [javascript] `const out = []` + `for (const x of xs)
//                                 out.push(e)` (optionally under `if (c)`) → `Array.from(xs, (x) =>
//                                 e)` (`Array.from(xs, (x) => (c ? [e] : [])).flat()`);
//                                 [cpp] a range-for of `out.push_back(e)`, or an index loop over
//                                 a vector or string v of `out.push_back(e)` with i only in
//                                 `v[i]` → std::transform into std::back_inserter(out) (of
//                                 `if (c) out.push_back(v[i])` → std::copy_if), and `T s = init;`
//                                 + a range-for of `s += x` → std::accumulate (includes added
//                                 when missing)
//   if_else_return_to_conditional [python, cpp, javascript] `if c: return a` + `else: return b`
//                                 (or a `return b` right after the if) → `return a if c else b`;
//                                 in braces `return c ? a : b;`
//   conditional_to_if_else        [cpp, javascript] the inverse, for `return c ? a : b;` as a
//                                 statement of a block
[[nodiscard]] const std::vector<std::string_view>& refactoring_kinds();

// At most one refactoring per kind, each applying that rewrite at every place it fits. Each
// result re-parses without error, differs from `code`, and still defines the top-level function
// `entry_point` (when not empty). Empty for a grammar without refactorings (Python, C++ and
// JavaScript have them: src/syntax/<grammar>/refactorings.cpp), for code with syntax errors, for
// code that may look names up by string or rebind them out of sight (Python: eval, exec, locals,
// vars; JavaScript: eval, with, arguments, Function), and for C++ with a #define (a macro may
// name any variable).
[[nodiscard]] std::vector<Refactoring>
refactorings(std::string_view language, std::string_view code, std::string_view entry_point);

} // namespace assay::syntax
