// Checks exported rows against the formats the trainers document, as their loaders read them:
//   TRL           the dataset types of its data_utils (language modeling `messages`,
//                 prompt-only, prompt-completion, preference, unpaired preference), standard
//                 (strings) or conversational (lists of {role: system|user|assistant, content}).
//   axolotl       `type: chat_template` over `messages` ({role, content}), with per-message
//                 `weight` (0 or 1, assistant turns only) as `message_field_training`.
//   LLaMA-Factory through a directory's dataset_info.json (data/README.md and its converter):
//                 each entry's file exists, every column it names is in every row with the type
//                 its formatting reads, sharegpt roles are the entry's tags in the converter's
//                 order (system first, then user/assistant alternating; an even count, odd for
//                 ranking), ranking rows have chosen and rejected.
// Each check returns what is wrong (empty: the row or directory fits), so a test can show it.
#pragma once

#include "support/jsonl.hpp"
#include "support/process.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace assay::testing::formats {

using nlohmann::json;
using Problems = std::vector<std::string>;

namespace detail {
inline bool is_message(const json& m, Problems& out, const std::string& where) {
    static const std::set<std::string> kRoles{"system", "user", "assistant"};
    if (!m.is_object() || !m.contains("role") || !m.contains("content")) {
        out.push_back(where + ": a message without role and content: " + m.dump());
        return false;
    }
    if (!m["role"].is_string() || !kRoles.contains(m["role"].get<std::string>()))
        out.push_back(where + ": role not system/user/assistant: " + m["role"].dump());
    if (!m["content"].is_string()) out.push_back(where + ": content not a string");
    return true;
}

inline bool is_conversation(const json& v) {
    return v.is_array() && !v.empty() && v[0].is_object();
}
} // namespace detail

// TRL: the row's dataset type (by the keys TRL reads) and each of those fields' type.
inline Problems trl(const json& row) {
    Problems out;
    static const std::vector<std::string> kKeys{"text",   "messages", "prompt", "completion",
                                                "chosen", "rejected", "label"};
    std::set<std::string> keys;
    for (const std::string& k : kKeys)
        if (row.contains(k)) keys.insert(k);
    static const std::vector<std::set<std::string>> kTypes{{"text"},
                                                           {"messages"},
                                                           {"prompt"},
                                                           {"prompt", "completion"},
                                                           {"prompt", "chosen", "rejected"},
                                                           {"chosen", "rejected"},
                                                           {"prompt", "completion", "label"}};
    if (std::find(kTypes.begin(), kTypes.end(), keys) == kTypes.end()) {
        std::string names;
        for (const std::string& k : keys)
            names += " " + k;
        out.push_back("TRL: no dataset type has the keys{" + names + " }");
        return out;
    }
    if (keys.contains("label") && !row["label"].is_boolean())
        out.push_back("TRL: label is not a bool: " + row["label"].dump());
    if (keys.contains("text") && !row["text"].is_string()) out.push_back("TRL: text not a string");
    // Conversational when the first of them is a message list; then all of them are.
    bool conversational = false;
    for (const std::string k : {"messages", "prompt", "completion", "chosen", "rejected"})
        if (keys.contains(k)) {
            conversational = detail::is_conversation(row[k]);
            break;
        }
    if (keys.contains("messages") && !conversational)
        out.push_back("TRL: messages is not a non-empty list of messages");
    for (const std::string k : {"messages", "prompt", "completion", "chosen", "rejected"}) {
        if (!keys.contains(k)) continue;
        const json& v = row[k];
        if (!conversational) {
            if (!v.is_string()) out.push_back(fmt::format("TRL: {} is not a string", k));
            continue;
        }
        if (!detail::is_conversation(v)) {
            out.push_back(fmt::format("TRL: {} is not a message list like the others", k));
            continue;
        }
        for (const json& m : v)
            detail::is_message(m, out, "TRL: " + k);
        const std::string last = v.back().value("role", "");
        if (k == "prompt" && last == "assistant")
            out.push_back("TRL: a conversational prompt ends with the assistant");
        if ((k == "completion" || k == "chosen" || k == "rejected") && keys.contains("prompt"))
            for (const json& m : v)
                if (m.value("role", "") != "assistant")
                    out.push_back(fmt::format("TRL: {} holds a {} turn", k, m.value("role", "")));
    }
    return out;
}

// axolotl's chat_template over `messages`, with `weight` as the training mask.
inline Problems axolotl(const json& row) {
    Problems out;
    if (!row.contains("messages") || !detail::is_conversation(row["messages"])) {
        out.push_back("axolotl: no messages list");
        return out;
    }
    for (const json& m : row["messages"]) {
        if (!detail::is_message(m, out, "axolotl")) continue;
        if (!m.contains("weight")) continue;
        const json& w = m["weight"];
        if (!w.is_number_integer() || (w != 0 && w != 1))
            out.push_back("axolotl: weight is not 0 or 1: " + w.dump());
        if (m["role"] != "assistant") out.push_back("axolotl: weight on a non-assistant turn");
    }
    return out;
}

