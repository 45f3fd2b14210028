// ProgramExecutor's compiles (program_executor.hpp): precompiled headers, judges once per
// source, and the runner as one unit or linked from the program and its cases' object.
#include "pipeline/program_executor.hpp"
#include "sandbox/harness_wire.hpp" // not_run
#include "syntax/entry_point.hpp"
#include "util/hash.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <regex>
#include <sys/stat.h>
#include <unistd.h>

namespace assay::pipeline {

namespace fs = std::filesystem;
using sandbox::HarnessJob;
using sandbox::JobResult;

namespace {

constexpr const char* kPrecompiledDir = "/assay-pch";
constexpr const char* kNativeDir = "/assay-native"; // Language::native_dir in the jail

// The program's leading lines that `line` matches, and the program with those lines left blank
// (so every other line keeps its number). Blank lines and comments before and between them stay
// in the program; the first other line ends the header. A `//` comment that continues onto the
// next line (a trailing backslash) ends it too.
struct HeaderSplit {
    std::string header;
    std::string rest;
};

HeaderSplit split_header(const std::string& source, const std::regex& line) {
    HeaderSplit out;
    bool in_comment = false;
    std::size_t at = 0;
    while (at < source.size()) {
        const std::size_t eol = source.find('\n', at);
        const std::size_t next = eol == std::string::npos ? source.size() : eol + 1;
        const std::string text =
            source.substr(at, (eol == std::string::npos ? source.size() : eol) - at);
        const std::string_view bare = util::trim(text);
        bool header_line = false;
        if (in_comment) {
            const std::size_t close = bare.find("*/");
            if (close != std::string_view::npos) {
                if (!util::trim(bare.substr(close + 2)).empty()) break;
                in_comment = false;
            }
        } else if (bare.empty()) {
        } else if (bare.starts_with("//")) {
            if (bare.back() == '\\') break;
        } else if (bare.starts_with("/*")) {
            const std::size_t close = bare.find("*/", 2);
            if (close == std::string_view::npos)
                in_comment = true;
            else if (!util::trim(bare.substr(close + 2)).empty())
                break;
        } else if (std::regex_match(text, line)) {
            header_line = true;
        } else {
            break;
        }
        if (header_line) {
            out.header += text + "\n";
            out.rest += eol == std::string::npos ? "" : "\n";
        } else {
            out.rest += source.substr(at, next - at);
        }
        at = next;
    }
    out.rest += source.substr(at);
    return out;
}

std::string without_spaces(std::string_view text) {
    std::string out;
    for (const char ch : text)
        if (std::isspace(static_cast<unsigned char>(ch)) == 0) out += ch;
    return out;
}

// The header's text to precompile: when every line of `header` is one of `order_free` (ignoring
// whitespace), those lines once each in `order_free`'s order, else `header` itself.
std::string canonical_header(const std::string& header,
                             const std::vector<std::string>& order_free) {
    if (order_free.empty()) return header;
    std::vector<bool> present(order_free.size(), false);
    std::string_view rest = header;
    while (!rest.empty()) {
        const std::size_t eol = rest.find('\n');
        const std::string key = without_spaces(rest.substr(0, eol));
        rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
        if (key.empty()) continue;
        bool known = false;
        for (std::size_t k = 0; k < order_free.size(); ++k)
            if (without_spaces(order_free[k]) == key) present[k] = known = true;
        if (!known) return header;
    }
    std::string out;
    for (std::size_t k = 0; k < order_free.size(); ++k)
        if (present[k]) out += order_free[k] + "\n";
    return out;
}

std::vector<std::string>
substituted(std::vector<std::string> argv,
            const std::vector<std::pair<std::string, std::string>>& values) {
    for (std::string& arg : argv)
        arg = fill(arg, values);
    return argv;
}

std::string as_line(std::string text) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text;
}

// What decides a job's cases' unit apart from the program: its entry point, set-up and cases.
std::string problem_key(const HarnessJob& job) {
    std::string text = job.entry_point;
    text += '\0';
    text += job.setup;
    for (const auto& c : job.cases) {
        text += '\0';
        text += c.name;
        text += '\0';
        text += c.code;
    }
    return util::content_hash(text);
}

// `line` without the object file a linker error names first: g++ compiles main.cpp to a
// temporary object with a random name (/tmp/ccXXXXXX.o), which would make the message, and so
// every row that carries it, differ from run to run.
std::string without_temporary_object(std::string_view line) {
    static const std::regex temporary(R"(^/tmp/cc[A-Za-z0-9]+\.o:)");
    return std::regex_replace(std::string(line), temporary, "",
                              std::regex_constants::format_first_only);
}

// The compiler's first error line, or why the compile did not finish.
std::string compile_error(const sandbox::RunResult& r, const sandbox::Limits& limits) {
    switch (r.verdict) {
    case Verdict::timeout:
        return fmt::format("the compiler ran past its time limit ({} ms CPU, {} ms wall)",
                           limits.cpu_ms, limits.wall_ms);
    case Verdict::memory_limit:
        return fmt::format("the compiler ran out of memory ({} MB)", limits.memory_mb);
    case Verdict::output_limit:
        return fmt::format("the compiler's output passed its limit ({} bytes)",
                           limits.output_bytes);
    case Verdict::forbidden_syscall:
        return "the compiler made a forbidden system call: " + r.forbidden_syscall;
    default:
        break;
    }
    std::string first;
    std::string_view rest = r.stderr_text;
    while (!rest.empty()) {
        const std::string_view line = rest.substr(0, rest.find('\n'));
        rest.remove_prefix(std::min(rest.size(), line.size() + 1));
        if (line.find(": error:") != std::string_view::npos ||
            line.find(": fatal error:") != std::string_view::npos)
            return util::clip(without_temporary_object(line), 500);
        if (first.empty() && !util::trim(line).empty()) first = without_temporary_object(line);
    }
    if (!first.empty()) return util::clip(first, 500);
    return r.message.empty() ? "the compiler failed" : r.message;
}

// A job whose program did not compile: every case errs with the compiler's first error.
JobResult not_compiled(const HarnessJob& job, const std::string& error) {
    JobResult out = sandbox::wire::not_run(job, error);
    out.verdict = Verdict::compile_error;
    for (auto& c : out.cases)
        c.message = "compile error: " + error;
    return out;
}

} // namespace

