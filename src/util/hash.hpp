// Content hashes (xxHash3, 128 bit) used as content-addressed keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace assay::util {

// Hex digest (32 chars) of the concatenation of `parts`, each length-prefixed so that
// ("ab","c") and ("a","bc") differ.
[[nodiscard]] std::string content_hash_parts(const std::vector<std::string_view>& parts);

// Hex digest of one string.
[[nodiscard]] std::string content_hash(std::string_view text);

} // namespace assay::util
