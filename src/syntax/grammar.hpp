// The tree-sitter grammars compiled into assay (cmake/grammars.cmake).
#pragma once

#include <string_view>
#include <tree_sitter/api.h>

namespace assay::syntax {

// The grammar for a language descriptor name: "python", "javascript" or "cpp"; nullptr for any
// other name. The pointer is static (never freed). Throws FatalError (internal) when the grammar
// was generated for an ABI version the linked tree-sitter runtime cannot load.
[[nodiscard]] const TSLanguage* grammar(std::string_view name);

} // namespace assay::syntax
