// `assay verify`: check given programs against a benchmark's tests in the jail, record every
// execution, and report per-sample verdicts in input order.
#pragma once

#include "core/language.hpp"
#include "dataset/problem_files.hpp"
#include "sandbox/harness.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace assay::pipeline {

struct VerifyOptions {
    std::filesystem::path problems;
    std::optional<dataset::Format> format;          // detected when absent
    std::optional<std::filesystem::path> solutions; // absent: the canonical solutions
    std::optional<std::filesystem::path> db;
    int jobs = 2;
    bool allow_weak_jail = false;
    bool use_cache = true;
    bool dedupe = true;    // identical (program, tests, limits) run once per invocation
    bool progress = false; // a progress line on stderr
};

struct SampleOutcome {
    dataset::Sample sample;
    sandbox::JobResult result;
    bool cached = false;       // answered by the database's execution cache
    bool deduplicated = false; // an identical job earlier in the input was run instead
};

struct VerifyReport {
    std::vector<SampleOutcome> outcomes; // input order
    int passed = 0;
    double seconds = 0;
    [[nodiscard]] nlohmann::json to_json() const;
};

// Loads everything first (bad input: an Error naming file and line, nothing recorded), then
// runs every sample in a pool of `jobs` jailed workers and records the results in one
// transaction.
[[nodiscard]] Expected<VerifyReport> verify(const VerifyOptions& options);

// The languages the problems are in, by name (each loaded from languages/); an Error naming the
// first problem of a language that has no descriptor there.
[[nodiscard]] Expected<std::map<std::string, Language>>
languages_of(const std::vector<Problem>& problems);

// The harness job that checks `program` against `problem`'s tests.
[[nodiscard]] sandbox::HarnessJob make_job(const Problem& problem, const std::string& program,
                                           const sandbox::Limits& limits);

} // namespace assay::pipeline
