// Prompts as data (src/llm/prompts/<language>/*.toml, see the README there): one template per
// request kind, its sampling settings, and the lists the pipeline draws from to steer diversity.
#pragma once

#include "llm/client.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace assay::llm {

// An item of a template's list: a topic, an Evol-Instruct method, a bug category, a refactoring
// goal. A list of plain strings gives items whose name and description are the same text.
struct PromptChoice {
    std::string name;
    std::string description;
};

struct PromptTemplate {
    std::string kind;           // the file's stem: "solve", "bug", …
    std::filesystem::path file; // for messages
    std::string system;
    std::map<std::string, std::string> texts; // "user", and "retry" where the kind has one
    double temperature = 0.0;
    int max_tokens = 1024;
    std::map<std::string, std::vector<PromptChoice>> lists; // "topics", "categories", …

    // The list called `name` (never empty once loaded: load_prompts checks the lists it needs).
    [[nodiscard]] const std::vector<PromptChoice>& list(std::string_view name) const;
};

// Each kind the pipeline sends, the texts it has, and exactly the placeholders each text takes.
struct TemplateSpec {
    std::string kind;
    std::map<std::string, std::vector<std::string>> placeholders; // text → names
    std::vector<std::string> lists;                               // lists it must have
};

// The kinds of the LLM pipeline (instruct, evolve, solve, tests, bug, refactor, reflexion).
[[nodiscard]] const std::vector<TemplateSpec>& pipeline_templates();

class PromptBook {
  public:
    // The template of `kind`; the kind must be one the book was loaded with.
    [[nodiscard]] const PromptTemplate& at(std::string_view kind) const;

    // `text` of `kind` with every placeholder replaced; `values` must give exactly the
    // placeholders of the spec the book was loaded with (otherwise a bug in assay: FatalError,
    // exit 3).
    [[nodiscard]] std::string render(std::string_view kind, std::string_view text,
                                     const std::map<std::string, std::string>& values) const;

    // A chat request of `kind`: its system message, then `conversation`.
    [[nodiscard]] ChatRequest request(std::string_view kind, const std::string& model,
                                      std::vector<Message> conversation, std::uint64_t seed) const;

  private:
    friend Expected<PromptBook> load_prompts(const std::filesystem::path&,
                                             const std::vector<TemplateSpec>&);
    std::map<std::string, PromptTemplate, std::less<>> templates_;
};

// Loads `dir`/<kind>.toml for each spec. Fails naming the file and line on: a file that is
// missing or not TOML, a missing text, a placeholder the spec does not provide, a provided one
// the text never uses, a missing or empty list, a temperature outside [0, 2], max_tokens < 16.
[[nodiscard]] Expected<PromptBook> load_prompts(const std::filesystem::path& dir,
                                                const std::vector<TemplateSpec>& specs);

// The directory of `language`'s prompts: src/llm/prompts/<language>/ in the project.
[[nodiscard]] std::filesystem::path prompts_dir(std::string_view language);

// The pipeline's templates (pipeline_templates()) for `language`, from prompts_dir(language);
// fails naming the directory when the language has none.
[[nodiscard]] Expected<PromptBook> language_prompts(std::string_view language);

// The placeholders (`{{name}}`) of a text, in order of appearance, each once.
[[nodiscard]] std::vector<std::string> placeholders(std::string_view text);

} // namespace assay::llm
