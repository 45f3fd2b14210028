// Language descriptors (languages/NAME.toml): how a language is compiled, run and jailed, and
// what the rest of assay needs to know of it (its grammar, how a model's reply marks its code,
// which benchmark formats hold it).
#pragma once

#include "sandbox/jail.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace assay {

// The judge model's two programs for a language without a zygote (pipeline/judge_programs.hpp):
// harness files that frame them and the snippets a test case becomes. Placeholders: {id} a hole's
// number, {expr} its code, {case} a case's number, {body} its statements, {cond}, {lhs}, {rhs},
// {op} an assertion's parts.
struct ProgramTemplates {
    std::string runner;      // harness file: {{program}}, {{setup}}, {{cases}}
    std::string judge;       // harness file: {{setup}}, {{cases}}
    std::string emit;        // runner: a hole, its value sent (an expression of that value)
    std::string take;        // judge: a hole, its value received
    std::string check;       // judge: a single-condition assertion
    std::string compare;     // judge: an assertion `lhs op rhs`
    std::string runner_case; // runner: one split case
    std::string whole_case;  // runner: one case run whole (it reports its own result)
    std::string judge_case;  // judge: one split case

    [[nodiscard]] bool empty() const { return runner.empty(); }
};

struct Language {
    std::string name;
    std::string title; // the language's name in text a person or a model reads ("Python")
    std::vector<std::string> extensions; // ".py": `assay jail FILE` picks the language by these
    std::string source_file;             // program file name inside /work
    std::vector<std::string> run; // "{file}" is the program path, "{out}" a compiled program's
    // A compiled language's compile command (empty for others), run in a jail of its own with
    // `compile_limits`: "{file}" is the source in /work, "{out}" the program it writes
    // (/work/program), which `run` then starts.
    std::vector<std::string> compile;
    sandbox::Limits compile_limits;
    // The compile jail's whole environment (`compile_env`); empty: the jail's `env`.
    std::vector<std::string> compile_env;
    // The program's leading lines that match `header_line` (a regex; comments before them are
    // kept in place) are built once per distinct text by `precompile` ("{header}", "{out}") and
    // reach the compile through `use_precompiled` ("{header}"), exactly as if written in place.
    std::vector<std::string> precompile;
    std::vector<std::string> use_precompiled;
    std::string header_line;
    // `order_free_header`: lines that mean the same in any order and any number of times. A
    // header made only of them (ignoring whitespace) is precompiled as those of them it holds,
    // once each, in this list's order, so every order of the same lines shares one.
    std::vector<std::string> order_free_header;
    // Optional, both or neither: `compile_object` ("{file}", "{out}") compiles a unit into an
    // object file, and `use_object` ("{object}") added to `compile` links one into the program.
    // The runner's cases are then compiled once per distinct source and linked with each
    // candidate's program, when the program can stand alone (program_executor.hpp).
    std::vector<std::string> compile_object;
    std::vector<std::string> use_object;
    // Optional: the harness's fixed code as an object the build compiled once (`support_object`,
    // a file name in `native_dir`). A unit that includes the harness (a judge, a runner's cases)
    // is compiled with `support_flags`, which make it declare that code instead of defining it,
    // and every build that links such a unit links the object too (/assay-native/<name>). Not
    // used when the build did not make the file.
    std::string support_object;
    std::vector<std::string> support_flags;
    // Optional, both or neither: instantiations of the standard library's templates that its own
    // inline functions use, made once. `instances_header` (a file of the harness directory) is
    // appended to every precompiled header that compiles with it and declares them extern;
    // `instances_archive` (a file name in `native_dir`, an archive the build compiled from it)
    // defines them and is linked by every build that links (/assay-native/<name>). Not used when
    // the build did not make the archive from this harness's files, or a program that takes
    // nothing from it does not link with it (ProgramExecutor::probe_native).
    std::string instances_header;
    std::string instances_archive;
    // Optional: a program the build made in `native_dir` (`send_output`) that starts a compile
    // jail as `<it> {out} <compile command>`: it runs the command with its stdout on stderr and,
    // when it succeeds, writes {out} to stdout. Without it (or without the file) the jail runs
    // `/bin/sh -c '"$0" "$@" >&2 && exec /bin/cat {out}'`, which does the same.
    std::string send_output;
    ProgramTemplates programs; // [programs]: the judge model's two programs (no zygote)
    // Whether tree-sitter's syntax check may reject a program before it runs (`compile_error`).
    // False where the grammar misreads valid programs (C++'s `typeid(int)`): the compiler decides.
    bool syntax_gate = true;
    std::vector<std::string> zygote; // fast-path worker command, empty if none
    std::string grammar; // tree-sitter grammar name; the syntax layer's tables are keyed by it
    std::filesystem::path harness_dir; // absolute host path of the harness, bound at /assay
    // Absolute host path of the harness's compiled modules (a directory of the build), bound at
    // /assay-native; empty if the harness has none.
    std::filesystem::path native_dir;
    std::vector<std::string> binds; // read-only host paths (same path inside)
    std::vector<std::string> env;   // the jail's whole environment
    // [jail] randomize_addresses: false runs the language's programs (not a judge) at fixed
    // addresses (sandbox::SpawnSpec::randomize_addresses), so that a compiled program's undefined
    // behaviour gives the same verdict in every run.
    bool randomize_addresses = true;
    sandbox::Limits limits;
    // Info-string words of a fenced block in a model's reply that mean this language ("py");
    // lower-case. The grammar name and an untagged block always count.
    std::vector<std::string> fence_tags;
    // Prefixes of a line at column 0 that start code in a reply without fences ("def ").
    std::vector<std::string> code_starts;
    // Benchmark formats (`assay verify --format`) whose problems are written in this language.
    std::vector<std::string> problem_formats;

