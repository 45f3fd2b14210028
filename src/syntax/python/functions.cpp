// Python's top-level functions (entry_point.hpp).
#include "syntax/python/python.hpp"
#include "syntax/syntax_tree.hpp"

namespace assay::syntax::python {

std::optional<FunctionNodes> function(TSNode whole, TSNode node) {
    const std::string_view kind = type(node);
    if (kind == "decorated_definition") return function(whole, field(node, "definition"));
    if (kind == "function_definition")
        return FunctionNodes{whole, field(node, "name"), field(node, "parameters")};
    return std::nullopt;
}

} // namespace assay::syntax::python
