#include "export/dataset_card.hpp"

#include "util/string.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace assay::exports {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kStateOpen = "<!-- assay-state: ";
constexpr std::string_view kStateClose = " -->";

json openai_tags() {
    return {{"role_tag", "role"},
            {"content_tag", "content"},
            {"user_tag", "user"},
            {"assistant_tag", "assistant"},
            {"system_tag", "system"}};
}

json sharegpt_tags() {
    return {{"role_tag", "from"},
            {"content_tag", "value"},
            {"user_tag", "human"},
            {"assistant_tag", "gpt"},
            {"system_tag", "system"}};
}

json alpaca(json columns, bool ranking = false) {
    json entry{{"formatting", "alpaca"}, {"columns", std::move(columns)}};
    if (ranking) entry["ranking"] = true;
    return entry;
}

json sharegpt(json columns, json tags, bool ranking = false) {
    json entry{{"formatting", "sharegpt"}, {"columns", std::move(columns)}};
    if (ranking) entry["ranking"] = true;
    entry["tags"] = std::move(tags);
    return entry;
}

// A `messages` column of OpenAI-style {role, content} lists.
json openai_messages() {
    return sharegpt({{"messages", "messages"}}, openai_tags());
}

// The entry without its file_name; null where LLaMA-Factory cannot read the format.
json entry_for(Kind kind, std::string_view format) {
    switch (kind) {
    case Kind::sft:
        if (format == "alpaca")
            return alpaca({{"prompt", "instruction"}, {"query", "input"}, {"response", "output"}});
        if (format == "sharegpt") return sharegpt({{"messages", "conversations"}}, sharegpt_tags());
        if (format == "prompt-completion")
            return alpaca({{"prompt", "prompt"}, {"response", "completion"}});
        return openai_messages();
    case Kind::bugfix:
    case Kind::refactor:
        if (format == "messages") return openai_messages();
        if (format == "prompt-completion")
            return alpaca({{"prompt", "prompt"}, {"response", "completion"}});
        return kind == Kind::bugfix ? alpaca({{"prompt", "prompt"},
                                              {"query", "buggy_code"},
                                              {"response", "fixed_code"}})
                                    : alpaca({{"prompt", "prompt"},
                                              {"query", "original_code"},
                                              {"response", "refactored_code"}});
    case Kind::reflexion:
        return openai_messages();
    case Kind::dpo:
        if (format == "messages") return nullptr;
        if (format == "sharegpt")
            return sharegpt(
                {{"messages", "conversations"}, {"chosen", "chosen"}, {"rejected", "rejected"}},
                sharegpt_tags(), true);
        if (format == "alpaca")
            return alpaca({{"prompt", "instruction"},
                           {"query", "input"},
                           {"chosen", "chosen"},
                           {"rejected", "rejected"}},
                          true);
        return alpaca({{"prompt", "prompt"}, {"chosen", "chosen"}, {"rejected", "rejected"}}, true);
    case Kind::kto:
        if (format == "messages") return nullptr;
        return alpaca({{"prompt", "prompt"}, {"response", "completion"}, {"kto_tag", "label"}});
    case Kind::tasks:
        return alpaca({{"prompt", "prompt"}, {"response", "reference"}});
    }
    return nullptr;
}

