#include "syntax/ast_hash.hpp"

#include "syntax/scopes.hpp"
#include "syntax/syntax_tree.hpp"
#include "util/hash.hpp"

#include <cctype>
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

} // namespace

Expected<std::string> ast_hash(std::string_view language, std::string_view code) {
    const SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(language, std::string(code)));
    const auto renamed = canonical_names(analyze_scopes(tree), tree);
    std::string tokens;
    tokens.reserve(code.size() * 2);
    const auto emit = [&](std::string_view token) {
        tokens.append(token);
        tokens.push_back('\x1f');
    };
    walk(
        tree.root(),
        [&](TSNode node) {
            const std::string_view kind = type(node);
            if (kind == "comment") return false;
            emit(kind);
            if (ts_node_child_count(node) > 0 || !ts_node_is_named(node)) return true;
            // A named leaf: its text is what it is.
            if (kind == "string_start") {
                emit(string_start(tree.text(node)));
            } else if (kind != "string_end" && end(node) > start(node)) {
                const auto name = renamed.find(start(node));
                emit(name != renamed.end() ? std::string_view(name->second) : tree.text(node));
            }
            return true;
        },
        [&](TSNode node) {
            if (type(node) != "comment") emit(")");
        });
    return util::content_hash(tokens);
}

} // namespace assay::syntax
