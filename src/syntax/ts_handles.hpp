// Owners of tree-sitter's C handles (STYLE.md §4). TSNode is a value owned by its tree and is
// never wrapped.
#pragma once

#include <memory>
#include <tree_sitter/api.h>

namespace assay::syntax {

namespace detail {
template <auto Delete> struct Deleter {
    template <typename T> void operator()(T* handle) const { Delete(handle); }
};
} // namespace detail

// Owns a TSParser (from ts_parser_new); deleted with ts_parser_delete.
using Parser = std::unique_ptr<TSParser, detail::Deleter<ts_parser_delete>>;
// Owns a TSTree (from ts_parser_parse*); its nodes are valid only while the tree lives.
using Tree = std::unique_ptr<TSTree, detail::Deleter<ts_tree_delete>>;
// Owns a TSQuery (from ts_query_new).
using Query = std::unique_ptr<TSQuery, detail::Deleter<ts_query_delete>>;
// Owns a TSQueryCursor (from ts_query_cursor_new).
using QueryCursor = std::unique_ptr<TSQueryCursor, detail::Deleter<ts_query_cursor_delete>>;

// Owns a TSTreeCursor (a value with heap state, from ts_tree_cursor_new) for one scope. The C API
// is handed the cursor's address, so it is neither copied nor moved.
class TreeCursor {
  public:
    explicit TreeCursor(TSNode node) : cursor_(ts_tree_cursor_new(node)) {}
    TreeCursor(const TreeCursor&) = delete;
    TreeCursor& operator=(const TreeCursor&) = delete;
    ~TreeCursor() { ts_tree_cursor_delete(&cursor_); }

    [[nodiscard]] TSTreeCursor* get() { return &cursor_; }

  private:
    TSTreeCursor cursor_;
};

} // namespace assay::syntax
