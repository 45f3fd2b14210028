// Whole-file reads (the one reader of input files), and small whole-file writes to kernel
// interface files (/proc, cgroupfs).
#pragma once

#include "util/error.hpp"

#include <string>
#include <string_view>

namespace assay::util {

// The bytes of a regular file. A path that is missing, a directory or not a regular file is bad
// input (exit 2); a file that exists but cannot be read is the environment's failure (exit 3).
// The error is located at `path` and says why.
[[nodiscard]] Expected<std::string> read_file(const std::string& path);

// Writes `text` to an existing file in one write(2), as kernel interface files expect; the
// error names the file and the text.
[[nodiscard]] Expected<void> write_control_file(const std::string& path, std::string_view text);

} // namespace assay::util
