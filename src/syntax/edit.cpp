#include "syntax/edit.hpp"

#include "syntax/syntax_tree.hpp"

#include <algorithm>

namespace assay::syntax {

std::string apply_edits(std::string_view source, std::vector<Edit> edits) {
    std::sort(edits.begin(), edits.end(),
              [](const Edit& a, const Edit& b) { return a.start < b.start; });
    std::string result;
    result.reserve(source.size() + 64);
    uint32_t copied = 0;
    for (const Edit& edit : edits) {
        result.append(source.substr(copied, edit.start - copied));
        result.append(edit.replacement);
        copied = edit.end;
    }
    result.append(source.substr(copied));
    return result;
}

bool parses_cleanly(std::string_view language, std::string code) {
    const auto tree = SyntaxTree::parse(language, std::move(code));
    return tree && !tree->has_error();
}

std::string brief(std::string_view text) {
    const std::size_t newline = text.find('\n');
    const bool cut = newline != std::string_view::npos || text.size() > 40;
    text = text.substr(0, std::min<std::size_t>(newline, 40));
    return cut ? std::string(text) + "…" : std::string(text);
}

} // namespace assay::syntax
