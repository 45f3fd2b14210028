// Text for an HTML page: escaping and number formats.
#pragma once

#include <string>
#include <string_view>

namespace assay::report {

// `text` safe inside element content and inside a quoted attribute value: &, <, >, " and ' as
// character references, and each byte that is not well-formed UTF-8 as U+FFFD. Every text that
// comes from a database goes through it.
[[nodiscard]] std::string escape(std::string_view text);

// `value` with `decimals` digits after the point ("12.5"); thousands are not grouped.
[[nodiscard]] std::string number(double value, int decimals = 0);

// `part / whole` as a percentage with one decimal ("42.9%"); "–" when `whole` is 0.
[[nodiscard]] std::string percent(double part, double whole);

} // namespace assay::report
