#include "report/html.hpp"

#include "util/utf8.hpp"

#include <fmt/format.h>

namespace assay::report {

std::string escape(std::string_view text) {
    const std::string valid = util::valid_utf8(text);
    std::string out;
    out.reserve(valid.size());
    for (char c : valid) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string number(double value, int decimals) {
    return fmt::format("{:.{}f}", value, decimals);
}

std::string percent(double part, double whole) {
    if (whole == 0) return "–";
    return fmt::format("{:.1f}%", 100.0 * part / whole);
}

} // namespace assay::report
