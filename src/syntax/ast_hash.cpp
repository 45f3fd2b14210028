#include "syntax/ast_hash.hpp"

#include "syntax/entry_point.hpp"
#include "syntax/scopes.hpp"
#include "syntax/syntax_tree.hpp"
#include "util/hash.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <unordered_map>

namespace assay::syntax {
namespace {

// Canonical spelling of each renamable identifier: "$<scope depth>.<index of first occurrence>".
std::unordered_map<uint32_t, std::string> canonical_names(const Scopes& scopes,
                                                          const SyntaxTree& tree) {
    std::unordered_map<uint32_t, std::string> result;
    std::vector<std::unordered_map<std::string_view, std::size_t>> numbering(scopes.scopes.size());
    for (const NameUse& use : scopes.uses) {
        if (!scopes.renamable(use.resolves_to)) continue;
        auto& names = numbering[static_cast<std::size_t>(use.resolves_to)];
        const auto [entry, inserted] = names.try_emplace(tree.text(use.node), names.size());
        result[start(use.node)] =
            fmt::format("${}.{}", scopes.scopes[static_cast<std::size_t>(use.resolves_to)].depth,
                        entry->second);
    }
    return result;
}

// Quotes are layout; a prefix (f, r, b) is meaning.
std::string string_start(std::string_view text) {
    std::string prefix;
    for (const char c : text) {
        if (c != '\'' && c != '"')
            prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return prefix;
}

// Grouping parentheses are layout: the tree's shape already says what they group, so
// `return (a + b)` is `return a + b`, while `(a + b) * c` and `a + b * c` stay apart. Such a node
// and its own `(` and `)` leave no token; what is inside does.
bool grouping(TSNode node) {
    if (type(node) == "parenthesized_expression") return true;
    if (ts_node_is_named(node)) return false;
    const TSNode parent = ts_node_parent(node);
    return !ts_node_is_null(parent) && type(parent) == "parenthesized_expression";
}

enum class Loose { no, yes };

// Node kinds a loose hash leaves out, with their subtrees (the grammars that have them).
constexpr std::array<std::string_view, 4> kDroppedKinds{
    "type", "import_statement", "import_from_statement", "future_import_statement"};

bool is_docstring(TSNode node) {
    return type(node) == "expression_statement" && ts_node_named_child_count(node) == 1 &&
           type(ts_node_named_child(node, 0)) == "string";
}

// A loose hash's view of a node: left out (with its subtree), or kept.
bool dropped(TSNode node) {
    const std::string_view kind = type(node);
    if (std::find(kDroppedKinds.begin(), kDroppedKinds.end(), kind) != kDroppedKinds.end())
        return true;
    if (is_docstring(node)) return true;
    // The `:` of an annotated parameter and the `->` before a return annotation.
    if (!ts_node_is_named(node)) {
        const TSNode parent = ts_node_parent(node);
        const std::string_view parent_kind = ts_node_is_null(parent) ? "" : type(parent);
        if (kind == ":" &&
            (parent_kind == "typed_parameter" || parent_kind == "typed_default_parameter"))
            return true;
        if (kind == "->") return true;
    }
    return false;
}

// An annotated parameter reads, once its annotation is gone, as the plain one.
std::string_view loose_kind(std::string_view kind) {
    if (kind == "typed_default_parameter") return "default_parameter";
    return kind;
}

Expected<std::string> structure_hash(std::string_view language, std::string_view code,
                                     Loose loose) {
    const SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(language, std::string(code)));
    const auto renamed = canonical_names(analyze_scopes(tree), tree);
    // The program's top-level function names → their canonical spelling, given at first use.
    std::map<std::string, std::string, std::less<>> globals;
    if (loose == Loose::yes) {
        if (auto functions = top_level_functions(language, code))
            for (std::string& name : *functions)
                globals.try_emplace(std::move(name));
    }
    std::size_t next_global = 0;
    std::string tokens;
    tokens.reserve(code.size() * 2);
    const auto emit = [&](std::string_view token) {
        tokens.append(token);
        tokens.push_back('\x1f');
    };
    // A typed parameter's own node is left out: its name reads as an untyped parameter's.
    const auto silent = [&](TSNode node) {
        return loose == Loose::yes && type(node) == "typed_parameter";
    };
    walk(
        tree.root(),
        [&](TSNode node) {
            const std::string_view kind = type(node);
            if (kind == "comment") return false;
            if (grouping(node)) return ts_node_is_named(node);
            if (loose == Loose::yes && dropped(node)) return false;
            if (!silent(node)) emit(loose == Loose::yes ? loose_kind(kind) : kind);
            if (ts_node_child_count(node) > 0 || !ts_node_is_named(node)) return true;
            // A named leaf: its text is what it is.
            if (kind == "string_start") {
                emit(string_start(tree.text(node)));
            } else if (kind != "string_end" && end(node) > start(node)) {
                const auto name = renamed.find(start(node));
                if (name != renamed.end()) {
                    emit(name->second);
                } else if (auto global = globals.find(tree.text(node)); global != globals.end()) {
                    if (global->second.empty())
                        global->second = fmt::format("$g.{}", next_global++);
                    emit(global->second);
                } else {
                    emit(tree.text(node));
                }
            }
            return true;
        },
        [&](TSNode node) {
            if (type(node) == "comment" || silent(node) || grouping(node)) return;
            if (loose == Loose::yes && dropped(node)) return;
            emit(")");
        });
    return util::content_hash(tokens);
}

} // namespace

Expected<std::string> ast_hash(std::string_view language, std::string_view code) {
    return structure_hash(language, code, Loose::no);
}

Expected<std::string> ast_fingerprint(std::string_view language, std::string_view code) {
    return structure_hash(language, code, Loose::yes);
}

} // namespace assay::syntax