    // A spawn spec that runs `argv` with this language's binds, environment and limits.
    [[nodiscard]] sandbox::SpawnSpec spawn_spec(std::vector<std::string> argv) const;
    // `run` with {file} replaced by /work/<source_file> and {out} by /work/program.
    [[nodiscard]] std::vector<std::string> run_argv() const;
    // `compile` the same way, but with {file} as the bare file name (the compiler runs in /work).
    [[nodiscard]] std::vector<std::string> compile_argv() const;
    // The grammar of the syntax gate (pipeline/batch.hpp), empty when there is none.
    [[nodiscard]] std::string gate_grammar() const { return syntax_gate ? grammar : std::string(); }
};

// The directory holding languages/, problems/, testsuites/: $ASSAY_HOME, else the source tree
// the binary was built from.
[[nodiscard]] std::filesystem::path project_root();

// Where this build put the harnesses' compiled modules (build/native): $ASSAY_NATIVE_DIR, else
// the build directory the binary came from.
[[nodiscard]] std::filesystem::path native_root();

// Loads languages/<name>.toml from `root`. Errors name the file and line: a missing required key
// (`source_file`, `run`), a key of the wrong type, a limit that is not a positive integer.
[[nodiscard]] Expected<Language> load_language(const std::string& name,
                                               const std::filesystem::path& root = project_root());

// Every descriptor under `root`/languages (each *.toml), in name order. Fails on the first that
// does not load, or when two claim the same extension or problem format.
[[nodiscard]] Expected<std::vector<Language>>
load_languages(const std::filesystem::path& root = project_root());

// The descriptor whose `extensions` hold the extension of `file`. Fails, naming the file and the
// extensions the descriptors know, when none does.
[[nodiscard]] Expected<Language>
language_for_file(const std::filesystem::path& file,
                  const std::filesystem::path& root = project_root());

// The descriptor whose `problem_formats` hold `format` ("humaneval"). Fails when none does.
[[nodiscard]] Expected<Language>
language_for_format(std::string_view format, const std::filesystem::path& root = project_root());

// The descriptor whose `grammar` is `grammar` (the first in name order), or an error when none.
[[nodiscard]] Expected<Language>
language_for_grammar(std::string_view grammar, const std::filesystem::path& root = project_root());

} // namespace assay
