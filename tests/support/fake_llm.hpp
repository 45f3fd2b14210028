// Requests as the pipeline sends them: the templates of src/llm/prompts/ rendered with
// `{{name}}` values, wrapped in a chat-completions body; and the fake model that answers them.
#pragma once

#include "core/language.hpp"
#include "core/problem.hpp"
#include "tools/fake_model.hpp"

#include <doctest/doctest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <toml++/toml.h>
#include <utility>
#include <vector>

namespace assay::testing {

// src/llm/prompts/<language>/<file>.toml, parsed once.
inline const toml::table& prompt_file(const std::string& file,
                                      const std::string& language = "python") {
    static std::map<std::string, toml::table> cache;
    const std::string key = language + "/" + file;
    auto it = cache.find(key);
    if (it == cache.end())
        it = cache
                 .emplace(key, toml::parse_file((project_root() / "src/llm/prompts" / language /
                                                 (file + ".toml"))
                                                    .string()))
                 .first;
    return it->second;
}

// The template `key` of `file` with every `{{name}}` replaced; throws when a placeholder is left.
inline std::string render_prompt(const std::string& file, const std::string& key,
                                 const std::map<std::string, std::string>& values,
                                 const std::string& language = "python") {
    std::string text = prompt_file(file, language)[key].value_or(std::string());
    if (text.empty()) throw std::runtime_error(file + ".toml has no " + key);
    for (const auto& [name, value] : values) {
        const std::string placeholder = "{{" + name + "}}";
        for (std::size_t at = text.find(placeholder); at != std::string::npos;
             at = text.find(placeholder, at + value.size()))
            text.replace(at, placeholder.size(), value);
    }
    if (text.find("{{") != std::string::npos) throw std::runtime_error("unfilled: " + text);
    return text;
}

inline std::vector<std::string> prompt_list(const std::string& file, const std::string& key,
                                            const std::string& field = "") {
    std::vector<std::string> out;
    if (const toml::array* items = prompt_file(file)[key].as_array())
        for (const toml::node& item : *items) {
            if (field.empty())
                out.push_back(item.value_or(std::string()));
            else
                out.push_back((*item.as_table())[field].value_or(std::string()));
        }
    return out;
}

// A chat-completions body as llm::HttpClient sends it.
inline nlohmann::json chat_body(const std::vector<std::pair<std::string, std::string>>& messages,
                                std::uint64_t seed, int max_tokens = 2048) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [role, content] : messages)
        list.push_back({{"role", role}, {"content", content}});
    return {{"model", "fake-model"},
            {"messages", list},
            {"temperature", 0.8},
            {"max_tokens", max_tokens},
            {"seed", seed}};
}

// A one-turn request of kind `file` (system + rendered user message).
inline nlohmann::json prompt_request(const std::string& file,
                                     const std::map<std::string, std::string>& values,
                                     std::uint64_t seed, int max_tokens = 2048,
                                     const std::string& language = "python") {
    return chat_body({{"system", prompt_file(file, language)["system"].value_or(std::string())},
                      {"user", render_prompt(file, "user", values, language)}},
                     seed, max_tokens);
}

// The model assay-fake-llm runs by default: the bank plus the inventions (loaded once).
inline const tools::FakeModel& default_fake_model() {
    static const tools::FakeModel model = [] {
        auto loaded = tools::FakeModel::load({project_root() / "problems" / "python"},
                                             {project_root() / "tests/fake_llm/inventions"});
        if (!loaded) throw std::runtime_error(loaded.error().describe());
        return std::move(*loaded);
    }();
    return model;
}

// A known problem by entry point; fails the test when there is none.
inline const Problem& known_problem(const std::string& entry_point) {
    const Problem* p = default_fake_model().find(entry_point);
    REQUIRE_MESSAGE(p != nullptr, entry_point);
    return *p;
}

// The tests of a problem as the pipeline shows them: one assert per line.
inline std::string visible_tests(const Problem& p) {
    std::string out;
    for (const TestCase& t : p.tests)
        if (t.visibility == Visibility::visible) out += t.code + "\n";
    return out;
}

} // namespace assay::testing
