#include "syntax/syntax_check.hpp"

#include "syntax/syntax_tree.hpp"

namespace assay::syntax {
namespace {

// A short, printable excerpt: the first line of `text`, at most 20 bytes, other bytes escaped.
std::string excerpt(std::string_view text) {
    text = text.substr(0, text.find('\n'));
    std::string result;
    for (const char c : text.substr(0, 20)) {
        const auto byte = static_cast<unsigned char>(c);
        result += byte >= 0x20 && byte < 0x7f ? std::string(1, c) : fmt::format("\\x{:02x}", byte);
    }
    return text.size() > 20 ? result + "…" : result;
}

// The first ERROR or MISSING node, descending only into subtrees that contain an error.
TSNode first_error(TSNode root) {
    TSNode found{};
    walk(root, [&](TSNode node) {
        if (!ts_node_is_null(found)) return false;
        if (ts_node_is_missing(node) || type(node) == "ERROR") {
            found = node;
            return false;
        }
        return ts_node_has_error(node);
    });
    return ts_node_is_null(found) ? root : found;
}

} // namespace

std::string SyntaxError::describe() const {
    return fmt::format("{}:{}: {}", line, column, message);
}

Expected<std::optional<SyntaxError>> check_syntax(std::string_view language,
                                                  std::string_view code) {
    const SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(language, std::string(code)));
    if (!tree.has_error()) return std::nullopt;
    const TSNode node = first_error(tree.root());
    const TSPoint point = ts_node_start_point(node);
    const std::string near = excerpt(tree.text(node));
    std::string message = ts_node_is_missing(node)
                              ? fmt::format("syntax error: missing '{}'", type(node))
                          : near.empty() ? std::string("syntax error at end of input")
                                         : fmt::format("syntax error near '{}'", near);
    return SyntaxError{static_cast<int>(point.row) + 1, static_cast<int>(point.column) + 1,
                       std::move(message)};
}

} // namespace assay::syntax
