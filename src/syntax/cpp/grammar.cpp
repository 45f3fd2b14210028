// C++ in the grammar registry (grammar.hpp): functions only so far.
#include "syntax/cpp/cpp.hpp"

extern "C" const TSLanguage* tree_sitter_cpp();

namespace assay::syntax {

extern const Grammar cpp_grammar{
    .name = "cpp",
    .parser = tree_sitter_cpp,
    .function = cpp::function,
};

} // namespace assay::syntax
