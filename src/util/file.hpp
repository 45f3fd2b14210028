// Small whole-file writes to kernel interface files (/proc, cgroupfs).
#pragma once

#include "util/error.hpp"

#include <string>
#include <string_view>

namespace assay::util {

// Writes `text` to an existing file in one write(2), as kernel interface files expect; the
// error names the file and the text.
[[nodiscard]] Expected<void> write_control_file(const std::string& path, std::string_view text);

} // namespace assay::util