// Line (1-based) of byte `offset` in `text`.
std::size_t line_of(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<std::size_t>(std::count(
                   text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// A double-quoted YAML scalar: JSON's escapes (which YAML's double quotes share) and \u escapes
// for every character YAML does not allow unescaped (C0 and C1 controls, DEL, line and paragraph
// separators, the BOM and the non-characters U+FFFE, U+FFFF).
std::string yaml_string(std::string_view raw) {
    const std::string text = util::valid_utf8(raw);
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const std::size_t length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
        char32_t cp = length == 1   ? byte
                      : length == 2 ? byte & 0x1Fu
                      : length == 3 ? byte & 0x0Fu
                                    : byte & 0x07u;
        for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
        if (cp == '"' || cp == '\\') {
            out += '\\';
            out += static_cast<char>(cp);
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
                   cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
        } else {
            out.append(text, i, length);
        }
        i += length;
    }
    return out + "\"";
}

// `text` as a Markdown code span that stays one table cell: a fence longer than any backtick run
// inside, line breaks as spaces, pipes escaped.
std::string code_span(std::string_view raw, std::size_t limit = 120) {
    std::string text = util::clip(util::valid_utf8(raw), limit);
    std::size_t longest = 0;
    std::size_t run = 0;
    std::string body;
    for (const char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
        if (c == '\n' || c == '\r')
            body += ' ';
        else if (c == '|')
            body += "\\|";
        else
            body += c;
    }
    const std::string fence(longest + 1, '`');
    const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
    return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

// The config name of a file: its name without extension, characters outside [A-Za-z0-9_-]
// turned into '_'.
std::string config_name(std::string_view file_name) {
    std::string stem = fs::path(file_name).stem().string();
    for (char& c : stem)
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-') c = '_';
    return stem.empty() ? std::string("data") : stem;
}

std::string_view describe(Kind kind) {
    switch (kind) {
    case Kind::sft:
        return "a problem and a program that passes every one of its tests (references, model "
               "samples, kept refactorings)";
    case Kind::bugfix:
        return "a bug (an AST mutant or a model-written bug) that fails at least one test, with "
               "the failing tests and the fixed program that passes them all";
    case Kind::refactor:
        return "a passing program and its refactoring, which passes every test too and keeps the "
               "entry point's signature";
    case Kind::reflexion:
        return "a Reflexion trace: attempt, test feedback, reflection, new attempt; only the "
               "final passing attempt has weight 1";
    case Kind::dpo:
        return "a preference pair: a passing (chosen) and a failing (rejected) answer to one "
               "prompt";
    case Kind::kto:
        return "one program with label true (passes every test) or false (a killed bug, a "
               "failed sample or a failed Reflexion attempt)";
    case Kind::tasks:
        return "a verifiable task for RL: prompt, entry point, tests as one script and as a "
               "list, the passing reference and the model's measured pass rate";
    }
    return "";
}

std::string_view describe_rule(std::string_view rule) {
    static const std::map<std::string_view, std::string_view> kRules{
        {"exact_solution", "a program equals a benchmark solution, whitespace aside"},
        {"ast_solution", "a program has a benchmark solution's normalised syntax tree (names, "
                         "docstrings, annotations and imports aside)"},
        {"ngram_prompt", "a word 10-gram of the prompt occurs in a benchmark"},
        {"ngram_solution", "a word 10-gram of a program occurs in a benchmark"},
        {"similar_prompt", "the prompt's word 3-gram Jaccard with a benchmark prompt is high "
                           "(a reworded statement)"},
        {"near_duplicate_prompt", "the prompt nearly duplicates a kept problem's (MinHash-LSH, "
                                  "Jaccard of word 3-grams)"},
        {"near_duplicate_solution", "the reference nearly duplicates a kept problem's "
                                    "(MinHash-LSH, Jaccard of code-token 5-grams)"},
    };
    const auto found = kRules.find(rule);
    return found == kRules.end() ? std::string_view("(a rule of a newer assay)") : found->second;
}

json filters_json(const Filters& f) {
    return {{"min_pass_rate", f.min_pass_rate ? json(*f.min_pass_rate) : json(nullptr)},
            {"language", f.language ? json(*f.language) : json(nullptr)},
            {"kind", f.kind ? json(*f.kind) : json(nullptr)}};
}

std::string filters_text(const Filters& f) {
    std::vector<std::string> parts;
    if (f.language) parts.push_back("--language " + *f.language);
    if (f.kind) parts.push_back("--kind " + *f.kind);
    if (f.min_pass_rate) parts.push_back(fmt::format("--min-pass-rate {}", *f.min_pass_rate));
    std::string out;
    for (const std::string& p : parts)
        out += (out.empty() ? "" : " ") + p;
    return out;
}

json state_json(const CardState& state) {
    json files = json::array();
    for (const ExportedFile& f : state.files)
        files.push_back({{"file", f.file_name},
                         {"kind", to_string(f.options.kind)},
                         {"format", format_of(f.options)},
                         {"rows", f.rows},
                         {"filters", filters_json(f.options.filters)},
                         {"with_reasoning", f.options.with_reasoning},
                         {"decontaminate", f.options.decontaminate}});
    return {{"files", std::move(files)}, {"license", state.license}};
}

template <typename T> std::optional<T> optional_field(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return std::nullopt;
    return found->get<T>();
}

void front_matter(std::string& out, const CardState& state) {
    std::set<std::string> tags{"code", "synthetic", "verified", "assay"};
    out += "---\nconfigs:\n";
    std::set<std::string> taken;
    for (const ExportedFile& f : state.files) {
        std::string name = config_name(f.file_name);
        for (int n = 2; !taken.insert(name).second; ++n)
            name = fmt::format("{}_{}", config_name(f.file_name), n);
        out += fmt::format("- config_name: {}\n  data_files:\n  - split: \"train\"\n    path: {}\n",
                           yaml_string(name), yaml_string(f.file_name));
        tags.insert(std::string(to_string(f.options.kind)));
    }
    out += fmt::format("license: {}\ntask_categories:\n- \"text-generation\"\ntags:\n",
                       yaml_string(state.license));
    for (const std::string& tag : tags)
        out += fmt::format("- {}\n", yaml_string(tag));
    out += "---\n";
}

void decontamination(std::string& out, const CardState& state,
                     const std::vector<store::Exclusion>& exclusions) {
    out += "\n## Decontamination\n\n";
    std::map<std::string, std::set<std::string>> by_rule;
    std::set<std::string> problems;
    for (const store::Exclusion& e : exclusions) {
        by_rule[e.rule].insert(e.problem_id);
        problems.insert(e.problem_id);
    }
    out += "Before export, assay's `decontaminate` stage checks every problem's prompt, "
           "reference and stored programs against the benchmarks it was given (by default "
           "HumanEval, MBPP and HumanEval-X) and against each other; a problem that matches a "
           "rule is recorded in the store's `exclusions` table and its rows are left out of "
           "every file exported with decontamination on. Rules, strongest first: exact and "
           "normalised-AST matches of programs, shared word 10-grams of prompts and programs, "
           "similar prompts (word 3-gram Jaccard, default threshold 0.3), then near-duplicates "
           "among the rest (MinHash-LSH, default Jaccard 0.7), one kept per cluster.\n\n";
    if (problems.empty()) {
        out += "No problem in the store matched a rule.\n";
    } else {
        out += fmt::format("{} problem{} left out:\n\n| rule | problems | meaning |\n| --- | "
                           "---: | --- |\n",
                           problems.size(), problems.size() == 1 ? " was" : "s were");
        for (const auto& [rule, ids] : by_rule)
            out +=
                fmt::format("| {} | {} | {} |\n", code_span(rule), ids.size(), describe_rule(rule));
        constexpr std::size_t kShown = 30;
        out += "\n| problem | rule | matched | score |\n| --- | --- | --- | ---: |\n";
        for (std::size_t i = 0; i < exclusions.size() && i < kShown; ++i) {
            const store::Exclusion& e = exclusions[i];
            out += fmt::format("| {} | {} | {} | {:.3f} |\n", code_span(e.problem_id),
                               code_span(e.rule), code_span(e.against), e.score);
        }
        if (exclusions.size() > kShown)
            out += fmt::format("\n… and {} more (`assay stats` counts them all).\n",
                               exclusions.size() - kShown);
    }
    std::vector<std::string> kept;
    for (const ExportedFile& f : state.files)
        if (!f.options.decontaminate) kept.push_back(code_span(f.file_name));
    if (!kept.empty()) {
        out += "\nExported with `--no-decontaminate` (these rows are kept there):";
        for (const std::string& k : kept)
            out += " " + k;
        out += "\n";
    }
}

} // namespace

std::string entry_name(std::string_view file_name) {
    std::string stem = fs::path(file_name).stem().string();
    for (char& c : stem)
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 || (c & 0x80) != 0) c = '_';
    return "assay_" + stem;
}

json llama_factory_entry(const ExportedFile& file) {
    json entry = entry_for(file.options.kind, format_of(file.options));
    if (entry.is_null()) return entry;
    json out{{"file_name", file.file_name}};
    out.update(entry);
    return out;
}

Expected<json> read_dataset_info(const fs::path& path) {
    std::error_code error;
    if (!fs::exists(path, error)) return json::object();
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (!in) return fail_env_at(path.string(), "cannot read it");
    const std::string text = buffer.str();
    json info;
    try {
        info = json::parse(text);
    } catch (const json::parse_error& e) {
        return fail_at(
            fmt::format("{}:{}", path.string(), line_of(text, e.byte > 0 ? e.byte - 1 : 0)),
            "not JSON ({}): fix or remove it, it is LLaMA-Factory's dataset_info.json", e.what());
    }
    if (!info.is_object())
        return fail_at(path.string(), "dataset_info.json must be a JSON object of dataset entries");
    for (const auto& [name, entry] : info.items())
        if (!entry.is_object())
            return fail_at(path.string(), "the entry '{}' is not a JSON object", name);
    return info;
}

json merge_dataset_info(json info, const std::vector<ExportedFile>& files) {
    for (const ExportedFile& f : files) {
        for (auto it = info.begin(); it != info.end();) {
            if (it->is_object() && it->value("file_name", std::string()) == f.file_name)
                it = info.erase(it);
            else
                ++it;
        }
        if (json entry = llama_factory_entry(f); !entry.is_null())
            info[entry_name(f.file_name)] = std::move(entry);
    }
    return info;
}

Expected<void> check_license(std::string_view license) {
    const bool valid =
        !license.empty() && license.size() <= 64 &&
        std::all_of(license.begin(), license.end(), [](char c) {
            return (std::isalnum(static_cast<unsigned char>(c)) != 0 && (c & 0x80) == 0) ||
                   c == '.' || c == '-' || c == '_';
        });
    if (!valid)
        return fail("--license '{}' is not a license id (letters, digits, '.', '-', '_'; e.g. "
                    "apache-2.0, mit, cc-by-4.0, other)",
                    license);
    return {};
}

bool written_by_assay(std::string_view readme) {
    std::size_t at = 0;
    while (at < readme.size()) {
        const std::size_t end = std::min(readme.find('\n', at), readme.size());
        if (readme.substr(at, end - at).starts_with(kAssayMark)) return true;
        at = end + 1;
    }
    return false;
}

std::optional<CardState> read_card_state(std::string_view readme) {
    const std::size_t open = readme.rfind(kStateOpen);
    if (open == std::string_view::npos) return std::nullopt;
    const std::size_t from = open + kStateOpen.size();
    const std::size_t close = readme.find(kStateClose, from);
    if (close == std::string_view::npos) return std::nullopt;
    try {
        const json state = json::parse(readme.substr(from, close - from));
        CardState out;
        out.license = state.at("license").get<std::string>();
        if (!check_license(out.license)) return std::nullopt;
        for (const json& f : state.at("files")) {
            ExportedFile file;
            file.file_name = f.at("file").get<std::string>();
            const auto kind = parse_kind(f.at("kind").get<std::string>());
            if (!kind) return std::nullopt;
            file.options.kind = *kind;
            file.options.format = f.at("format").get<std::string>();
            file.rows = f.at("rows").get<std::size_t>();
            const json& filters = f.at("filters");
            file.options.filters = {optional_field<double>(filters, "min_pass_rate"),
                                    optional_field<std::string>(filters, "language"),
                                    optional_field<std::string>(filters, "kind")};
            file.options.with_reasoning = f.at("with_reasoning").get<bool>();
            file.options.decontaminate = f.at("decontaminate").get<bool>();
            if (!validate(file.options)) return std::nullopt;
            out.files.push_back(std::move(file));
        }
        return out;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

std::string dataset_card(const CardState& state, const std::vector<store::Exclusion>& exclusions) {
    std::string out;
    front_matter(out, state);
    out += kAssayMark;
    out += " `assay run` and `assay export` regenerate this card; delete this line to keep your "
           "edits -->\n\n# Verified code training data\n\n"
           "Made by assay, which synthesises code training data and verifies every program by "
           "running it. Each program was run in assay's jail (fresh user, PID, mount and network "
           "namespaces, no network, a read-only root, cgroup and rlimit limits, a seccomp "
           "allowlist) against its problem's unit tests, each test case judged on its own. A "
           "program passes only when its run ended normally, every test case reported `passed` "
           "and as many cases reported as the problem has; exit codes and printed output are "
           "never trusted. Rows built from failing programs (bugs, rejected and `label: false` "
           "answers) failed at least one test in such a run. Rows repeating a program of the "
           "same problem (same normalised syntax tree) are written once.\n\n## Files\n\n"
           "| config | file | rows | kind | format | LLaMA-Factory `dataset` |\n"
           "| --- | --- | ---: | --- | --- | --- |\n";
    std::set<Kind> kinds;
    std::set<std::string> taken;
    for (const ExportedFile& f : state.files) {
        std::string name = config_name(f.file_name);
        for (int n = 2; !taken.insert(name).second; ++n)
            name = fmt::format("{}_{}", config_name(f.file_name), n);
        const bool loadable = !llama_factory_entry(f).is_null();
        out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", code_span(name),
                           code_span(f.file_name), f.rows, to_string(f.options.kind),
                           format_of(f.options),
                           loadable ? code_span(entry_name(f.file_name))
                                    : std::string("— (TRL's conversational lists)"));
        kinds.insert(f.options.kind);
    }
    out += "\n";
    for (const Kind k : kinds)
        out += fmt::format("- **{}**, each row: {}.\n", to_string(k), describe(k));
    out += "\nEvery row has `problem_id`, `language` and `origin` (`seed`: written by a person; "
           "`llm`: made by the pipeline's model; `sample`: an imported model answer; "
           "`mutation`: made by an AST operator).\n";
    decontamination(out, state, exclusions);
    out += "\n## Loading\n\n"
           "- TRL: `load_dataset(\"json\", data_files=FILE)`; `messages` rows for SFT, "
           "`prompt`/`completion` for SFT, `prompt`/`chosen`/`rejected` for DPO, "
           "`prompt`/`completion`/`label` for KTO, `prompt` (and `tests`) for GRPO-style "
           "training.\n"
           "- LLaMA-Factory: `dataset_dir` this directory (it holds `dataset_info.json`) and "
           "`dataset: NAME` from the table above. It reads no per-message `weight`: train "
           "Reflexion traces with `mask_history: true` and the solved ones only (`assay export "
           "reflexion --kind solved`).\n"
           "- axolotl: `type: chat_template`, `field_messages: messages`, with "
           "`message_field_training: weight` so that only assistant turns of weight 1 are "
           "trained.\n\n## Export options\n\n"
           "| file | kind | format | filters | reasoning | decontaminated |\n"
           "| --- | --- | --- | --- | --- | --- |\n";
    for (const ExportedFile& f : state.files) {
        const std::string filters = filters_text(f.options.filters);
        out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", code_span(f.file_name),
                           to_string(f.options.kind), format_of(f.options),
                           filters.empty() ? std::string("none") : code_span(filters),
                           f.options.with_reasoning ? "yes" : "no",
                           f.options.decontaminate ? "yes" : "no (`--no-decontaminate`)");
    }
    out += fmt::format("\n## License\n\n{}{}\n", code_span(state.license),
                       state.license == "other"
                           ? " (assay's default: set it with `assay export ... --license ID`; "
                             "the license of the problems and of the model's output decides "
                             "what this data may be used for)"
                           : "");
    std::string state_text = state_json(state).dump(-1, ' ', false, json::error_handler_t::replace);
    // Inside an HTML comment: no '>' (so no "-->") in it; JSON reads \u003e as '>'.
    std::string escaped;
    for (const char c : state_text)
        escaped += c == '>' ? std::string("\\u003e") : std::string(1, c);
    out += fmt::format("\n{}{}{}\n", kStateOpen, escaped, kStateClose);
    return out;
}

} // namespace assay::exports
