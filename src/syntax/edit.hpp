// Source edits: how mutations and refactorings change code without a pretty printer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace assay::syntax {

// Replace bytes [start, end) of the original source with `replacement` (start == end inserts).
struct Edit {
    uint32_t start = 0;
    uint32_t end = 0;
    std::string replacement;
};

// `source` with `edits` applied; the edits (in any order) must not overlap.
[[nodiscard]] std::string apply_edits(std::string_view source, std::vector<Edit> edits);

// Whether `code` parses without any ERROR or MISSING node.
[[nodiscard]] bool parses_cleanly(std::string_view language, std::string code);

// The first line of `text`, at most 40 bytes (then "…"): for descriptions.
[[nodiscard]] std::string brief(std::string_view text);

} // namespace assay::syntax
