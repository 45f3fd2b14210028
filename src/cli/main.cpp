// Thin main: parse the verb, run it, map errors to exit codes (README.md "Verbs").
#include "cli/verb.hpp"
#include "util/error.hpp"

#include <cstdio>
#include <exception>
#include <fmt/format.h>

int main(int argc, char** argv) {
    using assay::ExitCode;
    CLI::App app{"assay: synthesise code training data and prove every sample by running it"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "assay 0.1.0");
    assay::cli::set_command_line(argc, argv);
    assay::cli::Action action;
    for (const assay::cli::Verb& verb : assay::cli::verbs()) {
        CLI::App* command = app.add_subcommand(verb.name, verb.summary);
        auto configured = verb.configure(*command);
        command->callback([&action, configured] { action = configured; });
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? 0 : static_cast<int>(ExitCode::bad_input);
    }
    try {
        return action();
    } catch (const assay::FatalError& error) {
        fmt::print(stderr, "assay: error: {}\n", error.what());
        return static_cast<int>(error.code());
    } catch (const std::exception& error) {
        fmt::print(stderr, "assay: internal error: {}\n", error.what());
        return static_cast<int>(ExitCode::internal);
    }
}
