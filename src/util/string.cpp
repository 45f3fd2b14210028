#include "util/string.hpp"

#include "util/utf8.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

namespace assay::util {

std::string_view trim(std::string_view text) {
    constexpr std::string_view kBlank = " \t\r\n";
    const auto first = text.find_first_not_of(kBlank);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(kBlank) - first + 1);
}

std::string trimmed(std::string_view text) {
    return std::string(trim(text));
}

std::string first_line(std::string_view text) {
    return std::string(text.substr(0, text.find('\n')));
}

std::string clip(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    return std::string(utf8_prefix(text, limit)) + " …";
}

namespace {
// Levenshtein distance over bytes.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}
} // namespace

std::string one_of(std::span<const std::string> names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += names[i];
    }
    return out;
}

std::string nearest(std::string_view word, std::span<const std::string> names) {
    std::string best;
    std::size_t best_distance = 0;
    for (const std::string& name : names) {
        const std::size_t limit =
            std::clamp<std::size_t>(std::max(word.size(), name.size()) / 3, 1, 3);
        const std::size_t d = edit_distance(word, name);
        if (d <= limit && (best.empty() || d < best_distance)) {
            best = name;
            best_distance = d;
        }
    }
    return best;
}

} // namespace assay::util
