#include "syntax/entry_point.hpp"

#include "syntax/syntax_tree.hpp"

#include <optional>

namespace assay::syntax {
namespace {

// A top-level function as the grammar shows it: the whole definition (for its byte range), the
// node that holds the name, and the parameter list.
struct FunctionNodes {
    TSNode whole;
    TSNode name;
    TSNode parameters;
};

// C++: `int* f(int a)` nests the function declarator in pointer/reference declarators.
std::optional<FunctionNodes> cpp_function(TSNode whole, TSNode definition) {
    TSNode declarator = field(definition, "declarator");
    while (!ts_node_is_null(declarator) && type(declarator) != "function_declarator") {
        declarator = field(declarator, "declarator");
    }
    if (ts_node_is_null(declarator)) return std::nullopt;
    return FunctionNodes{whole, field(declarator, "declarator"), field(declarator, "parameters")};
}

// JavaScript: `const f = (a) => …` and `const f = function (a) {…}`.
std::optional<FunctionNodes> js_variable_function(TSNode whole, TSNode declaration) {
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

std::optional<FunctionNodes> as_function(std::string_view language, TSNode whole, TSNode node) {
    const std::string_view kind = type(node);
    if (language == "python") {
        if (kind == "decorated_definition")
            return as_function(language, whole, field(node, "definition"));
        if (kind == "function_definition") {
            return FunctionNodes{whole, field(node, "name"), field(node, "parameters")};
        }
    } else if (language == "javascript") {
        if (kind == "export_statement")
            return as_function(language, whole, field(node, "declaration"));
        if (kind == "function_declaration" || kind == "generator_function_declaration") {
            return FunctionNodes{whole, field(node, "name"), field(node, "parameters")};
        }
        if (kind == "lexical_declaration" || kind == "variable_declaration") {
            return js_variable_function(whole, node);
        }
    } else if (language == "cpp") {
        if (kind == "template_declaration") {
            for (const TSNode child : named_children(node)) {
                if (type(child) == "function_definition") return cpp_function(whole, child);
            }
        }
        if (kind == "function_definition") return cpp_function(whole, node);
    }
    return std::nullopt;
}

std::vector<FunctionNodes> functions(const SyntaxTree& tree) {
    std::vector<FunctionNodes> result;
    for (const TSNode child : named_children(tree.root())) {
        if (ts_node_is_null(child)) continue;
        const auto function = as_function(tree.language(), child, child);
        if (function && !ts_node_is_null(function->name)) result.push_back(*function);
    }
    return result;
}

// The first identifier in the parameter (its name: types and defaults come after it, or are not
// identifiers), or empty for separators such as Python's bare `*` and `/`.
std::string parameter_name(const SyntaxTree& tree, TSNode parameter) {
    TSNode found{};
    walk(parameter, [&](TSNode node) {
        if (!ts_node_is_null(found)) return false;
        if (type(node) == "identifier") found = node;
        return ts_node_is_null(found);
    });
    return ts_node_is_null(found) ? std::string() : std::string(tree.text(found));
}

FunctionInfo describe(const SyntaxTree& tree, const FunctionNodes& function) {
    FunctionInfo info{std::string(tree.text(function.name)),
                      start(function.whole),
                      end(function.whole),
                      line(function.whole),
                      {}};
    if (ts_node_is_null(function.parameters)) return info;
    // A lone arrow-function parameter (`x => …`) is its own parameter list.
    const std::vector<TSNode> parameters = type(function.parameters) == "identifier"
                                               ? std::vector<TSNode>{function.parameters}
                                               : code_children(function.parameters);
    for (const TSNode parameter : parameters) {
        std::string name = parameter_name(tree, parameter);
        if (!name.empty())
            info.parameters.push_back({std::move(name), std::string(tree.text(parameter))});
    }
    return info;
}

} // namespace

Expected<FunctionInfo> find_function(std::string_view language, std::string_view code,
                                     std::string_view name) {
    const SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(language, std::string(code)));
    for (const FunctionNodes& function : functions(tree)) {
        if (tree.text(function.name) == name) return describe(tree, function);
    }
    return fail("no top-level function '{}'", name);
}

Expected<std::vector<std::string>> top_level_functions(std::string_view language,
                                                       std::string_view code) {
    const SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(language, std::string(code)));
    std::vector<std::string> names;
    for (const FunctionNodes& function : functions(tree))
        names.emplace_back(tree.text(function.name));
    return names;
}

} // namespace assay::syntax
