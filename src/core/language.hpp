// Language descriptors (languages/NAME.toml): how a language is compiled, run and jailed.
#pragma once

#include "sandbox/jail.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace assay {

struct Language {
    std::string name;
    std::vector<std::string> extensions;
    std::string source_file;           // program file name inside /work
    std::vector<std::string> run;      // "{file}" is replaced by the program path
    std::vector<std::string> zygote;   // fast-path worker command, empty if none
    std::string grammar;               // tree-sitter grammar name
    std::filesystem::path harness_dir; // absolute host path of the harness, bound at /assay
    // Absolute host path of the harness's compiled modules (a directory of the build), bound at
    // /assay-native; empty if the harness has none.
    std::filesystem::path native_dir;
    std::vector<std::string> binds; // read-only host paths (same path inside)
    std::vector<std::string> env;   // the jail's whole environment
    sandbox::Limits limits;

    // A spawn spec that runs `argv` with this language's binds, environment and limits.
    [[nodiscard]] sandbox::SpawnSpec spawn_spec(std::vector<std::string> argv) const;
    // `run` with {file} replaced by /work/<source_file>.
    [[nodiscard]] std::vector<std::string> run_argv() const;
};

// The directory holding languages/, problems/, testsuites/: $ASSAY_HOME, else the source tree
// the binary was built from.
[[nodiscard]] std::filesystem::path project_root();

// Where this build put the harnesses' compiled modules (build/native): $ASSAY_NATIVE_DIR, else
// the build directory the binary came from.
[[nodiscard]] std::filesystem::path native_root();

// Loads languages/<name>.toml from `root`. Errors name the file and line.
[[nodiscard]] Expected<Language> load_language(const std::string& name,
                                               const std::filesystem::path& root = project_root());

} // namespace assay
