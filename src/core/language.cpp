#include "core/language.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fmt/ranges.h>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <sys/stat.h>
#include <toml++/toml.h>

namespace assay {

namespace fs = std::filesystem;

fs::path project_root() {
    if (const char* home = std::getenv("ASSAY_HOME"); home != nullptr && *home != '\0')
        return fs::path(home);
    return fs::path(ASSAY_SOURCE_DIR);
}

fs::path native_root() {
    if (const char* dir = std::getenv("ASSAY_NATIVE_DIR"); dir != nullptr && *dir != '\0')
        return fs::path(dir);
    return fs::path(ASSAY_NATIVE_DIR);
}

namespace {

std::string where(const fs::path& file, const toml::source_region& region) {
    return fmt::format("{}:{}", file.string(), region.begin.line);
}

Expected<std::string> string_key(const toml::table& table, std::string_view key,
                                 const fs::path& file, bool required) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
        if (required) return fail_at(file.string(), "missing key '{}'", key);
        return std::string();
    }
    const auto* text = node->as_string();
    if (text == nullptr) return fail_at(where(file, node->source()), "'{}' must be a string", key);
    return text->get();
}

Expected<std::vector<std::string>> string_array(const toml::table& table, std::string_view key,
                                                const fs::path& file, bool required) {
    const toml::node* node = table.get(key);
    std::vector<std::string> out;
    if (node == nullptr) {
        if (required) return fail_at(file.string(), "missing key '{}'", key);
        return out;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) return fail_at(where(file, node->source()), "'{}' must be an array", key);
    for (const toml::node& item : *array) {
        const auto* text = item.as_string();
        if (text == nullptr)
            return fail_at(where(file, item.source()), "'{}' must hold strings", key);
        out.push_back(text->get());
    }
    return out;
}

// The sub-table `key` ([jail], [limits]), or nullptr when there is none.
Expected<const toml::table*> sub_table(const toml::table& table, std::string_view key,
                                       const fs::path& file) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return nullptr;
    if (const toml::table* sub = node->as_table()) return sub;
    return fail_at(where(file, node->source()), "'{}' must be a table", key);
}

template <typename T>
Expected<void> read_limit(const toml::table* limits, std::string_view key, T& out,
                          const fs::path& file) {
    if (limits == nullptr) return {};
    const toml::node* node = limits->get(key);
    if (node == nullptr) return {};
    auto value = node->value<std::int64_t>();
    if (!value || *value <= 0)
        return fail_at(where(file, node->source()), "limit '{}' must be a positive integer", key);
    out = static_cast<T>(*value);
    return {};
}

Expected<void> read_limits(const toml::table* limits, sandbox::Limits& l, const fs::path& file) {
    ASSAY_TRY(read_limit(limits, "wall_ms", l.wall_ms, file));
    ASSAY_TRY(read_limit(limits, "cpu_ms", l.cpu_ms, file));
    ASSAY_TRY(read_limit(limits, "memory_mb", l.memory_mb, file));
    ASSAY_TRY(read_limit(limits, "pids", l.pids, file));
    ASSAY_TRY(read_limit(limits, "output_bytes", l.output_bytes, file));
    ASSAY_TRY(read_limit(limits, "fsize_mb", l.fsize_mb, file));
    ASSAY_TRY(read_limit(limits, "tmpfs_mb", l.tmpfs_mb, file));
    ASSAY_TRY(read_limit(limits, "tmpfs_inodes", l.tmpfs_inodes, file));
    ASSAY_TRY(read_limit(limits, "nofile", l.nofile, file));
    return {};
}

