#include "dataset/problem_files.hpp"

#include "core/language.hpp"
#include "syntax/body_cases.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/split_tests.hpp"
#include "util/file.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <zlib.h>

namespace assay::dataset {

namespace fs = std::filesystem;
using json = nlohmann::json;

Expected<Format> parse_format(std::string_view name) {
    if (name == "assay") return Format::assay;
    if (name == "humaneval") return Format::humaneval;
    if (name == "mbpp") return Format::mbpp;
    if (name == "humaneval-x") return Format::humaneval_x;
    if (name == "multipl-e") return Format::multipl_e;
    return fail("unknown format '{}' (expected humaneval, humaneval-x, multipl-e, mbpp or assay)",
                name);
}

std::string_view to_string(Format format) {
    switch (format) {
    case Format::assay:
        return "assay";
    case Format::humaneval:
        return "humaneval";
    case Format::mbpp:
        return "mbpp";
    case Format::humaneval_x:
        return "humaneval-x";
    case Format::multipl_e:
        return "multipl-e";
    }
    return "unknown";
}

namespace {

struct GzCloser {
    void operator()(gzFile_s* file) const { gzclose(file); }
};

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The JSON records of a .jsonl file with their line numbers, or of a .json array (line 1 for
// each element: a JSON array has no per-record lines worth reporting beyond the index).
struct Record {
    json value;
    std::string where;
};

Expected<std::vector<Record>> read_records(const fs::path& path) {
    const std::string text = ASSAY_TRY(read_text_file(path));
    std::vector<Record> records;
    const std::string name = path.string();
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '[') {
        json array = json::parse(text, nullptr, false);
        if (array.is_discarded() || !array.is_array())
            return fail_at(name, "invalid JSON array (truncated or malformed)");
        std::size_t i = 0;
        for (json& item : array)
            records.push_back({std::move(item), fmt::format("{}: record {}", name, i++)});
        return records;
    }
    std::istringstream lines(text);
    std::string line;
    for (std::size_t number = 1; std::getline(lines, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = fmt::format("{}:{}", name, number);
        json value = json::parse(line, nullptr, false);
        if (value.is_discarded())
            return fail_at(where, "invalid JSON (truncated or malformed line)");
        if (!value.is_object()) return fail_at(where, "expected a JSON object");
        records.push_back({std::move(value), where});
    }
    return records;
}

Expected<std::string> string_field(const Record& record, const char* key) {
    auto it = record.value.find(key);
    if (it == record.value.end()) return fail_at(record.where, "missing field '{}'", key);
    if (it->is_string()) return it->get<std::string>();
    return fail_at(record.where, "field '{}' must be a string", key);
}

// An id: a string, or an integer (MBPP's task_id is a number) written in decimal.
Expected<std::string> id_field(const Record& record, const char* key) {
    auto it = record.value.find(key);
    if (it != record.value.end() && it->is_number_integer())
        return std::to_string(it->get<long long>());
    return string_field(record, key);
}

Expected<std::vector<std::string>> string_list(const Record& record, const char* key,
                                               bool required) {
    auto it = record.value.find(key);
    std::vector<std::string> out;
    if (it == record.value.end() || it->is_null()) {
        if (required) return fail_at(record.where, "missing field '{}'", key);
        return out;
    }
    if (it->is_string()) { // MBPP full: test_setup_code is a string
        if (!it->get<std::string>().empty()) out.push_back(it->get<std::string>());
        return out;
    }
    if (!it->is_array()) return fail_at(record.where, "field '{}' must be a list", key);
    for (const json& item : *it) {
        if (!item.is_string()) return fail_at(record.where, "field '{}' must hold strings", key);
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += separator;
        out += parts[i];
    }
    return out;
}

Expected<Problem> humaneval_problem(const Record& record, const Language& language) {
    Problem p;
    p.id = ASSAY_TRY(id_field(record, "task_id"));
    p.prompt = ASSAY_TRY(string_field(record, "prompt"));
    p.entry_point = ASSAY_TRY(string_field(record, "entry_point"));
    p.solution = p.prompt + ASSAY_TRY(string_field(record, "canonical_solution"));
    p.test_setup = ASSAY_TRY(string_field(record, "test"));
    if (p.test_setup.find("def check(") == std::string::npos)
        return fail_at(record.where, "field 'test' does not define check(candidate)");
    p.language = language.name;
    p.title = p.id;
    p.source = ProblemSource::humaneval;
    p.completion_extends_prompt = true;
    // Each assertion of check() is its own case where the test splits cleanly; otherwise the
    // whole check() is one case, as HumanEval's own harness runs it.
    if (auto split = syntax::split_tests(language.grammar, p.test_setup);
        split && !split->cases.empty()) {
        p.test_setup = split->setup;
        p.tests = split->cases;
    } else {
        p.tests.push_back({"check", "check(candidate)", Visibility::visible});
    }
    return p;
}

// HumanEval-X's language is the task id's prefix ("CPP/0" → cpp, "JavaScript/0" → javascript).
std::string humaneval_x_language(const std::string& task_id) {
    std::string language = task_id.substr(0, task_id.find('/'));
    std::transform(language.begin(), language.end(), language.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return language;
}

// A HumanEval-X record: the program is `declaration + canonical_solution` (a completion continues
// `prompt`); the entry point is the declaration's last function; the set-up is the declaration's
// own lines as declarations (the judge's types) and the test without its main or test function,
// whose assertions are the cases.
Expected<Problem> humaneval_x_problem(const Record& record, const Language& language) {
    Problem p;
    p.id = ASSAY_TRY(id_field(record, "task_id"));
    p.prompt = ASSAY_TRY(string_field(record, "prompt"));
    const std::string declaration = ASSAY_TRY(string_field(record, "declaration"));
    p.solution = declaration + ASSAY_TRY(string_field(record, "canonical_solution"));
    const std::string test = ASSAY_TRY(string_field(record, "test"));
    const auto functions = syntax::top_level_functions(language.grammar, declaration + "\n}");
    if (!functions || functions->empty())
        return fail_at(record.where, "field 'declaration' declares no function");
    p.entry_point = functions->back();
    auto split = syntax::split_tests(language.grammar, test);
    if (!split) return fail_at(record.where, "field 'test': {}", split.error().message);
    const auto declared = syntax::prototypes(language.grammar, declaration);
    if (!declared)
        return fail_at(record.where, "field 'declaration': {}", declared.error().message);
    p.test_setup = declared->empty() ? split->setup : *declared + "\n" + split->setup;
    p.tests = split->cases;
    p.language = language.name;
    p.title = p.id;
    p.source = ProblemSource::humaneval;
    p.completion_extends_prompt = true;
    return p;
}

// MultiPL-E's language codes that are not a descriptor's name; a code that could name a file
// outside languages/ is refused.
Expected<std::string> multipl_e_language(const Record& record) {
    const std::string code = ASSAY_TRY(string_field(record, "language"));
    if (code.empty() || !std::all_of(code.begin(), code.end(), [](char c) {
            return std::islower(static_cast<unsigned char>(c)) != 0 ||
                   std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
        }))
        return fail_at(record.where, "field 'language': '{}' is not a language code", code);
    if (code == "js") return std::string("javascript");
    if (code == "py") return std::string("python");
    return code;
}

// A MultiPL-E record (`name`, `language`, `prompt`, `tests`; `stop_tokens` is the generation's
// business): a program is `prompt + completion + tests`, and `tests` begins by closing the
// prompt's unfinished function (C++'s and JavaScript's `}`), which a completion is followed by
// here. The entry point is the prompt's last function; the set-up is its declarations (the
// judge's types) and the tests without their main or test function, whose assertions are the
// cases, with the `candidate` alias of the entry point inlined. No reference solution.
Expected<Problem> multipl_e_problem(const Record& record, const Language& language) {
    Problem p;
    p.id = ASSAY_TRY(id_field(record, "name"));
    p.prompt = ASSAY_TRY(string_field(record, "prompt"));
    std::string tests = ASSAY_TRY(string_field(record, "tests"));
    const std::size_t first = tests.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && tests[first] == '}') {
        p.completion_suffix = tests.substr(0, first + 1);
        tests.erase(0, first + 1);
    }
    // A prompt that leaves its function open (it ends with `{`) needs tests that close it.
    const std::size_t last = p.prompt.find_last_not_of(" \t\r\n");
    if (p.completion_suffix.empty() && last != std::string::npos && p.prompt[last] == '{') {
        const auto closed = syntax::top_level_functions(language.grammar, p.prompt + "\n}");
        return fail_at(record.where,
                       "field 'tests' must begin with the '}}' that closes the prompt's "
                       "function{}",
                       closed && !closed->empty() ? " `" + closed->back() + "`" : "");
    }
    const auto functions =
        syntax::top_level_functions(language.grammar, p.prompt + p.completion_suffix);
    if (!functions || functions->empty())
        return fail_at(record.where, "field 'prompt' declares no function");
    p.entry_point = functions->back();
    const auto inlined = syntax::inline_alias(language.grammar, tests, "candidate", p.entry_point);
    if (!inlined) return fail_at(record.where, "field 'tests': {}", inlined.error().message);
    auto split = syntax::split_tests(language.grammar, *inlined);
    if (!split) return fail_at(record.where, "field 'tests': {}", split.error().message);
    const auto declared = syntax::prototypes(language.grammar, p.prompt);
    if (!declared) return fail_at(record.where, "field 'prompt': {}", declared.error().message);
    p.test_setup = declared->empty() ? split->setup : *declared + "\n" + split->setup;
    p.tests = split->cases;
    p.language = language.name;
    p.title = p.id;
    p.source = p.id.starts_with("mbpp") ? ProblemSource::mbpp : ProblemSource::humaneval;
    p.completion_extends_prompt = true;
    return p;
}

// MBPP names its function only in the tests: the first top-level function the tests call.
std::string mbpp_entry_point(const std::string& code, const std::vector<std::string>& tests,
                             const Language& language) {
    const auto functions = syntax::top_level_functions(language.grammar, code);
    if (!functions) return {};
    for (const std::string& name : *functions) {
        const std::regex call("\\b" + name + "\\s*\\(");
        for (const std::string& test : tests)
            if (std::regex_search(test, call)) return name;
    }
    return {};
}

Expected<Problem> mbpp_problem(const Record& record, const Language& language) {
    Problem p;
    p.id = "Mbpp/" + ASSAY_TRY(id_field(record, "task_id"));
    if (record.value.contains("prompt"))
        p.prompt = ASSAY_TRY(string_field(record, "prompt"));
    else
        p.prompt = ASSAY_TRY(string_field(record, "text"));
    p.solution = ASSAY_TRY(string_field(record, "code"));
    const auto tests = ASSAY_TRY(string_list(record, "test_list", true));
    if (tests.empty()) return fail_at(record.where, "field 'test_list' is empty");
    auto setup = ASSAY_TRY(string_list(record, "test_imports", false));
    for (std::string& s : ASSAY_TRY(string_list(record, "test_setup_code", false)))
        setup.push_back(std::move(s));
    p.test_setup = join(setup, "\n");
    const auto challenge = ASSAY_TRY(string_list(record, "challenge_test_list", false));
    for (std::size_t i = 0; i < tests.size(); ++i)
        p.tests.push_back({fmt::format("test_{}", i), tests[i], Visibility::visible});
    for (std::size_t i = 0; i < challenge.size(); ++i)
        p.tests.push_back({fmt::format("challenge_{}", i), challenge[i], Visibility::hidden});
    p.entry_point = mbpp_entry_point(p.solution, tests, language);
    p.language = language.name;
    p.title = p.id;
    p.source = ProblemSource::mbpp;
    return p;
}

std::string toml_where(const std::string& file, const toml::node& node) {
    return fmt::format("{}:{}", file, node.source().begin.line);
}

Expected<std::string> toml_string(const toml::table& table, std::string_view key,
                                  const std::string& file, bool required) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
        if (required) return fail_at(file + ":1", "missing key '{}'", key);
        return std::string();
    }
    if (const auto* text = node->as_string()) return text->get();
    return fail_at(toml_where(file, *node), "'{}' must be a string", key);
}

Expected<std::vector<std::string>> toml_strings(const toml::table& table, std::string_view key,
                                                const std::string& file, bool required) {
    const toml::node* node = table.get(key);
    std::vector<std::string> out;
    if (node == nullptr) {
        if (required) return fail_at(file + ":1", "missing key '{}'", key);
        return out;
    }
    const auto* array = node->as_array();
    if (array == nullptr) return fail_at(toml_where(file, *node), "'{}' must be an array", key);
    for (const toml::node& item : *array) {
        const auto* text = item.as_string();
        if (text == nullptr) return fail_at(toml_where(file, item), "'{}' must hold strings", key);
        out.push_back(text->get());
    }
    return out;
}

Expected<std::vector<Problem>> load_native(const fs::path& path) {
    std::vector<fs::path> files;
    std::error_code error;
    if (fs::is_directory(path, error)) {
        for (const auto& entry : fs::recursive_directory_iterator(path, error))
            if (entry.path().extension() == ".toml") files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        if (files.empty())
            return fail_at(path.string(), "no .toml problem files in this directory");
    } else {
        files.push_back(path);
    }
    std::vector<Problem> problems;
    for (const fs::path& file : files) {
        const std::string text = ASSAY_TRY(read_text_file(file));
        problems.push_back(ASSAY_TRY(parse_problem_toml(text, file.string())));
    }
    return problems;
}

} // namespace

