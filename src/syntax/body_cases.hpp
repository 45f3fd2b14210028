// Test cases from the statements of a test body, for the grammars whose tests are a function of
// assertions (a C++ `main`, a JavaScript test function): their test splitters share it.
#pragma once

#include "core/problem.hpp"
#include "syntax/syntax_tree.hpp"

#include <functional>
#include <vector>

namespace assay::syntax {

// Each statement of `body` for which `asserts` holds is a case, `check_0`, `check_1`, …, whose
// code is the statements before it that do not assert (declarations and other set-up, each at
// column 0), then itself; statements `skip` holds for (a `return`) are left out. A body without
// an asserting statement is one case of all its statements.
[[nodiscard]] std::vector<TestCase> body_cases(const SyntaxTree& tree, TSNode body,
                                               const std::function<bool(TSNode)>& asserts,
                                               const std::function<bool(TSNode)>& skip);

// Whether `node` holds a call whose callee (its `function` field, whitespace aside) is one of
// `callees`, outside any node of the `opaque` types (nested function definitions).
[[nodiscard]] bool calls_any(const SyntaxTree& tree, TSNode node,
                             const std::vector<std::string_view>& callees,
                             const std::vector<std::string_view>& opaque);

// The tree of test code in `grammar`, or its first syntax error at "test:LINE:COLUMN".
[[nodiscard]] Expected<SyntaxTree> parse_test_code(std::string_view grammar,
                                                   std::string_view test_code);

// Test code that names the function under test through an alias (MultiPL-E's
// `auto candidate = f;`, `let candidate = f;`) with the alias inlined: each declaration of
// `alias` initialised with just `name` is removed, and every other identifier `alias` becomes
// `name` (not a word in a string or a comment). The code's first syntax error otherwise.
[[nodiscard]] Expected<std::string> inline_alias(std::string_view grammar, std::string_view code,
                                                 std::string_view alias, std::string_view name);

// The source without the byte ranges of `cut` (in order, not overlapping), byte for byte
// otherwise: a test's set-up without its main or test function.
[[nodiscard]] std::string without(std::string_view source, const std::vector<TSNode>& cut);

} // namespace assay::syntax
