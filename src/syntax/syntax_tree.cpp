#include "syntax/syntax_tree.hpp"

#include "syntax/grammar.hpp"

#include <algorithm>
#include <climits>

namespace assay::syntax {
namespace {

// Generous for any real program (tree-sitter parses megabytes per second), but it bounds the
// error recovery on adversarial input.
constexpr uint64_t parse_budget_micros = 10'000'000;

// One parser per grammar per thread: creating a parser costs more than parsing a small function.
TSParser* parser_for(const TSLanguage* language) {
    thread_local std::vector<std::pair<const TSLanguage*, Parser>> parsers;
    for (auto& [known, parser] : parsers) {
        if (known == language) return parser.get();
    }
    Parser parser(ts_parser_new());
    ts_parser_set_language(parser.get(), language);
    ts_parser_set_timeout_micros(parser.get(), parse_budget_micros);
    return parsers.emplace_back(language, std::move(parser)).second.get();
}

} // namespace

Expected<SyntaxTree> SyntaxTree::parse(std::string_view language, std::string code) {
    const TSLanguage* ts_language = grammar(language);
    if (ts_language == nullptr) return fail("no tree-sitter grammar for language '{}'", language);
    if (code.size() >= UINT32_MAX)
        return fail("{} bytes of source are too many to parse", code.size());
    TSParser* parser = parser_for(ts_language);
    Tree tree(
        ts_parser_parse_string(parser, nullptr, code.data(), static_cast<uint32_t>(code.size())));
    if (!tree) {
        ts_parser_reset(parser); // a timed-out parse would otherwise resume on the next call
        return fail("the {} parser gave up on {} bytes of input", language, code.size());
    }
    return SyntaxTree(std::string(language), std::move(code), std::move(tree));
}

std::string_view SyntaxTree::text(TSNode node) const {
    const uint32_t from = std::min<std::size_t>(start(node), source_.size());
    const uint32_t to = std::clamp<std::size_t>(end(node), from, source_.size());
    return std::string_view(source_).substr(from, to - from);
}

std::vector<TSNode> children(TSNode node) {
    std::vector<TSNode> result;
    if (ts_node_is_null(node)) return result;
    const uint32_t count = ts_node_child_count(node);
    result.reserve(count);
    for (uint32_t i = 0; i < count; ++i)
        result.push_back(ts_node_child(node, i));
    return result;
}

std::vector<TSNode> named_children(TSNode node) {
    std::vector<TSNode> result;
    if (ts_node_is_null(node)) return result;
    const uint32_t count = ts_node_named_child_count(node);
    result.reserve(count);
    for (uint32_t i = 0; i < count; ++i)
        result.push_back(ts_node_named_child(node, i));
    return result;
}

std::vector<TSNode> code_children(TSNode node) {
    std::vector<TSNode> result = named_children(node);
    std::erase_if(result, [](TSNode child) { return type(child) == "comment"; });
    return result;
}

bool is_one_of(TSNode node, std::initializer_list<std::string_view> types) {
    return std::find(types.begin(), types.end(), type(node)) != types.end();
}

TSNode ancestor(TSNode node, std::initializer_list<std::string_view> types) {
    if (ts_node_is_null(node)) return node;
    for (TSNode up = ts_node_parent(node); !ts_node_is_null(up); up = ts_node_parent(up)) {
        if (is_one_of(up, types)) return up;
    }
    return TSNode{};
}

std::string dedented_text(const SyntaxTree& tree, TSNode node) {
    const uint32_t indent = ts_node_start_point(node).column;
    // Byte ranges of string literals that span lines: their inner lines are content, not code.
    std::vector<std::pair<uint32_t, uint32_t>> strings;
    walk(node, [&](TSNode child) {
        const bool is_string = type(child) == "string";
        if (is_string && tree.text(child).find('\n') != std::string_view::npos) {
            strings.emplace_back(start(child), end(child));
        }
        return !is_string;
    });
    const auto in_string = [&](uint32_t offset) {
        return std::any_of(strings.begin(), strings.end(), [&](const auto& range) {
            return range.first < offset && offset < range.second;
        });
    };
    const std::string_view text = tree.text(node);
    std::string result;
    result.reserve(text.size());
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t newline = text.find('\n', at);
        const std::size_t line_end = newline == std::string_view::npos ? text.size() : newline + 1;
        std::size_t skip = 0;
        if (at > 0 && !in_string(start(node) + static_cast<uint32_t>(at))) {
            while (skip < indent && at + skip < line_end &&
                   (text[at + skip] == ' ' || text[at + skip] == '\t')) {
                ++skip;
            }
        }
        result.append(text.substr(at + skip, line_end - at - skip));
        at = line_end;
    }
    return result;
}

} // namespace assay::syntax
