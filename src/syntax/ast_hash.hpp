// A hash of a program's structure, for deduplicating candidates that are the same code.
#pragma once

#include "util/error.hpp"

#include <string>
#include <string_view>

namespace assay::syntax {

// Hex digest (util::content_hash) of the normalised syntax tree of `code`. Comments, whitespace,
// layout, grouping parentheses and string quote style are ignored; in Python, local variables and
// parameters are alpha-renamed by first occurrence within each function (a closure's use of an
// enclosing local is renamed consistently with it), while function names, attribute names,
// keyword-argument names, globals and builtins are kept. So two programs that differ only in
// comments, formatting or local names hash equal. Other languages get the same treatment except
// renaming. Code with syntax errors hashes too (its ERROR nodes are part of the structure). Fails
// only when `language` has no grammar or the parser gives up.
[[nodiscard]] Expected<std::string> ast_hash(std::string_view language, std::string_view code);

// A looser hash of `code` for telling a copy of a known program apart from new code
// (decontamination): ast_hash's normalisation, and besides the names of the program's top-level
// functions renamed by first occurrence (so a renamed function with renamed parameters and
// locals still matches), docstrings (a statement that is only a string), type annotations and
// import statements left out. Two programs that differ only in those hash equal. In grammars
// without such nodes (no docstrings or annotations) only the renaming applies.
[[nodiscard]] Expected<std::string> ast_fingerprint(std::string_view language,
                                                    std::string_view code);

} // namespace assay::syntax