// The native directory's files a descriptor names (`support_object`, `support_flags`,
// `send_output`, `instances_archive` and its `instances_header`), after `native`, `compile`,
// `harness`, `precompile` and `use_object` are read.
Expected<void> read_native_files(const toml::table& table, const fs::path& file, Language& lang) {
    lang.support_object = ASSAY_TRY(string_key(table, "support_object", file, false));
    lang.support_flags = ASSAY_TRY(string_array(table, "support_flags", file, false));
    lang.send_output = ASSAY_TRY(string_key(table, "send_output", file, false));
    lang.instances_header = ASSAY_TRY(string_key(table, "instances_header", file, false));
    lang.instances_archive = ASSAY_TRY(string_key(table, "instances_archive", file, false));
    for (const auto& [key, file_name] :
         {std::pair<const char*, const std::string&>{"support_object", lang.support_object},
          {"send_output", lang.send_output},
          {"instances_archive", lang.instances_archive}}) {
        if (file_name.empty()) continue;
        const auto at = where(file, table.get(key)->source());
        if (lang.native_dir.empty()) return fail_at(at, "'{}' needs 'native'", key);
        if (lang.compile.empty()) return fail_at(at, "'{}' needs 'compile'", key);
        if (file_name.find('/') != std::string::npos || file_name == "." || file_name == "..")
            return fail_at(at, "'{}' must be a file name in the native directory", key);
    }
    if (lang.support_object.empty() && !lang.support_flags.empty()) {
        return fail_at(where(file, table.get("support_flags")->source()),
                       "'support_flags' needs 'support_object'");
    }
    if (lang.instances_header.empty() != lang.instances_archive.empty()) {
        const char* given =
            lang.instances_header.empty() ? "instances_archive" : "instances_header";
        return fail_at(where(file, table.get(given)->source()), "'{}' needs '{}'", given,
                       lang.instances_header.empty() ? "instances_header" : "instances_archive");
    }
    if (!lang.instances_header.empty()) {
        const auto at = where(file, table.get("instances_header")->source());
        if (lang.harness_dir.empty()) return fail_at(at, "'instances_header' needs 'harness'");
        if (lang.precompile.empty()) return fail_at(at, "'instances_header' needs 'precompile'");
        if (lang.use_object.empty())
            return fail_at(where(file, table.get("instances_archive")->source()),
                           "'instances_archive' needs 'use_object'");
        if (lang.instances_header.find('/') != std::string::npos || lang.instances_header == "." ||
            lang.instances_header == "..")
            return fail_at(at, "'instances_header' must be a file name in the harness directory");
    }
    return {};
}

} // namespace

Expected<Language> load_language(const std::string& name, const fs::path& root) {
    const fs::path file = root / "languages" / (name + ".toml");
    if (!fs::exists(file)) return fail_at(file.string(), "no such language descriptor");
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        return fail_at(where(file, error.source()), "{}", error.description());
    }
    Language lang;
    lang.name = ASSAY_TRY(string_key(table, "name", file, false));
    if (lang.name.empty()) lang.name = name;
    lang.title = ASSAY_TRY(string_key(table, "title", file, false));
    if (lang.title.empty()) lang.title = lang.name;
    lang.source_file = ASSAY_TRY(string_key(table, "source_file", file, true));
    if (lang.source_file.empty()) return fail_at(file.string(), "missing key 'source_file'");
    lang.grammar = ASSAY_TRY(string_key(table, "grammar", file, false));
    lang.extensions = ASSAY_TRY(string_array(table, "extensions", file, false));
    lang.run = ASSAY_TRY(string_array(table, "run", file, true));
    lang.zygote = ASSAY_TRY(string_array(table, "zygote", file, false));
    if (const auto harness = ASSAY_TRY(string_key(table, "harness", file, false)); !harness.empty())
        lang.harness_dir = root / harness;
    if (const auto native = ASSAY_TRY(string_key(table, "native", file, false)); !native.empty())
        lang.native_dir = native_root() / native;
    lang.fence_tags = ASSAY_TRY(string_array(table, "fence_tags", file, false));
    lang.code_starts = ASSAY_TRY(string_array(table, "code_starts", file, false));
    lang.problem_formats = ASSAY_TRY(string_array(table, "problem_formats", file, false));
    if (const toml::table* jail = ASSAY_TRY(sub_table(table, "jail", file))) {
        lang.binds = ASSAY_TRY(string_array(*jail, "binds", file, false));
        lang.env = ASSAY_TRY(string_array(*jail, "env", file, false));
        if (const toml::node* randomize = jail->get("randomize_addresses")) {
            const auto* value = randomize->as_boolean();
            if (value == nullptr)
                return fail_at(where(file, randomize->source()),
                               "'randomize_addresses' must be true or false");
            lang.randomize_addresses = value->get();
        }
    }
    const toml::table* limits = ASSAY_TRY(sub_table(table, "limits", file));
    ASSAY_TRY(read_limits(limits, lang.limits, file));
    lang.compile = ASSAY_TRY(string_array(table, "compile", file, false));
    lang.compile_env = ASSAY_TRY(string_array(table, "compile_env", file, false));
    lang.compile_limits = lang.limits;
    const toml::table* compile_limits = ASSAY_TRY(sub_table(table, "compile_limits", file));
    ASSAY_TRY(read_limits(compile_limits, lang.compile_limits, file));
    lang.precompile = ASSAY_TRY(string_array(table, "precompile", file, false));
    lang.use_precompiled = ASSAY_TRY(string_array(table, "use_precompiled", file, false));
    lang.compile_object = ASSAY_TRY(string_array(table, "compile_object", file, false));
    lang.use_object = ASSAY_TRY(string_array(table, "use_object", file, false));
    if (lang.compile_object.empty() != lang.use_object.empty()) {
        const char* given = lang.compile_object.empty() ? "use_object" : "compile_object";
        return fail_at(where(file, table.get(given)->source()), "'{}' needs '{}' too", given,
                       lang.compile_object.empty() ? "compile_object" : "use_object");
    }
    if (!lang.compile_object.empty() && lang.compile.empty())
        return fail_at(where(file, table.get("compile_object")->source()),
                       "'compile_object' needs 'compile'");
    ASSAY_TRY(read_native_files(table, file, lang));
    if (const toml::node* gate = table.get("syntax_gate")) {
        const auto* value = gate->as_boolean();
        if (value == nullptr)
            return fail_at(where(file, gate->source()), "'syntax_gate' must be true or false");
        lang.syntax_gate = value->get();
    }
    lang.header_line = ASSAY_TRY(string_key(table, "header_line", file, false));
    lang.order_free_header = ASSAY_TRY(string_array(table, "order_free_header", file, false));
    try {
        (void)std::regex(lang.header_line, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
        return fail_at(where(file, table.get("header_line")->source()),
                       "'header_line' is not a regular expression: {}", error.what());
    }
    if (const toml::table* programs = ASSAY_TRY(sub_table(table, "programs", file))) {
        ProgramTemplates& t = lang.programs;
        for (auto [key, out] : {std::pair{"runner", &t.runner},
                                {"judge", &t.judge},
                                {"emit", &t.emit},
                                {"take", &t.take},
                                {"check", &t.check},
                                {"compare", &t.compare},
                                {"runner_case", &t.runner_case},
                                {"whole_case", &t.whole_case},
                                {"judge_case", &t.judge_case}})
            *out = ASSAY_TRY(string_key(*programs, key, file, true));
    }
    return lang;
}

