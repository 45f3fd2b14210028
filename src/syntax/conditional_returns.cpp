#include "syntax/conditional_returns.hpp"

#include "syntax/edit.hpp"

#include <vector>

namespace assay::syntax {
namespace {

// `return e;` → e; a null node for any other statement, a bare `return;` or one with a comment.
TSNode returned(TSNode statement) {
    if (type(statement) != "return_statement" || named_child_count(statement) != 1) return {};
    const TSNode value = named_child(statement, 0);
    return type(value) == "comment" ? TSNode{} : value;
}

// The value a branch returns: the branch is a return statement, or a block of just one.
TSNode branch_value(TSNode branch, const BraceSyntax& syntax) {
    if (type(branch) == syntax.block) {
        if (named_child_count(branch) != 1) return {};
        branch = named_child(branch, 0);
    }
    return returned(branch);
}

std::string operand(const SyntaxTree& tree, TSNode node, const BraceSyntax& syntax) {
    return syntax.atom(node) ? std::string(tree.text(node)) : fmt::format("({})", tree.text(node));
}

bool starts_line(const SyntaxTree& tree, TSNode node) {
    const std::string_view source = tree.source();
    uint32_t at = start(node);
    while (at > 0 && (source[at - 1] == ' ' || source[at - 1] == '\t'))
        --at;
    return at == 0 || source[at - 1] == '\n';
}

// The statements of every block, each with the one after it (or a null node).
template <typename Visit>
void for_each_statement(const SyntaxTree& tree, std::string_view block, Visit&& visit) {
    walk(tree.root(), [&](TSNode node) {
        if (type(node) == block) {
            const std::vector<TSNode> statements = named_children(node);
            for (std::size_t i = 0; i < statements.size(); ++i)
                visit(statements[i], i + 1 < statements.size() ? statements[i + 1] : TSNode{});
        }
        return true;
    });
}

} // namespace

std::string line_indent(const SyntaxTree& tree, TSNode node) {
    const std::string_view source = tree.source();
    const uint32_t from = start(node) - ts_node_start_point(node).column;
    std::size_t length = 0;
    while (from + length < source.size() &&
           (source[from + length] == ' ' || source[from + length] == '\t'))
        ++length;
    return std::string(source.substr(from, length));
}

bool has_node_of(TSNode root, std::initializer_list<std::string_view> types) {
    if (ts_node_is_null(root)) return false;
    bool found = false;
    walk(root, [&](TSNode node) {
        if (is_one_of(node, types)) found = true;
        return !found;
    });
    return found;
}

std::string describe_lines(std::string_view what, const std::vector<int>& lines) {
    return fmt::format("{} at line{} {}", what, lines.size() == 1 ? "" : "s",
                       fmt::join(lines, ", "));
}

std::optional<Refactoring> if_else_return_to_conditional(const SyntaxTree& tree,
                                                         const BraceSyntax& syntax) {
    std::vector<Edit> edits;
    std::vector<int> lines;
    for_each_statement(tree, syntax.block, [&](TSNode statement, TSNode next) {
        if (type(statement) != "if_statement" || has_node_of(statement, {"comment"})) return;
        const TSNode condition = syntax.tested(statement);
        const TSNode alternative = field(statement, "alternative");
        const TSNode first = branch_value(field(statement, "consequence"), syntax);
        TSNode second{};
        uint32_t to = end(statement);
        if (!ts_node_is_null(alternative)) {
            if (type(alternative) != "else_clause" || named_child_count(alternative) != 1) return;
            second = branch_value(named_child(alternative, 0), syntax);
        } else if (!ts_node_is_null(next)) {
            second = returned(next);
            to = end(next);
        }
        if (ts_node_is_null(condition) || ts_node_is_null(first) || ts_node_is_null(second) ||
            syntax.refused_operand(first) || syntax.refused_operand(second)) {
            return;
        }
        edits.push_back({start(statement), to,
                         fmt::format("return {} ? {} : {};", operand(tree, condition, syntax),
                                     operand(tree, first, syntax), operand(tree, second, syntax))});
        lines.push_back(line(statement));
    });
    if (edits.empty()) return std::nullopt;
    return Refactoring{"if_else_return_to_conditional",
                       apply_edits(tree.source(), std::move(edits)),
                       describe_lines("if/else returns → conditional expression", lines)};
}

std::optional<Refactoring> conditional_to_if_else(const SyntaxTree& tree,
                                                  const BraceSyntax& syntax) {
    std::vector<Edit> edits;
    std::vector<int> lines;
    for_each_statement(tree, syntax.block, [&](TSNode statement, TSNode) {
        const TSNode conditional = returned(statement);
        if (type(conditional) != syntax.conditional || has_node_of(statement, {"comment"}) ||
            syntax.refused_split(statement))
            return;
        TSNode condition = field(conditional, "condition");
        const TSNode first = field(conditional, "consequence");
        const TSNode second = field(conditional, "alternative");
        if (ts_node_is_null(condition) || ts_node_is_null(first) || ts_node_is_null(second)) return;
        if (type(condition) == "parenthesized_expression" && named_child_count(condition) == 1)
            condition = named_child(condition, 0);
        const auto text = [&](TSNode node) { return tree.text(node); };
        std::string replacement;
        if (starts_line(tree, statement)) {
            const std::string indent = line_indent(tree, statement);
            const std::string outer = line_indent(tree, ts_node_parent(statement));
            const std::string unit = indent.size() > outer.size() && indent.starts_with(outer)
                                         ? indent.substr(outer.size())
                                         : std::string("    ");
            replacement = fmt::format(
                "if ({}) {{\n{}{}return {};\n{}}} else {{\n{}{}return {};\n{}}}", text(condition),
                indent, unit, text(first), indent, indent, unit, text(second), indent);
        } else {
            replacement = fmt::format("if ({}) {{ return {}; }} else {{ return {}; }}",
                                      text(condition), text(first), text(second));
        }
        edits.push_back({start(statement), end(statement), std::move(replacement)});
        lines.push_back(line(statement));
    });
    if (edits.empty()) return std::nullopt;
    return Refactoring{"conditional_to_if_else", apply_edits(tree.source(), std::move(edits)),
                       describe_lines("conditional expression → if/else returns", lines)};
}

} // namespace assay::syntax
