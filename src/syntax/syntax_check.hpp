// The syntax gate: a candidate that does not parse is recorded as `compile_error` without a jail
// run.
#pragma once

#include "util/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace assay::syntax {

// Where the parser first failed: the first ERROR or MISSING node in document order.
struct SyntaxError {
    int line = 0;        // 1-based
    int column = 0;      // 1-based, in bytes
    std::string message; // "syntax error near 'xyz'" or "syntax error: missing ')'"

    // "line:column: message"
    [[nodiscard]] std::string describe() const;
};

// The first syntax error of `code`, or nullopt when it parses cleanly. Fails only when `language`
// has no grammar or the parser gives up.
[[nodiscard]] Expected<std::optional<SyntaxError>> check_syntax(std::string_view language,
                                                                std::string_view code);

} // namespace assay::syntax