namespace {

bool holds(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// Two descriptors that claim the same extension or format would make the choice arbitrary.
Expected<void> check_unclaimed(const std::vector<Language>& earlier, const Language& lang,
                               const fs::path& file) {
    for (const Language& other : earlier) {
        for (const std::string& extension : lang.extensions)
            if (holds(other.extensions, extension))
                return fail_at(file.string(), "extension '{}' is claimed by '{}' too", extension,
                               other.name);
        for (const std::string& format : lang.problem_formats)
            if (holds(other.problem_formats, format))
                return fail_at(file.string(), "problem format '{}' is claimed by '{}' too", format,
                               other.name);
    }
    return {};
}

template <typename Match>
Expected<std::optional<Language>> find_language(const fs::path& root, Match&& match) {
    for (Language& lang : ASSAY_TRY(load_languages(root)))
        if (match(lang)) return std::optional<Language>(std::move(lang));
    return std::optional<Language>();
}

} // namespace

Expected<std::vector<Language>> load_languages(const fs::path& root) {
    const fs::path dir = root / "languages";
    std::error_code error;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, error))
        if (entry.path().extension() == ".toml") files.push_back(entry.path());
    if (error) return fail_env_at(dir.string(), "cannot list: {}", error.message());
    std::sort(files.begin(), files.end());
    std::vector<Language> languages;
    for (const fs::path& file : files) {
        Language lang = ASSAY_TRY(load_language(file.stem().string(), root));
        ASSAY_TRY(check_unclaimed(languages, lang, file));
        languages.push_back(std::move(lang));
    }
    return languages;
}

Expected<Language> language_for_file(const fs::path& file, const fs::path& root) {
    const std::string extension = file.extension().string();
    auto found = ASSAY_TRY(find_language(root, [&](const Language& l) {
        return !extension.empty() && holds(l.extensions, extension);
    }));
    if (found) return std::move(*found);
    std::vector<std::string> known;
    for (const Language& lang : ASSAY_TRY(load_languages(root)))
        for (const std::string& e : lang.extensions)
            known.push_back(fmt::format("{} ({})", e, lang.name));
    const std::string what =
        extension.empty()
            ? std::string("the file has no extension to tell its language by")
            : fmt::format("no language descriptor claims the extension '{}'", extension);
    return fail_at(file.string(), "{} (known: {}); name one with --lang", what,
                   known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", ")));
}

