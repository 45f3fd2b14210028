// Finding functions at the top level of a program: the entry point the tests call, and the list
// of top-level function names.
#pragma once

#include "util/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace assay::syntax {

struct Parameter {
    std::string name; // "x"
    std::string text; // as written: "x: int = 0", "*args", "const std::string& x"
};

// A top-level function definition. Top level means a direct child of the module (Python: also
// with decorators; JavaScript: `function f`, `const f = (…) => …`, and their `export` forms; C++:
// a function definition, also inside a template declaration) — not a method, not a nested
// function, not a definition under `if` or `try`.
struct FunctionInfo {
    std::string name;
    uint32_t start_byte = 0; // the whole definition, decorators included
    uint32_t end_byte = 0;
    int line = 0; // 1-based line of start_byte
    std::vector<Parameter> parameters;
};

// The top-level function called `name`. Fails when there is none, when `language` has no grammar,
// or when the parser gives up. Code with syntax errors elsewhere is searched all the same.
[[nodiscard]] Expected<FunctionInfo> find_function(std::string_view language, std::string_view code,
                                                   std::string_view name);

// Whether `after` defines the top-level function `name` with the interface it has in `before`:
// the same parameters (names, defaults, annotations, kinds) in the same order, whitespace aside.
// False when either program lacks it.
[[nodiscard]] bool same_signature(std::string_view language, std::string_view before,
                                  std::string_view after, std::string_view name);

// Names of all top-level functions, in source order.
[[nodiscard]] Expected<std::vector<std::string>> top_level_functions(std::string_view language,
                                                                     std::string_view code);

// Declarations of `code`'s top-level functions for a program that uses them before it sees their
// definitions (a C++ judge, which gets a problem's declaration but not the candidate's code):
// the code with each top-level function's body replaced by `;` (an unfinished last body, as a
// HumanEval-X declaration ends, counts). Empty for a grammar whose programs need none
// (Grammar::declares_functions false).
[[nodiscard]] Expected<std::string> prototypes(std::string_view language, std::string_view code);

// What a second unit needs to call `code`'s functions exactly as code after `code` in the same
// unit would: prototypes(), when `code` can be compiled as a unit of its own and linked with that
// one without any difference of meaning (C++: no macro or other directive but top-level
// #include, no variable or namespace at namespace scope, no template, and no static, inline or
// constexpr function: nothing of which each unit would hold its own copy or need the body).
// Fails, saying why, otherwise, and for a grammar that has no such check or code that does not
// parse.
[[nodiscard]] Expected<std::string> separate_declarations(std::string_view language,
                                                          std::string_view code);

} // namespace assay::syntax