Expected<std::string> read_text_file(const fs::path& path) {
    if (!ends_with(path.string(), ".gz")) return util::read_file(path.string());
    // gzopen would wait on a FIFO and read a directory as empty: the same refusals as
    // util::read_file first.
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (!fs::exists(status)) return fail_at(path.string(), "no such file");
    if (!fs::is_regular_file(status))
        return fail_at(path.string(), "{}",
                       fs::is_directory(status) ? "is a directory" : "not a regular file");
    std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
    if (!file) return fail_at(path.string(), "cannot open: {}", std::strerror(errno));
    std::string out;
    char buffer[65536];
    int n = 0;
    while ((n = gzread(file.get(), buffer, sizeof buffer)) > 0)
        out.append(buffer, static_cast<std::size_t>(n));
    int code = Z_OK;
    const char* message = gzerror(file.get(), &code);
    if (n < 0 || (code != Z_OK && code != Z_STREAM_END))
        return fail_at(path.string(), "corrupt gzip data: {}", message);
    return out;
}

Expected<Format> detect_format(const fs::path& path) {
    std::error_code error;
    if (fs::is_directory(path, error) || path.extension() == ".toml") return Format::assay;
    auto records = ASSAY_TRY(read_records(path));
    if (records.empty()) return fail_at(path.string(), "no records");
    if (records.front().value.contains("declaration")) return Format::humaneval_x;
    if (records.front().value.contains("stop_tokens") ||
        (records.front().value.contains("name") && records.front().value.contains("tests")))
        return Format::multipl_e;
    if (records.front().value.contains("canonical_solution")) return Format::humaneval;
    if (records.front().value.contains("test_list")) return Format::mbpp;
    return fail_at(records.front().where, "cannot tell the format; pass --format");
}

