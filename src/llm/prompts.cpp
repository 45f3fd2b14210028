#include "llm/prompts.hpp"

#include "core/language.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <toml++/toml.h>

namespace assay::llm {

namespace fs = std::filesystem;

const std::vector<TemplateSpec>& pipeline_templates() {
    static const std::vector<TemplateSpec> specs{
        {"instruct", {{"user", {"topic", "difficulty", "examples"}}}, {"topics", "difficulties"}},
        {"evolve", {{"user", {"problem", "method"}}}, {"methods"}},
        {"solve", {{"user", {"entry_point", "prompt"}}}, {}},
        {"tests", {{"user", {"count", "entry_point", "prompt"}}}, {}},
        {"bug",
         {{"user", {"entry_point", "prompt", "code", "category", "category_description"}}},
         {"categories"}},
        {"refactor", {{"user", {"entry_point", "goal", "prompt", "code"}}}, {"goals"}},
        {"reflexion",
         {{"user", {"entry_point", "prompt", "tests"}},
          {"retry", {"tests_passed", "tests_total", "feedback"}}},
         {}},
    };
    return specs;
}

std::vector<std::string> placeholders(std::string_view text) {
    std::vector<std::string> out;
    for (std::size_t at = text.find("{{"); at != std::string_view::npos;
         at = text.find("{{", at + 2)) {
        const std::size_t close = text.find("}}", at + 2);
        if (close == std::string_view::npos) break;
        std::string name(text.substr(at + 2, close - at - 2));
        if (name.empty() ||
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
            continue;
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return out;
}

const std::vector<PromptChoice>& PromptTemplate::list(std::string_view name) const {
    static const std::vector<PromptChoice> none;
    const auto it = lists.find(std::string(name));
    return it == lists.end() ? none : it->second;
}

namespace {

std::string where(const fs::path& file, const toml::source_region& region, int extra_lines = 0) {
    return fmt::format("{}:{}", file.string(), region.begin.line + extra_lines);
}

// The line (within the file) of byte `offset` of a multi-line string that starts at `region`:
// the newline right after the opening quotes is not part of the value.
int line_of(const toml::source_region& region, std::string_view raw, std::size_t offset) {
    const auto before = raw.substr(0, std::min(offset, raw.size()));
    const int skipped = region.end.line > region.begin.line ? 1 : 0; // the newline after the quotes
    return static_cast<int>(std::count(before.begin(), before.end(), '\n')) + skipped;
}

Expected<std::string> text_of(const toml::table& table, std::string_view key, const fs::path& file,
                              const std::vector<std::string>& expected) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fail_at(file.string(), "missing text '{}'", key);
    const auto* value = node->as_string();
    if (value == nullptr) return fail_at(where(file, node->source()), "'{}' must be a string", key);
    const std::string& raw = value->get();
    const std::vector<std::string> used = placeholders(raw);
    for (const std::string& name : used)
        if (std::find(expected.begin(), expected.end(), name) == expected.end()) {
            const std::size_t at = raw.find("{{" + name + "}}");
            return fail_at(where(file, node->source(), line_of(node->source(), raw, at)),
                           "unknown placeholder {{{{{}}}}} in '{}' (this text takes: {})", name,
                           key, fmt::join(expected, ", "));
        }
    for (const std::string& name : expected)
        if (std::find(used.begin(), used.end(), name) == used.end())
            return fail_at(where(file, node->source()),
                           "'{}' never uses the placeholder {{{{{}}}}}", key, name);
    return util::trimmed(raw);
}

Expected<std::vector<PromptChoice>> list_of(const toml::table& table, std::string_view key,
                                            const fs::path& file) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fail_at(file.string(), "missing list '{}'", key);
    const toml::array* array = node->as_array();
    if (array == nullptr || array->empty())
        return fail_at(where(file, node->source()), "'{}' must be a non-empty array", key);
    std::vector<PromptChoice> out;
    for (const toml::node& item : *array) {
        if (const auto* text = item.as_string()) {
            out.push_back({text->get(), text->get()});
            continue;
        }
        const toml::table* entry = item.as_table();
        const auto name = entry ? entry->get_as<std::string>("name") : nullptr;
        const auto description = entry ? entry->get_as<std::string>("description") : nullptr;
        if (name == nullptr || description == nullptr)
            return fail_at(where(file, item.source()),
                           "'{}' items must be strings or {{ name, description }} tables", key);
        out.push_back({name->get(), description->get()});
    }
    return out;
}

Expected<PromptTemplate> load_one(const fs::path& dir, const TemplateSpec& spec) {
    const fs::path file = dir / (spec.kind + ".toml");
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return fail_at(file.string(), "no such prompt file");
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        return fail_at(where(file, error.source()), "{}", error.description());
    }
    PromptTemplate t;
    t.kind = spec.kind;
    t.file = file;
    t.system = ASSAY_TRY(text_of(table, "system", file, {}));
    for (const auto& [name, expected] : spec.placeholders)
        t.texts[name] = ASSAY_TRY(text_of(table, name, file, expected));
    if (const toml::node* node = table.get("temperature")) {
        const auto value = node->value<double>();
        if (!value || *value < 0 || *value > 2)
            return fail_at(where(file, node->source()), "temperature must be a number in [0, 2]");
        t.temperature = *value;
    }
    if (const toml::node* node = table.get("max_tokens")) {
        const auto value = node->value<std::int64_t>();
        if (!value || *value < 16 || *value > 1'000'000)
            return fail_at(where(file, node->source()),
                           "max_tokens must be an integer in [16, 1000000]");
        t.max_tokens = static_cast<int>(*value);
    }
    for (const std::string& name : spec.lists)
        t.lists[name] = ASSAY_TRY(list_of(table, name, file));
    return t;
}

} // namespace