Expected<Language> language_for_format(std::string_view format, const fs::path& root) {
    auto found = ASSAY_TRY(
        find_language(root, [&](const Language& l) { return holds(l.problem_formats, format); }));
    if (found) return std::move(*found);
    return fail_at((root / "languages").string(),
                   "no language descriptor lists the problem format '{}' in problem_formats",
                   format);
}

Expected<Language> language_for_grammar(std::string_view grammar, const fs::path& root) {
    auto found =
        ASSAY_TRY(find_language(root, [&](const Language& l) { return l.grammar == grammar; }));
    if (found) return std::move(*found);
    return fail_at((root / "languages").string(), "no language descriptor has the grammar '{}'",
                   grammar);
}

namespace {

// Whether a process with none of the owner's or group's rights can reach `dir` and read it:
// the jail makes its mounts with the jail's own file ids.
bool reachable_by_others(const fs::path& dir) {
    for (fs::path p = fs::absolute(dir);; p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
        if (p == p.parent_path()) return true;
    }
}

// A world-readable copy of `dir` in a fresh temporary directory, removed when the process ends.
class StagedCopy {
  public:
    explicit StagedCopy(const fs::path& dir) {
        std::string pattern = (fs::temp_directory_path() / "assay-harness-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) return;
        root_ = pattern;
        std::error_code error;
        fs::copy(dir, root_, fs::copy_options::recursive, error);
        // Directories and programs (the fork servers, the compile jail's first process) stay
        // executable; everything else is readable.
        for (auto it = fs::recursive_directory_iterator(root_, error);
             !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
            const bool executable =
                it->is_directory() || (fs::status(it->path(), error).permissions() &
                                       fs::perms::owner_exec) != fs::perms::none;
            fs::permissions(it->path(), executable ? fs::perms(0755) : fs::perms(0644), error);
        }
        fs::permissions(root_, fs::perms(0755), error);
        if (error) root_.clear();
    }
    StagedCopy(const StagedCopy&) = delete;
    StagedCopy& operator=(const StagedCopy&) = delete;
    ~StagedCopy() {
        std::error_code ignored;
        if (!root_.empty()) fs::remove_all(root_, ignored);
    }
    [[nodiscard]] const fs::path& path() const { return root_; }

  private:
    fs::path root_;
};

// The harness directory the jail can bind: itself, or (for a checkout under a private
// directory, such as a 0700 home) a staged world-readable copy.
fs::path bindable_harness(const fs::path& dir) {
    if (reachable_by_others(dir)) return dir;
    static std::mutex mutex;
    static std::map<fs::path, std::unique_ptr<StagedCopy>> copies;
    std::lock_guard lock(mutex);
    auto& copy = copies[dir];
    if (!copy) copy = std::make_unique<StagedCopy>(dir);
    return copy->path().empty() ? dir : copy->path();
}

} // namespace

sandbox::SpawnSpec Language::spawn_spec(std::vector<std::string> argv) const {
    sandbox::SpawnSpec spec;
    spec.argv = std::move(argv);
    spec.env = env;
    for (const std::string& path : binds)
        if (fs::exists(path)) spec.binds.push_back({path, path, false});
    if (!harness_dir.empty() && fs::exists(harness_dir))
        spec.binds.push_back({bindable_harness(harness_dir).string(), "/assay", false});
    // Bound even when missing: the jail then fails to start and says which directory (a build
    // without the harness's compiled modules cannot run its fast path).
    if (!native_dir.empty())
        spec.binds.push_back(
            {fs::exists(native_dir) ? bindable_harness(native_dir).string() : native_dir.string(),
             "/assay-native", false});
    spec.limits = limits;
    spec.randomize_addresses = randomize_addresses;
    return spec;
}

namespace {
std::vector<std::string> in_work(std::vector<std::string> argv, const std::string& file) {
    for (std::string& arg : argv) {
        if (arg == "{file}") arg = file;
        if (arg == "{out}") arg = "/work/program";
    }
    return argv;
}
} // namespace

std::vector<std::string> Language::run_argv() const {
    return in_work(run, "/work/" + source_file);
}

// The compiler runs in /work and names the file as given: its messages say "main.cpp:4:12".
std::vector<std::string> Language::compile_argv() const {
    return in_work(compile, source_file);
}

} // namespace assay
