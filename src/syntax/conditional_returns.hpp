// Two rewrites between `if`/`else` returns and a conditional expression, for the languages with
// C's statement syntax (C++, JavaScript); each grammar's refactorings call them with its table.
#pragma once

#include "syntax/refactor.hpp"
#include "syntax/syntax_tree.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::syntax {

// What differs between the brace languages' trees.
struct BraceSyntax {
    std::string_view block;       // a statement list in braces: "statement_block"
    std::string_view conditional; // `c ? a : b`: "ternary_expression"
    // The expression an `if` statement tests, or a null node when it does more than test one
    // expression (a C++ declaration or init-statement in the condition).
    TSNode (*tested)(TSNode if_statement) = nullptr;
    // Expressions that bind tighter than `?:` and stand as an operand without parentheses.
    bool (*atom)(TSNode expression) = nullptr;
    // Whether a returned expression may not become an operand of `?:` (C++: a braced list has no
    // type of its own; two lambdas have two types).
    bool (*refused_operand)(TSNode expression) = nullptr;
    // Whether the function around `return_statement` may not return from two statements where it
    // returned one conditional (C++: a deduced return type, which both returns must agree on).
    bool (*refused_split)(TSNode return_statement) = nullptr;
};

// `if (c) return a; else return b;` (each branch braced or not), or `if (c) return a;` with
// `return b;` right after it → `return c ? a : b;`, operands parenthesized unless atoms. Ifs
// holding comments are left alone.
[[nodiscard]] std::optional<Refactoring> if_else_return_to_conditional(const SyntaxTree& tree,
                                                                       const BraceSyntax& syntax);

// `return c ? a : b;` as a statement of a block → `if (c) { return a; } else { return b; }` on
// lines of their own, indented like the block.
[[nodiscard]] std::optional<Refactoring> conditional_to_if_else(const SyntaxTree& tree,
                                                                const BraceSyntax& syntax);

// The source line (1-based) list "at line 3" / "at lines 3, 9", for descriptions.
[[nodiscard]] std::string describe_lines(std::string_view what, const std::vector<int>& lines);

// The whitespace that starts the line `node` starts on.
[[nodiscard]] std::string line_indent(const SyntaxTree& tree, TSNode node);

// Whether `root` holds a node of one of `types` (itself included); false for a null node.
[[nodiscard]] bool has_node_of(TSNode root, std::initializer_list<std::string_view> types);

} // namespace assay::syntax
