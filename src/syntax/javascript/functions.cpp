// JavaScript's top-level functions (entry_point.hpp).
#include "syntax/javascript/javascript.hpp"
#include "syntax/syntax_tree.hpp"

namespace assay::syntax::javascript {
namespace {

// `const f = (a) => …` and `const f = function (a) {…}`.
std::optional<FunctionNodes> variable_function(TSNode whole, TSNode declaration) {
    for (const TSNode declarator : named_children(declaration)) {
        const TSNode value = field(declarator, "value");
        if (ts_node_is_null(value) || !is_one_of(value, {"arrow_function", "function_expression",
                                                         "function", "generator_function"})) {
            continue;
        }
        TSNode parameters = field(value, "parameters");
        if (ts_node_is_null(parameters)) parameters = field(value, "parameter");
        return FunctionNodes{whole, field(declarator, "name"), parameters};
    }
    return std::nullopt;
}

} // namespace

std::optional<FunctionNodes> function(TSNode whole, TSNode node) {
    const std::string_view kind = type(node);
    if (kind == "export_statement") return function(whole, field(node, "declaration"));
    if (kind == "function_declaration" || kind == "generator_function_declaration")
        return FunctionNodes{whole, field(node, "name"), field(node, "parameters")};
    if (kind == "lexical_declaration" || kind == "variable_declaration")
        return variable_function(whole, node);
    return std::nullopt;
}

} // namespace assay::syntax::javascript
