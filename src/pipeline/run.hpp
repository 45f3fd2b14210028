// `assay run` offline (README.md "Verbs"): verify every reference solution, inject AST
// bugs into the passing ones and keep those the tests catch as bug/fix pairs, keep the
// refactorings that still pass every test, record everything, and export the datasets.
//
// What is stored, per problem whose reference passes:
//   - the reference: candidate kind `solution`, origin `seed`, with its execution;
//   - each mutant (deduplicated by normalised AST hash, never equal to the reference's): kind
//     `bug`, origin `mutation`, parent = the reference, label = the operator, meta
//     {"description", "line", "survivor"}. A *killed* mutant fails at least one test
//     (survivor false) and gets a `bugfix` trajectory: step 0 the bug with its failing tests as
//     feedback, step 1 the reference (solved). A *survivor* passes every test (survivor true);
//     it is either an equivalent program or a gap in the tests, and is never exported as a bug.
//     Mutants whose run hit an internal error are neither, and are not stored;
//   - each refactoring that differs from the reference and passes every visible and hidden
//     test: kind `refactor`, origin `mutation` (made by an AST operator, not written by a person
//     or a model), parent = the reference, label = the refactoring kind;
//   - problem_stats: the reference's verdict and the mutation score, killed / (killed + survived).
#pragma once

#include "pipeline/run_summary.hpp"
#include "pipeline/shard.hpp"
#include "pipeline/stages/context.hpp"
#include "pipeline/stages/decontaminate.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::pipeline {

// Offline stages, then the ones that need an LLM (instruct, solve, bugs, reflexion). With an LLM,
// refactor also asks the model for refactorings.
enum class Stage {
    verify,
    mutate,
    refactor,
    decontaminate,
    export_datasets,
    instruct,
    solve,
    bugs,
    reflexion
};

// Parses "verify,mutate,refactor,decontaminate,export,instruct,solve,bugs,reflexion" (any subset,
// any order). Every stage but instruct, decontaminate and export works on passing references, so
// it implies verify.
[[nodiscard]] Expected<std::vector<Stage>> parse_stages(std::string_view list);

struct RunOptions {
    std::vector<std::filesystem::path> problems{"problems"}; // files or directories
    std::filesystem::path db = "out/assay.db";
    std::filesystem::path out = "out"; // the exported datasets and run_summary.json
    std::vector<Stage> stages{Stage::verify, Stage::mutate, Stage::refactor, Stage::decontaminate,
                              Stage::export_datasets};
    int jobs = 2;
    std::optional<std::size_t> limit; // only the first N problems (in load order)
    // Only the problems in these languages (--languages); empty: every problem given. Each
    // language's problems run in turn, by name, with that language's descriptor and jail.
    std::vector<std::string> languages;
    std::uint64_t seed = 0; // chooses the mutants; the same seed gives the same rows
    std::size_t mutants_per_problem = 8;
    bool allow_weak_jail = false;
    bool progress = false; // progress lines on stderr
    // The exports carry the model's reasoning (exports::ExportOptions::with_reasoning).
    bool with_reasoning = false;
    // The decontaminate stage's benchmarks and settings (it runs when `stages` has it).
    DecontaminateOptions decontamination;
    // The exports leave out the problems recorded in `exclusions` (false: --no-decontaminate).
    bool decontaminate_exports = true;
    // reflexion.jsonl trains the reflections too (exports::ExportOptions::train_reflections).
    bool train_reflections = false;
    // The LLM pipeline; absent: offline (the LLM stages are then refused).
    std::optional<LlmSettings> llm;
    std::string api_key; // sent to the server, never stored or logged
    // Only the work this shard owns (pipeline/shard.hpp); absent: all of it.
    std::optional<Shard> shard;
};

// Every stage, in run order: what `--stages` means when an LLM is configured. Both lists hold
// decontaminate (before export); --no-decontaminate takes it out.
[[nodiscard]] std::vector<Stage> all_stages();
// The offline stages: the default without an LLM.
[[nodiscard]] std::vector<Stage> offline_stages();

// Loads every problem and, with an LLM, the prompts first (bad input: an Error naming the file
// and line, and nothing is created or written); then runs the stages with a pool of `jobs`
// jailed workers (instruct first, then the offline stages on seed and new problems, then the
// other LLM stages on the problems whose reference passes), recording each stage's results in
// a transaction; the export stage writes sft, bugfix, refactor, reflexion, dpo, kto and tasks
// .jsonl, dataset_info.json and the dataset card README.md to `out`. Reruns answer from the
// execution and LLM caches and add no duplicate rows.
[[nodiscard]] Expected<RunSummary> run(const RunOptions& options);

} // namespace assay::pipeline
