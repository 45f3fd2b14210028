// `assay jail`: run one program file in the jail with its language's run command (after its
// compile command, in a jail of its own, for a compiled language) and print one JSON verdict
// (README.md "Verbs"). The language is the descriptor that claims the file's
// extension (languages/*.toml `extensions`), unless --lang names one.
#include "cli/known_values.hpp"
#include "cli/verb.hpp"
#include "core/language.hpp"
#include "pipeline/program_executor.hpp"
#include "sandbox/jail.hpp"
#include "util/file.hpp"

#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace assay::cli {

namespace {

struct JailOptions {
    std::string lang; // a descriptor name; empty: by the file's extension
    double time_limit_s = 0;
    int memory_limit_mb = 0;
    bool allow_weak = false;
    bool json = false; // the output is always JSON; accepted for symmetry with other verbs
    std::string file;
    std::vector<std::string> args;
};

nlohmann::json to_json(const sandbox::RunResult& r) {
    nlohmann::json out = {
        {"verdict", to_string(r.verdict)},
        {"exit_code", r.exit_code},
        {"signal", r.signal},
        {"cpu_ms", r.cpu_ms},
        {"wall_ms", r.wall_ms},
        {"peak_rss_kb", r.peak_rss_kb},
        {"stdout", r.stdout_text},
        {"stderr", r.stderr_text},
        {"stdout_truncated", r.stdout_truncated},
        {"stderr_truncated", r.stderr_truncated},
        {"forbidden_syscall", r.forbidden_syscall},
        {"message", r.message},
        {"jail", r.strength == sandbox::Strength::strict ? "strict" : "weak"},
    };
    return out;
}

int run_jail(const JailOptions& options) {
    if (!options.lang.empty()) {
        std::vector<std::string> names;
        for (const Language& language : value_or_throw(load_languages()))
            names.push_back(language.name);
        value_or_throw(check_known("--lang", options.lang, names));
    }
    const Language lang = value_or_throw(options.lang.empty() ? language_for_file(options.file)
                                                              : load_language(options.lang));
    const std::string program = value_or_throw(util::read_file(options.file));
    std::vector<std::string> argv = lang.run_argv();
    argv.insert(argv.end(), options.args.begin(), options.args.end());
    sandbox::SpawnSpec spec = lang.spawn_spec(std::move(argv));
    if (lang.compile.empty()) {
        spec.files.emplace_back(lang.source_file, program);
    } else {
        // A compiled language: the compiler runs first, in a jail of its own.
        pipeline::ProgramExecutor compiler(lang, 1, options.allow_weak);
        const pipeline::Compiled compiled = compiler.compile(program);
        if (!compiled.ok()) {
            sandbox::RunResult failed;
            failed.verdict = Verdict::compile_error;
            failed.message = compiled.error;
            fmt::print("{}\n", to_json(failed).dump(options.json ? -1 : 2, ' ', false,
                                                    nlohmann::json::error_handler_t::replace));
            return static_cast<int>(ExitCode::success);
        }
        spec.files.emplace_back("program", compiled.binary);
    }
    if (options.time_limit_s > 0) {
        spec.limits.cpu_ms = static_cast<int>(options.time_limit_s * 1000);
        spec.limits.wall_ms = std::max(spec.limits.cpu_ms * 2, spec.limits.cpu_ms + 1000);
    }
    if (options.memory_limit_mb > 0) spec.limits.memory_mb = options.memory_limit_mb;
    spec.strength = options.allow_weak ? sandbox::Strength::weak : sandbox::Strength::strict;
    const sandbox::RunResult result = sandbox::run(spec);
    // A jail that cannot be set up is our failure, not the program's.
    if (result.verdict == Verdict::internal_error)
        throw FatalError(Error{result.message, {}, ErrorKind::environment});
    // The program's output is whatever bytes it wrote, and its cap may cut a character.
    fmt::print("{}\n", to_json(result).dump(options.json ? -1 : 2, ' ', false,
                                            nlohmann::json::error_handler_t::replace));
    return static_cast<int>(ExitCode::success);
}

} // namespace

Action configure_jail(CLI::App& command) {
    auto options = std::make_shared<JailOptions>();
    command.add_option("--lang", options->lang,
                       "language descriptor (languages/NAME.toml); default: the one that claims "
                       "the file's extension");
    command.add_option("--time-limit", options->time_limit_s, "CPU seconds (wall: twice that)")
        ->check(CLI::PositiveNumber);
    command.add_option("--memory-limit", options->memory_limit_mb, "memory in MB")
        ->check(CLI::PositiveNumber);
    command.add_flag("--allow-weak-jail", options->allow_weak,
                     "run without namespaces where the host has none (rlimits, seccomp, clean "
                     "environment only)");
    command.add_flag("--json", options->json, "print the verdict as one compact JSON line");
    command.add_option("file", options->file, "program file")->required();
    command.add_option("args", options->args, "arguments after --");
    return [options] { return run_jail(*options); };
}

} // namespace assay::cli