Expected<void> declare_for_judge(Problem& problem, const std::string& declaration) {
    const std::string& source = declaration.empty() ? problem.solution : declaration;
    const std::string declared = ASSAY_TRY(syntax::prototypes(problem.language, source));
    if (!declared.empty()) problem.test_setup = declared + "\n" + problem.test_setup;
    return {};
}

Expected<Problem> parse_problem_toml(std::string_view text, const std::string& file) {
    toml::table table;
    try {
        table = toml::parse(text, file);
    } catch (const toml::parse_error& error) {
        return fail_at(fmt::format("{}:{}", file, error.source().begin.line), "{}",
                       error.description());
    }
    Problem p;
    p.id = ASSAY_TRY(toml_string(table, "id", file, true));
    p.language = ASSAY_TRY(toml_string(table, "language", file, true));
    p.title = ASSAY_TRY(toml_string(table, "title", file, true));
    p.entry_point = ASSAY_TRY(toml_string(table, "entry_point", file, true));
    p.prompt = ASSAY_TRY(toml_string(table, "prompt", file, true));
    p.solution = ASSAY_TRY(toml_string(table, "solution", file, true));
    p.test_setup = ASSAY_TRY(toml_string(table, "test_setup", file, false));
    const std::string declaration = ASSAY_TRY(toml_string(table, "declaration", file, false));
    ASSAY_TRY(declare_for_judge(p, declaration));
    p.difficulty = ASSAY_TRY(toml_string(table, "difficulty", file, false));
    p.topics = ASSAY_TRY(toml_strings(table, "topics", file, false));
    const auto visible = ASSAY_TRY(toml_strings(table, "visible", file, true));
    const auto hidden = ASSAY_TRY(toml_strings(table, "hidden", file, false));
    static const std::set<std::string> difficulties{"", "easy", "medium", "hard"};
    if (!difficulties.contains(p.difficulty))
        return fail_at(toml_where(file, *table.get("difficulty")),
                       "difficulty must be easy, medium or hard");
    if (visible.empty())
        return fail_at(toml_where(file, *table.get("visible")), "no visible tests");
    for (std::size_t i = 0; i < visible.size(); ++i)
        p.tests.push_back({fmt::format("visible_{}", i), visible[i], Visibility::visible});
    for (std::size_t i = 0; i < hidden.size(); ++i)
        p.tests.push_back({fmt::format("hidden_{}", i), hidden[i], Visibility::hidden});
    p.source = ProblemSource::bank;
    p.origin_file = file;
    return p;
}

