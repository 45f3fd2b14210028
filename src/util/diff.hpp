// Line diffs in the unified format of `diff -u`, computed in-process (no external tool).
#pragma once

#include <string>
#include <string_view>

namespace assay::util {

// The unified diff turning `before` into `after`: "--- from" / "+++ to" headers, then hunks with
// `context` unchanged lines around each change (hunks closer than 2*context lines merge). Lines
// are matched by a longest-common-subsequence alignment, so the diff is minimal in lines changed.
// A last line without a newline is marked "\ No newline at end of file" as patch(1) expects.
// Empty when the texts are equal.
[[nodiscard]] std::string unified_diff(std::string_view before, std::string_view after,
                                       std::string_view from = "a", std::string_view to = "b",
                                       int context = 3);

} // namespace assay::util
