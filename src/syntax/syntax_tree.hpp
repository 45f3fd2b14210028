// A parsed source file, and the few node helpers every syntax operation uses.
#pragma once

#include "syntax/ts_handles.hpp"
#include "util/error.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace assay::syntax {

// Owns a source text together with its tree, so that nodes and their text stay valid together.
// Nodes (TSNode values) obtained from it are valid while it lives, also after it is moved.
class SyntaxTree {
  public:
    // Parses `code` with the grammar of `language` (see grammar.hpp). Fails for a language without
    // a grammar, or when the parser gives up (a time budget bounds pathological input). A tree
    // with syntax errors is not a failure: see has_error() and syntax_check.hpp.
    [[nodiscard]] static Expected<SyntaxTree> parse(std::string_view language, std::string code);

    [[nodiscard]] TSNode root() const { return ts_tree_root_node(tree_.get()); }
    [[nodiscard]] std::string_view source() const { return source_; }
    [[nodiscard]] const std::string& language() const { return language_; }
    // The source bytes `node` spans.
    [[nodiscard]] std::string_view text(TSNode node) const;
    [[nodiscard]] bool has_error() const { return ts_node_has_error(root()); }

  private:
    SyntaxTree(std::string language, std::string source, Tree tree)
        : language_(std::move(language)), source_(std::move(source)), tree_(std::move(tree)) {}

    std::string language_;
    std::string source_;
    Tree tree_;
};

// The helpers below accept null nodes (tree-sitter's own functions do not): a null node has type
// "", no fields, no children and no text.

// The node's grammar type, e.g. "function_definition"; for anonymous nodes the token, e.g. "<=".
[[nodiscard]] inline std::string_view type(TSNode node) {
    return ts_node_is_null(node) ? std::string_view() : ts_node_type(node);
}
// The child in field `name`, or a null node.
[[nodiscard]] inline TSNode field(TSNode node, std::string_view name) {
    if (ts_node_is_null(node)) return node;
    return ts_node_child_by_field_name(node, name.data(), static_cast<uint32_t>(name.size()));
}
[[nodiscard]] inline uint32_t start(TSNode node) {
    return ts_node_is_null(node) ? 0 : ts_node_start_byte(node);
}
[[nodiscard]] inline uint32_t end(TSNode node) {
    return ts_node_is_null(node) ? 0 : ts_node_end_byte(node);
}
// The i-th named child, or a null node.
[[nodiscard]] inline TSNode named_child(TSNode node, uint32_t i) {
    return ts_node_is_null(node) || i >= ts_node_named_child_count(node)
               ? TSNode{}
               : ts_node_named_child(node, i);
}
[[nodiscard]] inline uint32_t named_child_count(TSNode node) {
    return ts_node_is_null(node) ? 0 : ts_node_named_child_count(node);
}
// 1-based line of the node's first byte.
[[nodiscard]] inline int line(TSNode node) {
    return static_cast<int>(ts_node_start_point(node).row) + 1;
}
[[nodiscard]] std::vector<TSNode> children(TSNode node);
[[nodiscard]] std::vector<TSNode> named_children(TSNode node);
// Named children other than comments: the statements of a block, the arguments of a call.
[[nodiscard]] std::vector<TSNode> code_children(TSNode node);
// The nearest ancestor of one of the given types, or a null node.
[[nodiscard]] TSNode ancestor(TSNode node, std::initializer_list<std::string_view> types);
// The source of `node` with the indentation of the line it starts on removed from each of its
// lines (lines inside multi-line string literals excepted): a statement of a block, at column 0.
[[nodiscard]] std::string dedented_text(const SyntaxTree& tree, TSNode node);
[[nodiscard]] bool is_one_of(TSNode node, std::initializer_list<std::string_view> types);

// Visits the subtree of `root` in document order without recursion (so any nesting depth is safe).
// `enter(node)` returns whether to descend into the node's children; `leave(node)` follows once
// the node's children (if any were visited) are done.
template <typename Enter, typename Leave> void walk(TSNode root, Enter&& enter, Leave&& leave) {
    TreeCursor owner(root);
    TSTreeCursor* cursor = owner.get();
    for (;;) {
        if (enter(ts_tree_cursor_current_node(cursor)) && ts_tree_cursor_goto_first_child(cursor)) {
            continue;
        }
        leave(ts_tree_cursor_current_node(cursor));
        while (!ts_tree_cursor_goto_next_sibling(cursor)) {
            if (!ts_tree_cursor_goto_parent(cursor)) return;
            leave(ts_tree_cursor_current_node(cursor));
        }
    }
}

// walk() without a leave callback.
template <typename Enter> void walk(TSNode root, Enter&& enter) {
    walk(root, std::forward<Enter>(enter), [](TSNode) {});
}

} // namespace assay::syntax
