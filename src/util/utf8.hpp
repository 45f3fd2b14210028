// UTF-8 for text that crosses into JSON: a byte limit must not cut a character in two, and bytes
// from outside (a server's error page, a reply cut anywhere) may not be UTF-8 at all.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace assay::util {

// The first `max` bytes of `text`, or fewer so as not to end inside a multi-byte sequence.
[[nodiscard]] std::string_view utf8_prefix(std::string_view text, std::size_t max);

// `text` with each byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD.
[[nodiscard]] std::string valid_utf8(std::string_view text);

} // namespace assay::util
