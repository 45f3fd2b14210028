// Runs the built `assay` binary for black-box tests, and a program file alone in the jail for
// comparisons with what plain python3 does (never outside the jail: an exported or mutated
// program is not trusted on the host).
#pragma once

#include "support/process.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace assay::testing {

// ASSAY_BINARY with `args` (no shell): exit code, stdout, stderr.
inline Ran run_assay(const std::vector<std::string>& args) {
    return assay_binary(args);
}

// What a program file does run alone in the jail's cold path (`assay jail`, the file's language
// by its extension, `python3 -s -P -S FILE` for .py): its exit code, or -1 when it ran past
// `cpu_seconds` (wall: twice that) and was stopped. Throws when `assay jail` itself fails.
inline int run_jailed(const std::filesystem::path& file, int cpu_seconds = 10) {
    const Ran ran = assay_binary(
        {"jail", "--json", "--time-limit", std::to_string(cpu_seconds), file.string()});
    if (ran.exit_code != 0)
        throw std::runtime_error("assay jail " + file.string() + " failed: " + ran.err);
    const auto verdict = nlohmann::json::parse(ran.out);
    if (verdict["verdict"] == "timeout") return -1;
    return verdict["exit_code"].get<int>();
}
} // namespace assay::testing