namespace detail {
// One row of a LLaMA-Factory entry.
inline void llama_factory_row(const json& entry, const json& row, Problems& out,
                              const std::string& where) {
    const json columns = entry.value("columns", json::object());
    const bool ranking = entry.value("ranking", false);
    const auto column = [&](const char* name, const char* fallback) {
        return columns.contains(name) ? columns[name].get<std::string>() : std::string(fallback);
    };
    const auto need = [&](const std::string& field, auto is_type, const char* type) {
        if (!row.contains(field))
            out.push_back(fmt::format("{}: no column '{}'", where, field));
        else if (!is_type(row[field]))
            out.push_back(fmt::format("{}: '{}' is not {}", where, field, type));
    };
    const auto is_string = [](const json& v) { return v.is_string(); };
    const auto is_bool = [](const json& v) { return v.is_boolean(); };
    if (columns.contains("kto_tag")) need(column("kto_tag", ""), is_bool, "a bool");
    if (ranking && (!columns.contains("chosen") || !columns.contains("rejected")))
        out.push_back(where + ": a ranking entry without chosen and rejected columns");
    if (entry.value("formatting", "alpaca") == "alpaca") {
        need(column("prompt", "instruction"), is_string, "a string");
        for (const char* optional : {"query", "system"})
            if (columns.contains(optional)) need(column(optional, ""), is_string, "a string");
        if (ranking) {
            need(column("chosen", ""), is_string, "a string");
            need(column("rejected", ""), is_string, "a string");
        } else {
            need(column("response", "output"), is_string, "a string");
        }
        return;
    }
    const json tags = entry.value("tags", json::object());
    const auto tag = [&](const char* name, const char* fallback) {
        return tags.contains(name) ? tags[name].get<std::string>() : std::string(fallback);
    };
    const std::string role = tag("role_tag", "from");
    const std::string content = tag("content_tag", "value");
    const std::string user = tag("user_tag", "human");
    const std::string assistant = tag("assistant_tag", "gpt");
    const std::string system = tag("system_tag", "system");
    const std::string field = column("messages", "conversations");
    if (!row.contains(field) || !row[field].is_array()) {
        out.push_back(fmt::format("{}: no message list '{}'", where, field));
        return;
    }
    const json& messages = row[field];
    std::size_t first = 0;
    if (!messages.empty() && messages[0].is_object() && messages[0].value(role, "") == system)
        first = 1;
    for (std::size_t i = first; i < messages.size(); ++i) {
        const json& m = messages[i];
        if (!m.is_object() || !m.contains(role) || !m.contains(content) ||
            !m[content].is_string()) {
            out.push_back(
                fmt::format("{}: message {} lacks '{}' or string '{}'", where, i, role, content));
            continue;
        }
        const std::string expected = (i - first) % 2 == 0 ? user : assistant;
        if (m[role] != expected)
            out.push_back(fmt::format("{}: message {} has {} '{}' where the tags put '{}'", where,
                                      i, role, m[role].dump(), expected));
    }
    const std::size_t turns = messages.size() - first;
    if (turns == 0 || (ranking ? turns % 2 != 1 : turns % 2 != 0))
        out.push_back(fmt::format("{}: {} turns (LLaMA-Factory wants {})", where, turns,
                                  ranking ? "an odd count" : "an even count"));
    if (ranking)
        for (const char* side : {"chosen", "rejected"}) {
            const std::string name = column(side, side);
            if (!row.contains(name) || !row[name].is_object() ||
                row[name].value(role, "") != assistant || !row[name].contains(content) ||
                !row[name][content].is_string())
                out.push_back(fmt::format("{}: '{}' is not a {{{}: {}, {}: string}} object", where,
                                          name, role, assistant, content));
        }
}
} // namespace detail

