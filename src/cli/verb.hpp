// The command line is a table of verbs (src/cli/verbs.cpp holds the table): each verb adds its
// options to its CLI11 subcommand and returns the action main runs after parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <span>
#include <string>

namespace assay::cli {

// Runs a parsed verb; returns the process exit code (util/error.hpp ExitCode).
using Action = std::function<int()>;

struct Verb {
    const char* name;
    const char* summary;
    Action (*configure)(CLI::App& command); // adds options bound to state the Action owns
};

// Every verb, in the order `assay --help` lists them.
[[nodiscard]] std::span<const Verb> verbs();

// The command line this process was started with, quoted for a POSIX shell where needed
// (main records it): what a message tells the user to run again.
void set_command_line(int argc, char** argv);
[[nodiscard]] const std::string& command_line();

// A CLI11 check for a count of workers: an integer of at least 1 ("must be at least 1, not 0").
[[nodiscard]] CLI::Validator at_least_one();

// The verbs' configure functions, one per file in src/cli/.
Action configure_run(CLI::App& command);    // run_verb.cpp
Action configure_export(CLI::App& command); // export_verb.cpp
Action configure_verify(CLI::App& command);
Action configure_stats(CLI::App& command);
Action configure_report(CLI::App& command); // report_verb.cpp
Action configure_jail(CLI::App& command);   // jail_verb.cpp
Action configure_doctor(CLI::App& command); // doctor_verb.cpp
Action configure_merge(CLI::App& command);  // merge_verb.cpp
} // namespace assay::cli
