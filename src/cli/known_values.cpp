#include "cli/known_values.hpp"

#include "core/language.hpp"
#include "llm/prompts.hpp"
#include "store/readers.hpp"
#include "syntax/mutate.hpp"
#include "syntax/refactor.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace assay::cli {

namespace {
void sort_unique(std::vector<std::string>& names) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
}

// The names of the list `list` in src/llm/prompts/<language>/`kind`.toml, over every language
// that has prompts; none from a book that does not load (the LLM stages report that; an export
// need not).
std::vector<std::string> prompt_list(std::string_view kind, std::string_view list) {
    std::vector<llm::TemplateSpec> specs;
    for (const llm::TemplateSpec& spec : llm::pipeline_templates())
        if (spec.kind == kind) specs.push_back(spec);
    std::vector<std::string> out;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(project_root() / "src" / "llm" / "prompts", error)) {
        if (!entry.is_directory(error)) continue;
        const auto book = llm::load_prompts(entry.path(), specs);
        if (!book) continue;
        for (const llm::PromptChoice& choice : book->at(kind).list(list))
            out.push_back(choice.name);
    }
    sort_unique(out);
    return out;
}
} // namespace

Expected<void> check_known(std::string_view flag, const std::string& value,
                           std::span<const std::string> known) {
    if (std::find(known.begin(), known.end(), value) != known.end()) return {};
    const std::string close = util::nearest(value, known);
    return fail("unknown {} '{}' ({}known: {})", flag, value,
                close.empty() ? "" : fmt::format("did you mean '{}'? ", close),
                known.empty() ? std::string("none") : util::one_of(known));
}

Expected<std::vector<std::string>> known_languages(store::Store& db) {
    std::vector<std::string> names = ASSAY_TRY(store::problem_languages(db));
    for (const Language& language : ASSAY_TRY(load_languages()))
        names.push_back(language.name);
    sort_unique(names);
    return names;
}

Expected<std::vector<std::string>> known_labels(exports::Kind kind, store::Store& db) {
    const bool bugs = kind == exports::Kind::bugfix;
    std::vector<std::string> names =
        ASSAY_TRY(store::candidate_labels(db, bugs ? "bug" : "refactor"));
    for (std::string_view name : bugs ? syntax::mutation_operators() : syntax::refactoring_kinds())
        names.emplace_back(name);
    for (std::string& name :
         bugs ? prompt_list("bug", "categories") : prompt_list("refactor", "goals"))
        names.push_back(std::move(name));
    sort_unique(names);
    return names;
}

} // namespace assay::cli
