#include "syntax/rename.hpp"

#include "syntax/edit.hpp"

#include <map>
#include <vector>

namespace assay::syntax {
namespace {

// Preferred new names: a readable alternative spelling of common local names (snake_case; a
// camelCase language gets them converted).
const std::map<std::string_view, std::vector<std::string_view>> synonyms{
    {"i", {"index", "idx"}},
    {"j", {"inner", "jdx"}},
    {"k", {"kth", "step"}},
    {"n", {"count", "size"}},
    {"m", {"width", "limit"}},
    {"x", {"value", "item"}},
    {"y", {"other", "second_value"}},
    {"s", {"text", "string_value"}},
    {"c", {"char", "symbol"}},
    {"ch", {"char", "symbol"}},
    {"a", {"first", "left_value"}},
    {"b", {"second", "right_value"}},
    {"l", {"items", "elements"}},
    {"lst", {"items", "elements"}},
    {"arr", {"values", "elements"}},
    {"nums", {"numbers", "values"}},
    {"numbers", {"nums", "values"}},
    {"res", {"output", "outcome"}},
    {"result", {"output", "outcome"}},
    {"ans", {"answer", "output"}},
    {"total", {"running_total", "acc"}},
    {"count", {"tally", "counter"}},
    {"cnt", {"tally", "counter"}},
    {"tmp", {"scratch", "temp_value"}},
    {"temp", {"scratch", "temp_value"}},
    {"val", {"element", "item"}},
    {"v", {"element", "item"}},
    {"e", {"entry", "element"}},
    {"num", {"number", "value"}},
    {"word", {"token", "term"}},
    {"words", {"tokens", "terms"}},
    {"string", {"text", "source"}},
    {"text", {"source_text", "content"}},
    {"d", {"mapping", "table"}},
    {"idx", {"position", "index"}},
    {"index", {"position", "idx"}},
    {"left", {"lo", "low"}},
    {"right", {"hi", "high"}},
    {"start", {"begin", "first_index"}},
    {"end", {"stop", "last_index"}},
    {"q", {"queue", "pending"}},
    {"w", {"word", "weight"}},
    {"p", {"prefix", "point"}},
    {"r", {"remainder", "row"}},
    {"t", {"target", "item"}},
    {"string_list", {"strings", "texts"}},
    {"strings", {"texts", "string_list"}},
    {"key", {"name_key", "k"}},
    {"value", {"entry_value", "val"}},
    {"item", {"element", "entry"}},
    {"seen", {"visited", "known"}},
};

// `running_total` → `runningTotal`; `n_2` → `n2`.
std::string camel(std::string_view snake) {
    std::string out;
    bool upper = false;
    for (const char c : snake) {
        if (c == '_' && !out.empty()) {
            upper = true;
            continue;
        }
        out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        upper = false;
    }
    return out;
}

bool ends_with_identifier(std::string_view kind) {
    return kind.ends_with("identifier") || kind.ends_with("identifier_pattern");
}

} // namespace

NameGenerator::NameGenerator(const SyntaxTree& tree, const std::set<std::string_view>& reserved,
                             NameStyle style)
    : reserved_(reserved), style_(style) {
    walk(tree.root(), [&](TSNode node) {
        if (ends_with_identifier(type(node))) taken_.emplace(tree.text(node));
        return true;
    });
}

std::string NameGenerator::fresh(std::string_view name) {
    const auto styled = [&](const std::string& snake) {
        return style_ == NameStyle::camel ? camel(snake) : snake;
    };
    if (const auto found = synonyms.find(name); found != synonyms.end()) {
        for (const std::string_view candidate : found->second) {
            if (std::string spelled = styled(std::string(candidate)); take(spelled)) return spelled;
        }
    }
    for (const std::string_view suffix : {"_value", "_var", "_ref"}) {
        if (std::string spelled = styled(std::string(name) + std::string(suffix)); take(spelled))
            return spelled;
    }
    for (int i = 2;; ++i) {
        if (std::string spelled = styled(fmt::format("{}_{}", name, i)); take(spelled))
            return spelled;
    }
}

bool NameGenerator::take(const std::string& candidate) {
    if (reserved_.contains(candidate) || taken_.contains(candidate)) return false;
    taken_.insert(candidate);
    return true;
}

std::optional<Refactoring> rename_locals(const SyntaxTree& tree, const Scopes& scopes,
                                         const RenameRules& rules) {
    NameGenerator names(tree, *rules.reserved, rules.style);
    std::map<std::pair<int, std::string_view>, std::string> renamed;
    std::vector<std::string> described;
    for (std::size_t index = 0; index < scopes.scopes.size(); ++index) {
        if (!scopes.renamable(static_cast<int>(index))) continue;
        for (const std::string& local : scopes.scopes[index].locals) {
            if (rules.reserved->contains(local) || (rules.keep && rules.keep(scopes, index, local)))
                continue;
            std::string fresh = names.fresh(local);
            described.push_back(fmt::format("{} → {}", local, fresh));
            renamed.emplace(std::pair<int, std::string_view>{static_cast<int>(index), local},
                            std::move(fresh));
        }
    }
    std::vector<Edit> edits;
    for (const NameUse& use : scopes.uses) {
        const auto found = renamed.find({use.resolves_to, tree.text(use.node)});
        if (found == renamed.end()) continue;
        edits.push_back({start(use.node), end(use.node),
                         rules.spell ? rules.spell(use.node, found->second) : found->second});
    }
    if (edits.empty()) return std::nullopt;
    return Refactoring{"rename_locals", apply_edits(tree.source(), std::move(edits)),
                       fmt::format("renamed {}", fmt::join(described, ", "))};
}

} // namespace assay::syntax