// Every entry of `dir`/dataset_info.json against its file's rows.
inline Problems llama_factory(const std::filesystem::path& dir) {
    Problems out;
    std::ifstream in(dir / "dataset_info.json");
    if (!in) return {"LLaMA-Factory: no dataset_info.json in " + dir.string()};
    json info;
    try {
        info = json::parse(in);
    } catch (const json::exception& e) {
        return {std::string("LLaMA-Factory: dataset_info.json: ") + e.what()};
    }
    static const std::set<std::string> kColumns{
        "prompt", "query",  "response", "history", "messages", "system", "tools",
        "images", "videos", "audios",   "chosen",  "rejected", "kto_tag"};
    static const std::set<std::string> kTags{"role_tag",      "content_tag",     "user_tag",
                                             "assistant_tag", "observation_tag", "function_tag",
                                             "system_tag"};
    for (const auto& [name, entry] : info.items()) {
        const std::string where = "LLaMA-Factory " + name;
        if (!entry.contains("file_name") || !entry["file_name"].is_string()) {
            out.push_back(where + ": no file_name");
            continue;
        }
        const auto file = dir / entry["file_name"].get<std::string>();
        if (!std::filesystem::is_regular_file(file)) {
            out.push_back(where + ": no file " + file.string());
            continue;
        }
        const std::string formatting = entry.value("formatting", "alpaca");
        if (formatting != "alpaca" && formatting != "sharegpt")
            out.push_back(where + ": formatting " + formatting);
        if (entry.contains("ranking") && !entry["ranking"].is_boolean())
            out.push_back(where + ": ranking is not a bool");
        const json columns = entry.value("columns", json::object());
        const json tags = entry.value("tags", json::object());
        for (const auto& [column, field] : columns.items())
            if (!kColumns.contains(column) || !field.is_string())
                out.push_back(where + ": column " + column);
        for (const auto& [key, value] : tags.items())
            if (!kTags.contains(key) || !value.is_string()) out.push_back(where + ": tag " + key);
        const auto rows = read_jsonl(file);
        for (std::size_t i = 0; i < rows.size(); ++i)
            detail::llama_factory_row(
                entry, rows[i], out,
                fmt::format("{} ({}:{})", where, file.filename().string(), i + 1));
    }
    return out;
}

// Every row of a JSONL file through `check`, each problem prefixed with file:line.
template <typename Check> inline Problems each_row(const std::filesystem::path& file, Check check) {
    Problems out;
    const auto rows = read_jsonl(file);
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (const std::string& p : check(rows[i]))
            out.push_back(fmt::format("{}:{}: {}", file.filename().string(), i + 1, p));
    return out;
}

} // namespace assay::testing::formats

namespace assay::testing::formats {

// The YAML front matter of a Hugging Face dataset card, parsed by Debian's python3-yaml (a data
// file read by a parser, nothing run from it), as JSON; a string saying why when it does not
// parse (or python3-yaml is missing).
inline std::variant<json, std::string> card_front_matter(const std::filesystem::path& card) {
    static const std::string kParse =
        "import sys, json\n"
        "sys.path.append('/usr/lib/python3/dist-packages')\n"
        "import yaml\n"
        "text = open(sys.argv[1], encoding='utf-8').read()\n"
        "if not text.startswith('---\\n'): sys.exit('no front matter')\n"
        "end = text.index('\\n---\\n', 3)\n"
        "print(json.dumps(yaml.safe_load(text[4:end + 1])))\n";
    const Ran ran = run_process("/usr/bin/python3", {"-I", "-S", "-c", kParse, card.string()},
                                std::chrono::seconds(30));
    if (ran.exit_code != 0) return "front matter: " + ran.err;
    try {
        return json::parse(ran.out);
    } catch (const json::exception& e) {
        return std::string("front matter: ") + e.what();
    }
}

} // namespace assay::testing::formats

namespace assay::testing::formats {

// What is wrong with the files `assay run` wrote into `dir`, read as each trainer reads them:
// TRL for sft (messages), dpo, kto and tasks (prompt-only); axolotl's chat_template for the
// message lists of sft and reflexion; LLaMA-Factory for every entry of dataset_info.json, which
// must name every file but dpo's and kto's conversational ones; the card's front matter, one
// config per file.
inline Problems run_directory(const std::filesystem::path& dir) {
    Problems out;
    const auto add = [&](const Problems& more) { out.insert(out.end(), more.begin(), more.end()); };
    for (const char* file : {"sft.jsonl", "dpo.jsonl", "kto.jsonl", "tasks.jsonl"})
        add(each_row(dir / file, trl));
    for (const char* file : {"sft.jsonl", "reflexion.jsonl"})
        add(each_row(dir / file, axolotl));
    add(llama_factory(dir));
    json info;
    std::ifstream(dir / "dataset_info.json") >> info;
    for (const char* name : {"assay_sft", "assay_bugfix", "assay_refactor", "assay_reflexion",
                             "assay_dpo", "assay_kto", "assay_tasks"})
        if (!info.contains(name)) out.push_back(std::string("dataset_info.json lacks ") + name);
    const auto front = card_front_matter(dir / "README.md");
    if (const auto* why = std::get_if<std::string>(&front))
        out.push_back(*why);
    else if (std::get<json>(front)["configs"].size() != 7)
        out.push_back("the card has not one config per file: " + std::get<json>(front).dump());
    return out;
}

} // namespace assay::testing::formats
