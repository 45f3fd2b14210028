#include "syntax/entry_point.hpp"

#include "syntax/grammar.hpp"
#include "syntax/syntax_tree.hpp"

#include <cctype>
#include <optional>

namespace assay::syntax {
namespace {

std::vector<FunctionNodes> functions(const SyntaxTree& tree) {
    std::vector<FunctionNodes> result;
    const Grammar* known = find_grammar(tree.language());
    if (known == nullptr || known->function == nullptr) return result;
    for (const TSNode child : named_children(tree.root())) {
        if (ts_node_is_null(child)) continue;
        const auto function = known->function(child, child);
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

bool same_signature(std::string_view language, std::string_view before, std::string_view after,
                    std::string_view name) {
    const auto old = find_function(language, before, name);
    const auto now = find_function(language, after, name);
    if (!old || !now || old->parameters.size() != now->parameters.size()) return false;
    const auto squeezed = [](std::string_view text) {
        std::string out;
        for (const char c : text)
            if (std::isspace(static_cast<unsigned char>(c)) == 0) out += c;
        return out;
    };
    for (std::size_t i = 0; i < old->parameters.size(); ++i)
        if (squeezed(old->parameters[i].text) != squeezed(now->parameters[i].text)) return false;
    return true;
}

namespace {

// `tree`'s source with each top-level function's body replaced by `;`.
std::string without_bodies(const SyntaxTree& tree) {
    std::string out;
    uint32_t copied = 0;
    for (const FunctionNodes& function : functions(tree)) {
        TSNode definition = function.whole;
        if (type(definition) == "template_declaration")
            for (const TSNode child : named_children(definition))
                if (type(child) == "function_definition") definition = child;
        const TSNode body = field(definition, "body");
        if (ts_node_is_null(body) || start(body) < copied) continue;
        out.append(tree.source().substr(copied, start(body) - copied));
        out += ";";
        copied = end(body);
    }
    out.append(tree.source().substr(copied));
    return out;
}

} // namespace

Expected<std::string> prototypes(std::string_view language, std::string_view code) {
    const Grammar* known = find_grammar(language);
    if (known == nullptr || !known->declares_functions) return std::string();
    SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(language, std::string(code)));
    if (tree.has_error()) tree = ASSAY_TRY(SyntaxTree::parse(language, std::string(code) + "\n}"));
    return without_bodies(tree);
}

Expected<std::string> separate_declarations(std::string_view language, std::string_view code) {
    const Grammar* known = find_grammar(language);
    if (known == nullptr || known->separation_refusal == nullptr)
        return fail("the grammar '{}' cannot tell whether a program stands alone", language);
    const SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(language, std::string(code)));
    if (tree.has_error()) return fail("the program does not parse");
    if (std::string why = known->separation_refusal(tree); !why.empty()) return fail("{}", why);
    return without_bodies(tree);
}

} // namespace assay::syntax