Expected<std::vector<Problem>> load_problems(const fs::path& path, Format format,
                                             const fs::path& root) {
    std::vector<Problem> problems;
    if (format == Format::assay) {
        problems = ASSAY_TRY(load_native(path));
    } else if (format == Format::humaneval_x || format == Format::multipl_e) {
        // Each record names its language: HumanEval-X by its task id, MultiPL-E by a field.
        const bool x = format == Format::humaneval_x;
        std::map<std::string, Language> languages;
        for (const Record& record : ASSAY_TRY(read_records(path))) {
            const std::string name =
                x ? humaneval_x_language(ASSAY_TRY(id_field(record, "task_id")))
                  : ASSAY_TRY(multipl_e_language(record));
            if (!languages.contains(name)) {
                auto language = load_language(name, root);
                if (!language)
                    return fail_at(record.where, "{} names the language '{}': {}",
                                   x ? "task id" : "field 'language'", name,
                                   language.error().message);
                languages.emplace(name, std::move(*language));
            }
            Problem p = x ? ASSAY_TRY(humaneval_x_problem(record, languages.at(name)))
                          : ASSAY_TRY(multipl_e_problem(record, languages.at(name)));
            p.origin_file = record.where;
            problems.push_back(std::move(p));
        }
    } else {
        // A benchmark format holds one language: the descriptor that lists it says which.
        const Language language = ASSAY_TRY(language_for_format(to_string(format), root));
        for (const Record& record : ASSAY_TRY(read_records(path))) {
            Problem p = format == Format::humaneval ? ASSAY_TRY(humaneval_problem(record, language))
                                                    : ASSAY_TRY(mbpp_problem(record, language));
            p.origin_file = record.where;
            problems.push_back(std::move(p));
        }
    }
    std::set<std::string> seen;
    for (const Problem& p : problems) {
        if (!seen.insert(p.id).second)
            return fail_at(p.origin_file, "duplicate problem id '{}'", p.id);
        if (p.entry_point.empty())
            return fail_at(p.origin_file, "problem '{}' has no entry point", p.id);
    }
    if (problems.empty()) return fail_at(path.string(), "no problems");
    return problems;
}

