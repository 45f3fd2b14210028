// Small text helpers shared by the pipeline, the LLM layer and the tools.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace assay::util {

// `text` without leading and trailing blanks (space, tab, CR, LF); a view into `text`.
[[nodiscard]] std::string_view trim(std::string_view text);

// The same, as an owning copy (for temporaries).
[[nodiscard]] std::string trimmed(std::string_view text);

// The text before the first newline.
[[nodiscard]] std::string first_line(std::string_view text);

// At most `limit` bytes of `text`, cut between UTF-8 characters, " …" appended when cut.
[[nodiscard]] std::string clip(std::string_view text, std::size_t limit);

// `names` as a reader lists them: "a", "a or b", "a, b or c".
[[nodiscard]] std::string one_of(std::span<const std::string> names);

// The name of `names` closest to `word` by edit distance (what a typo most likely meant), or ""
// when none is close: within a third of the longer name's length, at least 1, at most 3.
[[nodiscard]] std::string nearest(std::string_view word, std::span<const std::string> names);

} // namespace assay::util
