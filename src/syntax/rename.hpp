// Renaming the local variables of a program (refactor.hpp's rename_locals), shared by every
// grammar with scopes: fresh names that collide with nothing, and the rename itself.
#pragma once

#include "syntax/refactor.hpp"
#include "syntax/scopes.hpp"
#include "syntax/syntax_tree.hpp"

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace assay::syntax {

// How a language spells a multi-word name: `running_total` or `runningTotal`.
enum class NameStyle { snake, camel };

// Hands out names that occur nowhere in the program (as any kind of identifier: variable,
// attribute, property, type, label…), are not in `reserved` (the language's keywords and the
// builtins a new name must not shadow) and were not handed out before: a readable synonym of
// common local names first (`i` → `index`), else the name with a suffix (`n_value`, `nValue`).
// `reserved` must outlive the generator.
class NameGenerator {
  public:
    NameGenerator(const SyntaxTree& tree, const std::set<std::string_view>& reserved,
                  NameStyle style);

    [[nodiscard]] std::string fresh(std::string_view name);

  private:
    bool take(const std::string& candidate);

    const std::set<std::string_view>& reserved_;
    NameStyle style_;
    std::set<std::string, std::less<>> taken_;
};

// A language's part in rename_locals.
struct RenameRules {
    const std::set<std::string_view>* reserved = nullptr; // keywords and builtins (required)
    NameStyle style = NameStyle::snake;
    // Whether local `name` of scope `index` must keep its name (an interface's parameter).
    std::function<bool(const Scopes& scopes, std::size_t index, const std::string& name)> keep;
    // The text that replaces one occurrence `use` of a renamed variable; null: the new name.
    // (A JavaScript shorthand property `{a}` is a property name too: it becomes `{a: b}`.)
    std::function<std::string(TSNode use, const std::string& fresh)> spell;
};

// Every local of every renamable scope that `rules.keep` does not keep and whose name is not
// reserved, renamed at each of its uses to a fresh name: the rename_locals refactoring, or
// nullopt when nothing would change.
[[nodiscard]] std::optional<Refactoring> rename_locals(const SyntaxTree& tree, const Scopes& scopes,
                                                       const RenameRules& rules);

} // namespace assay::syntax
