// C++'s top-level functions (entry_point.hpp).
#include "syntax/cpp/cpp.hpp"
#include "syntax/syntax_tree.hpp"

namespace assay::syntax::cpp {
namespace {

// `int* f(int a)` nests the function declarator in pointer/reference declarators.
std::optional<FunctionNodes> definition(TSNode whole, TSNode node) {
    TSNode declarator = field(node, "declarator");
    while (!ts_node_is_null(declarator) && type(declarator) != "function_declarator") {
        declarator = field(declarator, "declarator");
    }
    if (ts_node_is_null(declarator)) return std::nullopt;
    return FunctionNodes{whole, field(declarator, "declarator"), field(declarator, "parameters")};
}

} // namespace

std::optional<FunctionNodes> function(TSNode whole, TSNode node) {
    if (type(node) == "template_declaration") {
        for (const TSNode child : named_children(node)) {
            if (type(child) == "function_definition") return definition(whole, child);
        }
    }
    if (type(node) == "function_definition") return definition(whole, node);
    return std::nullopt;
}

} // namespace assay::syntax::cpp
