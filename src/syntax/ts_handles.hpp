// Owners of tree-sitter's C handles (util/c_handle.hpp). TSNode is a value owned by its tree and
// is never wrapped.
#pragma once

#include "util/c_handle.hpp"

#include <tree_sitter/api.h>

namespace assay::syntax {

// Owns a TSParser (from ts_parser_new); deleted with ts_parser_delete.
using Parser = util::CHandle<TSParser, ts_parser_delete>;
// Owns a TSTree (from ts_parser_parse*); its nodes are valid only while the tree lives.
using Tree = util::CHandle<TSTree, ts_tree_delete>;
// Owns a TSQuery (from ts_query_new).
using Query = util::CHandle<TSQuery, ts_query_delete>;
// Owns a TSQueryCursor (from ts_query_cursor_new).
using QueryCursor = util::CHandle<TSQueryCursor, ts_query_cursor_delete>;

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
