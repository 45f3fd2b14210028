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

namespace assay::util {

// JSON text with each `\uXXXX` escape of a lone UTF-16 surrogate (a high one not followed by a
// low one, or a low one alone) replaced by `\ufffd`. JavaScript's JSON.stringify writes a string
// holding half a surrogate pair that way; a strict parser (nlohmann) refuses the whole text.
[[nodiscard]] std::string json_without_lone_surrogates(std::string_view json);

} // namespace assay::util