sandbox::SpawnSpec ProgramExecutor::spec(std::vector<std::string> argv,
                                         const sandbox::Limits& limits) const {
    sandbox::SpawnSpec s = language_.spawn_spec(std::move(argv));
    s.limits = limits;
    s.strength = weak_ ? sandbox::Strength::weak : sandbox::Strength::strict;
    return s;
}

sandbox::SpawnSpec ProgramExecutor::compile_spec(std::vector<std::string> argv) const {
    sandbox::SpawnSpec s = spec(std::move(argv), language_.compile_limits);
    if (!language_.compile_env.empty()) s.env = language_.compile_env;
    s.randomize_addresses = true; // fixed addresses are for the programs, not the compiler
    return s;
}

std::vector<std::string> ProgramExecutor::sending(const std::vector<std::string>& argv,
                                                  const std::string& produced) const {
    std::vector<std::string> out =
        send_output_
            ? std::vector<std::string>{fmt::format("{}/{}", kNativeDir, language_.send_output),
                                       produced}
            : std::vector<std::string>{"/bin/sh", "-c",
                                       "\"$0\" \"$@\" >&2 && exec /bin/cat " + produced};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

bool ProgramExecutor::make_scratch() {
    if (!scratch_.empty()) return true;
    std::string dir = (fs::temp_directory_path() / "assay-pch-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) return false;
    ::chmod(dir.c_str(), 0755);
    scratch_ = dir;
    return true;
}

template <class T>
T ProgramExecutor::once(std::map<std::string, std::shared_future<T>>& done, const std::string& key,
                        const std::function<bool()>& admit, const std::function<T()>& make) {
    std::promise<T> promise;
    std::shared_future<T> waiting;
    {
        std::lock_guard lock(mutex_);
        if (const auto it = done.find(key); it != done.end()) {
            waiting = it->second;
        } else {
            if (!admit()) return T{};
            done[key] = promise.get_future().share();
        }
    }
    if (waiting.valid()) return waiting.get();
    T built = make();
    promise.set_value(built);
    return built;
}

std::optional<std::string> ProgramExecutor::precompiled(const std::string& header) {
    const std::string key = util::content_hash(header);
    // A header only pays when the batch holds it twice: built at its first sight when run() saw
    // it in two jobs, else at its second.
    const auto admit = [&] {
        if (++header_seen_[key] < 2 && header_expected_[key] < 2) return false;
        return make_scratch();
    };
    return once<std::optional<std::string>>(headers_, key, admit, [&] {
        const std::vector<std::string> argv =
            substituted(language_.precompile,
                        {{"header", "/work/header.hpp"}, {"out", "/work/header.hpp.gch"}});
        // The header's lines, then the library's instances declared extern (their definitions
        // are linked into every build); a header they do not compile after goes without them.
        std::optional<std::string> text;
        if (instances_fit()) text = header + "\n" + *instances_;
        for (const std::string& precompiling :
             text ? std::vector{*text, header} : std::vector{header}) {
            sandbox::SpawnSpec s = compile_spec(sending(argv, "/work/header.hpp.gch"));
            s.files.emplace_back("header.hpp", precompiling);
            const sandbox::RunResult r = sandbox::run(s);
            if (r.verdict != Verdict::ok || r.exit_code != 0 || r.stdout_text.empty()) continue;
            const fs::path base = scratch_ / key;
            std::ofstream(base.string() + ".hpp", std::ios::binary) << precompiling;
            std::ofstream(base.string() + ".hpp.gch", std::ios::binary) << r.stdout_text;
            ::chmod((base.string() + ".hpp").c_str(), 0644);
            ::chmod((base.string() + ".hpp.gch").c_str(), 0644);
            ++headers_built_;
            if (text && precompiling == *text) ++instanced_;
            return std::optional<std::string>{key};
        }
        return std::optional<std::string>{};
    });
}

Compiled ProgramExecutor::compile(const std::string& source) {
    return build(language_.compile_argv(), source, "/work/program", {});
}

Compiled ProgramExecutor::build(std::vector<std::string> argv, const std::string& source,
                                const std::string& produced, const std::string& object,
                                unsigned support, Links links) {
    std::string program = source;
    bool with_header = false;
    std::string header_name;
    if (!language_.precompile.empty() && header_line_ && !argv.empty()) {
        HeaderSplit split = split_header(source, *header_line_);
        if (!split.header.empty()) {
            if (auto name =
                    precompiled(canonical_header(split.header, language_.order_free_header))) {
                header_name = *name;
                program = std::move(split.rest);
                with_header = true;
            }
        }
    }
    if (with_header) {
        const auto use =
            substituted(language_.use_precompiled,
                        {{"header", fmt::format("{}/{}.hpp", kPrecompiledDir, header_name)}});
        argv.insert(argv.begin() + 1, use.begin(), use.end());
    }
    if ((support & declare_support) != 0 && !argv.empty())
        argv.insert(argv.begin() + 1, language_.support_flags.begin(),
                    language_.support_flags.end());
    if (!object.empty()) {
        const auto use = substituted(language_.use_object,
                                     {{"object", fmt::format("{}/{}.o", kPrecompiledDir, object)}});
        argv.insert(argv.end(), use.begin(), use.end());
    }
    const bool linking_support = (support & link_support) != 0;
    if (linking_support) {
        const auto use =
            substituted(language_.use_object,
                        {{"object", fmt::format("{}/{}", kNativeDir, language_.support_object)}});
        argv.insert(argv.end(), use.begin(), use.end());
    }
    if (links == Links::archive || (links == Links::yes && instances_fit())) {
        // An archive: a program that calls none of the instances takes none of them.
        const auto use = substituted(
            language_.use_object,
            {{"object", fmt::format("{}/{}", kNativeDir, language_.instances_archive)}});
        argv.insert(argv.end(), use.begin(), use.end());
    }
    sandbox::SpawnSpec s = compile_spec(sending(argv, produced));
    s.files.emplace_back(language_.source_file, program);
    if (with_header || !object.empty())
        s.binds.push_back({scratch_.string(), kPrecompiledDir, false});
    const sandbox::RunResult r = sandbox::run(s);
    Compiled out;
    if (r.verdict == Verdict::ok && r.exit_code == 0 && !r.stdout_text.empty()) {
        out.binary = r.stdout_text;
        if (linking_support) ++supported_;
    } else {
        out.error = compile_error(r, language_.compile_limits);
    }
    return out;
}

std::optional<std::string> ProgramExecutor::object(const std::string& source) {
    const std::string key = util::content_hash(source);
    return once<std::optional<std::string>>(
        objects_, key, [&] { return make_scratch(); },
        [&] {
            std::optional<std::string> built;
            std::vector<std::string> argv =
                substituted(language_.compile_object,
                            {{"file", language_.source_file}, {"out", "/work/unit.o"}});
            const Compiled unit = build(std::move(argv), source, "/work/unit.o", {},
                                        support(declare_support), Links::no);
            ++objects_built_;
            if (unit.ok()) {
                const std::string path = (scratch_ / (key + ".o")).string();
                std::ofstream(path, std::ios::binary) << unit.binary;
                ::chmod(path.c_str(), 0644);
                built = key;
            }
            return built;
        });
}

std::optional<Compiled> ProgramExecutor::compile_split(const HarnessJob& job,
                                                       const JudgePrograms& programs) {
    const auto declarations = syntax::separate_declarations(language_.grammar, job.code);
    if (!declarations) {
        ++refused_;
        return std::nullopt;
    }
    const auto unit = object(runner_source(*frames_, as_line(*declarations), programs));
    if (!unit) {
        ++fell_back_;
        return Compiled{{}, "the cases' unit does not compile"};
    }
    Compiled linked = build(language_.compile_argv(), as_line(job.code), "/work/program", *unit,
                            support(link_support));
    ++(linked.ok() ? linked_ : fell_back_);
    return linked;
}

bool ProgramExecutor::wants_split(const HarnessJob& job) {
    if (language_.compile_object.empty() || split_ == Split::never) return false;
    if (split_ == Split::always) return true;
    std::lock_guard lock(mutex_);
    const auto it = problem_expected_.find(problem_key(job));
    return it != problem_expected_.end() && it->second >= 2;
}

void ProgramExecutor::probe_native() {
    std::call_once(native_probed_, [&] {
        const bool support = support_present_;
        const bool instances = instances_.has_value();
        if (!frames_ || (!support && !instances)) return;
        // The judge's frame with no tests: the harness alone, as a judge includes it.
        const std::string source = fill(frames_->judge, {{"setup", ""}, {"cases", ""}}, "{{", "}}");
        const auto links = [&](bool with_support, bool with_instances) {
            return build(language_.compile_argv(), source, "/work/program", {},
                         with_support ? declare_support | link_support : no_support,
                         with_instances ? Links::archive : Links::no)
                .ok();
        };
        // Both at once first: one build when both fit, as they do unless something is broken.
        if (links(support, instances)) {
            support_fits_ = support;
            instances_fit_ = instances;
            return;
        }
        if (support && instances) {
            support_fits_ = links(true, false);
            instances_fit_ = links(false, true);
        }
    });
}

unsigned ProgramExecutor::support(unsigned wanted) {
    probe_native();
    return support_fits_ ? wanted : no_support;
}

bool ProgramExecutor::instances_fit() {
    probe_native();
    return instances_fit_;
}

SplitCounts ProgramExecutor::split_counts() const {
    return {linked_.load(),        refused_.load(),   fell_back_.load(), objects_built_.load(),
            headers_built_.load(), supported_.load(), instanced_.load()};
}

Compiled ProgramExecutor::compile_cached(const std::string& source) {
    return once<Compiled>(
        judges_, util::content_hash(source), [] { return true; },
        [&] {
            const unsigned with = support(declare_support | link_support);
            Compiled judge = build(language_.compile_argv(), source, "/work/program", {}, with);
            // A judge whose own text does not build with the object: it compiles the harness's code
            // itself (a choice made by this source alone, as any build's).
            if (judge.ok() || with == no_support) return judge;
            return build(language_.compile_argv(), source, "/work/program", {});
        });
}

std::optional<JobResult> ProgramExecutor::compile_programs(const HarnessJob& job,
                                                           JudgePrograms& programs,
                                                           std::string& runner,
                                                           std::string& judge) {
    // The judge holds the problem's side alone (its declarations, set-up and expected values):
    // whether it compiles is the tests', never the program's, doing.
    Compiled j = programs.judge.empty() ? Compiled{} : compile_cached(programs.judge);
    std::optional<Compiled> split;
    if (j.ok() && wants_split(job)) split = compile_split(job, programs);
    // A split build that fails says nothing: the one unit gives the verdict and its message.
    Compiled r = split && split->ok() ? std::move(*split) : compile(programs.runner);
    if (!programs.judge.empty() && j.ok() && !r.ok()) {
        // The tests split, and this program does not compile with them: its own error, or a
        // program that breaks the harness (a macro, an overload the codec cannot send) to have
        // every case run whole, where its own process would decide them. Not run.
        return not_compiled(job, r.error);
    }
    if (!r.ok() || !j.ok()) {
        // Not splittable as compiled code (a type the codec lacks, a test the judge cannot
        // hold): every case runs whole, as under plain execution.
        auto whole = build_programs(language_, *frames_, job, true);
        if (!whole) return sandbox::wire::not_run(job, whole.error().message);
        programs = std::move(*whole);
        r = compile(programs.runner);
        if (!r.ok()) return not_compiled(job, r.error);
        j = {};
    }
    runner = std::move(r.binary);
    judge = std::move(j.binary);
    return std::nullopt;
}

void ProgramExecutor::expect(const std::vector<HarnessJob>& jobs,
                             const std::vector<std::size_t>& which) {
    // What the batch repeats: headers worth precompiling at first sight, problems whose cases'
    // unit serves several programs.
    std::lock_guard lock(mutex_);
    for (const std::size_t k : which) {
        ++problem_expected_[problem_key(jobs[k])];
        if (header_line_ && !language_.precompile.empty())
            if (const HeaderSplit split = split_header(jobs[k].code, *header_line_);
                !split.header.empty())
                ++header_expected_[util::content_hash(
                    canonical_header(split.header, language_.order_free_header))];
    }
}

} // namespace assay::pipeline
