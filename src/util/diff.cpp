#include "util/diff.hpp"

#include <algorithm>
#include <cstdint>
#include <fmt/format.h>
#include <vector>

namespace assay::util {

namespace {

// One line, with its newline when it has one.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::size_t length = end == std::string_view::npos ? text.size() : end + 1;
        lines.push_back(text.substr(0, length));
        text.remove_prefix(length);
    }
    return lines;
}

enum class Op : char { keep = ' ', remove = '-', add = '+' };

struct Edit {
    Op op;
    std::size_t before; // index into the old lines (keep/remove)
    std::size_t after;  // index into the new lines (keep/add)
};

// The edit script from an LCS table (suffix lengths), removals before additions at each change.
std::vector<Edit> edit_script(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& { return lcs[i * (m + 1) + j]; };
    for (std::size_t i = n; i-- > 0;)
        for (std::size_t j = m; j-- > 0;)
            at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    std::vector<Edit> script;
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j])
            script.push_back({Op::keep, i++, j++});
        else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1)))
            script.push_back({Op::remove, i++, j});
        else
            script.push_back({Op::add, i, j++});
    }
    return script;
}

std::string range(std::size_t start, std::size_t count) {
    // diff -u numbers an empty range by the line before it.
    const std::size_t first = count == 0 ? start : start + 1;
    return count == 1 ? fmt::format("{}", first) : fmt::format("{},{}", first, count);
}

void append_line(std::string& out, Op op, std::string_view line) {
    out += static_cast<char>(op);
    out += line;
    if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

// Appends the hunk covering script[first, last).
void append_hunk(std::string& out, const std::vector<Edit>& script, std::size_t first,
                 std::size_t last, const std::vector<std::string_view>& a,
                 const std::vector<std::string_view>& b) {
    std::size_t old_count = 0;
    std::size_t new_count = 0;
    for (std::size_t k = first; k < last; ++k) {
        old_count += script[k].op != Op::add ? 1 : 0;
        new_count += script[k].op != Op::remove ? 1 : 0;
    }
    out += fmt::format("@@ -{} +{} @@\n", range(script[first].before, old_count),
                       range(script[first].after, new_count));
    for (std::size_t k = first; k < last; ++k) {
        const Edit& e = script[k];
        append_line(out, e.op, e.op == Op::add ? b[e.after] : a[e.before]);
    }
}

} // namespace

std::string unified_diff(std::string_view before, std::string_view after, std::string_view from,
                         std::string_view to, int context) {
    if (before == after) return {};
    const auto a = split_lines(before);
    const auto b = split_lines(after);
    const auto script = edit_script(a, b);
    const auto ctx = static_cast<std::size_t>(std::max(0, context));
    std::string out = fmt::format("--- {}\n+++ {}\n", from, to);
    std::size_t k = 0;
    while (k < script.size()) {
        while (k < script.size() && script[k].op == Op::keep)
            ++k;
        if (k == script.size()) break;
        const std::size_t first = k - std::min(k, ctx);
        // Extend over changes separated by at most 2*context unchanged lines.
        std::size_t last = k;
        while (last < script.size()) {
            std::size_t run = last;
            while (run < script.size() && script[run].op == Op::keep)
                ++run;
            if (run == script.size() || run - last > 2 * ctx) {
                last = std::min(run, last + ctx);
                break;
            }
            last = run + 1;
            while (last < script.size() && script[last].op != Op::keep)
                ++last;
        }
        append_hunk(out, script, first, last, a, b);
        k = last;
    }
    return out;
}

} // namespace assay::util