Expected<PromptBook> load_prompts(const fs::path& dir, const std::vector<TemplateSpec>& specs) {
    PromptBook book;
    for (const TemplateSpec& spec : specs)
        book.templates_.emplace(spec.kind, ASSAY_TRY(load_one(dir, spec)));
    return book;
}

fs::path prompts_dir(std::string_view language) {
    return project_root() / "src" / "llm" / "prompts" / std::string(language);
}

Expected<PromptBook> language_prompts(std::string_view language) {
    const fs::path dir = prompts_dir(language);
    std::error_code error;
    if (!fs::is_directory(dir, error))
        return fail_at(dir.string(),
                       "no prompts for the language '{}': the LLM stages need a "
                       "directory of prompt files like src/llm/prompts/python/",
                       language);
    return load_prompts(dir, pipeline_templates());
}

namespace {
// A caller asked for a template, text or placeholder the book was not loaded with: a bug in
// assay, not bad input (the prompt files are checked against the specs at load).
FatalError internal_error(std::string message) {
    return FatalError(ExitCode::internal, Error{std::move(message), {}, ErrorKind::environment});
}
} // namespace

const PromptTemplate& PromptBook::at(std::string_view kind) const {
    const auto it = templates_.find(kind);
    if (it == templates_.end())
        throw internal_error(fmt::format("no prompt template '{}' was loaded", kind));
    return it->second;
}

std::string PromptBook::render(std::string_view kind, std::string_view text,
                               const std::map<std::string, std::string>& values) const {
    const PromptTemplate& t = at(kind);
    const auto it = t.texts.find(std::string(text));
    if (it == t.texts.end())
        throw internal_error(fmt::format("prompt '{}' has no text '{}'", kind, text));
    const std::string& source = it->second;
    std::string out;
    std::size_t copied = 0;
    for (std::size_t at = source.find("{{"); at != std::string::npos;
         at = source.find("{{", at + 2)) {
        const std::size_t close = source.find("}}", at + 2);
        if (close == std::string::npos) break;
        const auto value = values.find(source.substr(at + 2, close - at - 2));
        if (value == values.end()) continue; // not a placeholder (checked at load)
        out.append(source, copied, at - copied);
        out += value->second; // inserted once: a value's own braces are never expanded
        copied = close + 2;
        at = close;
    }
    out.append(source, copied);
    const std::vector<std::string> used = placeholders(source);
    for (const std::string& name : used)
        if (values.count(name) == 0)
            throw internal_error(
                fmt::format("prompt '{}' text '{}' needs a value for '{}'", kind, text, name));
    for (const auto& [name, value] : values)
        if (std::find(used.begin(), used.end(), name) == used.end())
            throw internal_error(
                fmt::format("prompt '{}' text '{}' has no placeholder '{}'", kind, text, name));
    return out;
}

ChatRequest PromptBook::request(std::string_view kind, const std::string& model,
                                std::vector<Message> conversation, std::uint64_t seed) const {
    const PromptTemplate& t = at(kind);
    ChatRequest request;
    request.model = model;
    request.messages.push_back({"system", t.system});
    for (Message& m : conversation)
        request.messages.push_back(std::move(m));
    request.temperature = t.temperature;
    request.max_tokens = t.max_tokens;
    request.seed = seed & 0x7fff'ffff'ffff'ffffULL;
    return request;
}

} // namespace assay::llm
