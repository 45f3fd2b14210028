// `assay run --config FILE` (README.md "Configuration file"): a TOML file whose top-level keys are
// run's long option names without `--` (`limit = 3`, `problems = ["bank"]`, `json = true`).
// Options given on the command line win over the file. Relative paths in the file (the keys
// marked `path`) are taken from the file's directory, so a config beside its problems works from
// any working directory.
#pragma once

#include "util/error.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace assay::cli {

// What a key's TOML value must be.
enum class ValueKind {
    flag,      // true or false
    list,      // an array of strings (a single string is a list of one)
    integer,   // an integer
    count,     // an integer >= 0
    number,    // an integer or a float
    text,      // a string
    text_list, // a string, or an array of strings joined with commas (`stages`)
};

struct ConfigKey {
    std::string name; // the long option without `--`
    ValueKind kind = ValueKind::text;
    bool path = false; // relative values are resolved against the file's directory
};

// One key of the file, as the command line would have given it.
struct ConfigValue {
    std::string name;
    std::vector<std::string> values; // the option's arguments (a flag: "true" or "false")
    std::string where;               // FILE:LINE
};

// Parses `text`, the contents of `file`, against `keys`; the values in the order of the file.
// Bad input (exit 2), located at FILE:LINE (FILE:LINE:COL for TOML syntax): a syntax error with
// toml++'s reason, an unknown key (naming the nearest known one when one is close), a table, a
// value of the wrong type or a negative count.
[[nodiscard]] Expected<std::vector<ConfigValue>> parse_config(std::string_view text,
                                                              const std::filesystem::path& file,
                                                              std::span<const ConfigKey> keys);

// Which options of a command hold paths, and which take a comma-separated list (as a string or
// an array in the file).
struct ConfigShape {
    std::span<const std::string_view> paths;
    std::span<const std::string_view> comma_lists;
};

// The keys `command` takes: each option with a long name but `--help` and `--config`, its kind
// from CLI11's view of it and `shape`.
[[nodiscard]] std::vector<ConfigKey> config_keys(const CLI::App& command, ConfigShape shape);

// Reads `file` (missing or unreadable: bad input naming it) and gives each of its values to the
// option of `command` the command line did not give, as if it had been typed, running the
// option's conversion and checks; a value they refuse is bad input at FILE:LINE.
[[nodiscard]] Expected<void> apply_config(CLI::App& command, const std::filesystem::path& file,
                                          ConfigShape shape);

} // namespace assay::cli
