// C++'s top-level functions (entry_point.hpp).
#include "syntax/cpp/cpp.hpp"
#include "syntax/syntax_tree.hpp"

#include <cctype>
#include <fmt/format.h>

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

// Whether `text` holds `word` as a whole word.
bool has_word(std::string_view text, std::string_view word) {
    for (std::size_t at = text.find(word); at != std::string_view::npos;
         at = text.find(word, at + 1)) {
        const auto part = [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        };
        if ((at == 0 || !part(text[at - 1])) &&
            (at + word.size() == text.size() || !part(text[at + word.size()])))
            return true;
    }
    return false;
}

// Why a top-level function definition cannot be declared in another unit and defined here.
std::string function_refusal(const SyntaxTree& tree, TSNode node) {
    const std::optional<FunctionNodes> nodes = definition(node, node);
    if (!nodes || ts_node_is_null(nodes->name)) return "a function without a plain name";
    if (type(nodes->name) != "identifier" && type(nodes->name) != "operator_name")
        return fmt::format("a function named by a {}", type(nodes->name));
    if (tree.text(nodes->name) == "main") return "its own main";
    const TSNode body = field(node, "body");
    if (type(body) != "compound_statement") return "a function without a plain body";
    // Internal linkage, or a body the caller's unit needs (constant evaluation).
    const std::string_view head = tree.text(node).substr(0, start(body) - start(node));
    for (const char* word : {"static", "constexpr", "consteval", "inline", "thread_local"})
        if (has_word(head, word)) return fmt::format("a {} function", word);
    return {};
}

// Whether a top-level `declaration` declares only functions (no variable).
bool declares_only_functions(TSNode node) {
    bool any = false;
    for (uint32_t i = 0; i < ts_node_child_count(node); ++i) {
        if (std::string_view(ts_node_field_name_for_child(node, i) == nullptr
                                 ? ""
                                 : ts_node_field_name_for_child(node, i)) != "declarator")
            continue;
        TSNode declarator = ts_node_child(node, i);
        while (!ts_node_is_null(declarator) && type(declarator) != "function_declarator")
            declarator = field(declarator, "declarator");
        if (ts_node_is_null(declarator)) return false;
        any = true;
    }
    return any;
}

} // namespace

std::string separation_refusal(const SyntaxTree& tree) {
    std::string why;
    walk(tree.root(), [&](TSNode node) {
        if (!why.empty()) return false;
        const std::string_view kind = type(node);
        if (kind.starts_with("preproc_") &&
            (kind != "preproc_include" || !ts_node_eq(ts_node_parent(node), tree.root())))
            why = fmt::format("a preprocessor directive ({})",
                              kind == "preproc_include" ? "#include inside a definition" : kind);
        return why.empty();
    });
    if (!why.empty()) return why;
    for (const TSNode child : named_children(tree.root())) {
        const std::string_view kind = type(child);
        if (kind == "comment" || kind == "preproc_include" || kind == "using_declaration" ||
            kind == "alias_declaration" || kind == "type_definition")
            continue;
        if (kind == "function_definition") {
            if (std::string refused = function_refusal(tree, child); !refused.empty())
                return refused;
            continue;
        }
        if (kind == "declaration") {
            if (!declares_only_functions(child)) return "a variable at namespace scope";
            continue;
        }
        if (kind == "struct_specifier" || kind == "class_specifier" || kind == "enum_specifier" ||
            kind == "union_specifier") {
            // A static member lives once per unit that defines it, or needs a definition here.
            if (has_word(tree.text(child), "static")) return "a type with a static member";
            continue;
        }
        return fmt::format("a {} at the top level", kind);
    }
    return {};
}

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
