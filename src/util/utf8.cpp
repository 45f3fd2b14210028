#include "util/utf8.hpp"

namespace assay::util {

namespace {

bool continuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

// The length of the well-formed sequence at the start of `text`, or 0 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
std::size_t sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i)
        if (!continuation(byte(i))) return 0;
    return length;
}

} // namespace

std::string_view utf8_prefix(std::string_view text, std::size_t max) {
    if (text.size() <= max) return text;
    std::size_t end = max;
    // At most three continuation bytes belong to the character that starts before `end`.
    for (int back = 0; back < 3 && end > 0 && continuation(static_cast<unsigned char>(text[end]));
         ++back)
        --end;
    return text.substr(0, end);
}

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const std::size_t length = sequence_length(text);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            text.remove_prefix(1);
            continue;
        }
        out.append(text.substr(0, length));
        text.remove_prefix(length);
    }
    return out;
}

} // namespace assay::util

namespace assay::util {

namespace {

// The value of the four hex digits at `at`, or -1.
long hex4(std::string_view text, std::size_t at) {
    if (at + 4 > text.size()) return -1;
    long value = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
        const char c = text[k];
        const int digit = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

bool high_surrogate(long unit) {
    return unit >= 0xD800 && unit <= 0xDBFF;
}
bool low_surrogate(long unit) {
    return unit >= 0xDC00 && unit <= 0xDFFF;
}

} // namespace

std::string json_without_lone_surrogates(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    std::size_t at = 0;
    while (at < json.size()) {
        const std::size_t slash = json.find('\\', at);
        if (slash == std::string_view::npos || slash + 1 >= json.size()) {
            out.append(json.substr(at));
            break;
        }
        out.append(json.substr(at, slash - at));
        if (json[slash + 1] != 'u') { // any other escape, `\\` included: two characters
            out.append(json.substr(slash, 2));
            at = slash + 2;
            continue;
        }
        const long unit = hex4(json, slash + 2);
        const bool pair = high_surrogate(unit) && json.substr(slash + 6, 2) == "\\u" &&
                          low_surrogate(hex4(json, slash + 8));
        if (pair) {
            out.append(json.substr(slash, 12));
            at = slash + 12;
        } else if (high_surrogate(unit) || low_surrogate(unit)) {
            out.append("\\ufffd");
            at = slash + 6;
        } else {
            out.append(json.substr(slash, 2)); // not a surrogate (or not an escape at all)
            at = slash + 2;
        }
    }
    return out;
}

} // namespace assay::util