Expected<std::vector<Problem>> load_benchmark(const fs::path& path, const fs::path& root) {
    std::error_code error;
    if (!fs::is_directory(path, error) && path.extension() != ".toml") {
        auto records = ASSAY_TRY(read_records(path));
        if (!records.empty() && records.front().value.contains("declaration")) {
            std::vector<Problem> problems;
            for (const Record& record : records) {
                Problem p;
                p.id = ASSAY_TRY(id_field(record, "task_id"));
                p.language = humaneval_x_language(p.id);
                p.title = p.id;
                p.prompt = ASSAY_TRY(string_field(record, "prompt"));
                p.solution = ASSAY_TRY(string_field(record, "declaration")) +
                             ASSAY_TRY(string_field(record, "canonical_solution"));
                p.test_setup = ASSAY_TRY(string_field(record, "test"));
                p.source = ProblemSource::humaneval;
                p.origin_file = record.where;
                problems.push_back(std::move(p));
            }
            if (problems.empty()) return fail_at(path.string(), "no problems");
            return problems;
        }
    }
    return load_problems(path, ASSAY_TRY(detect_format(path)), root);
}

Expected<std::vector<Sample>> load_samples(const fs::path& path,
                                           const std::vector<Problem>& problems) {
    std::map<std::string, const Problem*> by_id;
    for (const Problem& p : problems)
        by_id[p.id] = &p;
    std::vector<Sample> samples;
    for (const Record& record : ASSAY_TRY(read_records(path))) {
        Sample s;
        s.index = samples.size();
        s.where = record.where;
        s.task_id = ASSAY_TRY(id_field(record, "task_id"));
        auto it = by_id.find(s.task_id);
        if (it == by_id.end() && s.task_id.find('/') == std::string::npos)
            it = by_id.find("Mbpp/" + s.task_id); // MBPP samples often carry the bare number
        if (it == by_id.end()) return fail_at(record.where, "unknown task_id '{}'", s.task_id);
        s.task_id = it->first;
        if (record.value.contains("solution")) {
            s.program = ASSAY_TRY(string_field(record, "solution"));
        } else if (record.value.contains("completion")) {
            const std::string completion = ASSAY_TRY(string_field(record, "completion"));
            const Problem& p = *it->second;
            s.program = p.completion_extends_prompt ? p.prompt + completion + p.completion_suffix
                                                    : completion;
        } else {
            return fail_at(record.where, "missing field 'completion' (or 'solution')");
        }
        samples.push_back(std::move(s));
    }
    if (samples.empty()) return fail_at(path.string(), "no samples");
    return samples;
}

std::vector<Sample> canonical_samples(const std::vector<Problem>& problems) {
    std::vector<Sample> samples;
    samples.reserve(problems.size());
    for (const Problem& p : problems)
        samples.push_back({samples.size(), p.id, p.solution, p.origin_file});
    return samples;
}

} // namespace assay::dataset
