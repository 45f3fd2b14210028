// The values an enumerated option of a verb accepts, checked before any work (README.md "Exit
// codes": an unknown value is bad input, exit 2, and the message lists the known ones). A known
// value that happens to match nothing is not an error: the verb says so when it has run.
#pragma once

#include "export/export.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace assay::cli {

// Ok when `value` is one of `known`; otherwise bad input: "unknown FLAG 'value' (did you mean
// 'x'? known: a, b or c)".
[[nodiscard]] Expected<void> check_known(std::string_view flag, const std::string& value,
                                         std::span<const std::string> known);

// The languages: every descriptor under languages/, and every language of a problem in `db`.
[[nodiscard]] Expected<std::vector<std::string>> known_languages(store::Store& db);

// What `export KIND --kind` may name for bugfix and refactor: the AST operators (mutation
// operators, refactoring kinds), the LLM prompt book's bug categories or refactoring goals, and
// every label of that candidate kind in `db` (a database made with other prompts). Sorted.
[[nodiscard]] Expected<std::vector<std::string>> known_labels(exports::Kind kind, store::Store& db);

} // namespace assay::cli
