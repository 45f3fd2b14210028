// decontaminate: leaves out of the exports every problem that copies a benchmark (HumanEval, MBPP,
// HumanEval-X, or any file named), and all but one of each group of near-duplicate problems,
// recording why in `exclusions` (store/exclusions.hpp). It changes no other record: `export
// --no-decontaminate` still writes every row.
//
// A problem is checked through its prompt, its reference and every stored program answering it
// (solutions, refactorings, repairs). Rules, strongest first; a problem is recorded under the
// first that matches:
//   exact_solution     a program equals a benchmark solution, whitespace aside;
//   ast_solution       a program's ast_fingerprint (syntax/ast_hash.hpp: names, docstrings,
//                      annotations and imports aside) equals a benchmark solution's;
//   ngram_prompt,      a word n-gram (`ngram`, 10: words are runs of letters and digits, lower-
//   ngram_solution     cased; runs of numbers only are not counted) of the prompt, or of a program,
//                      occurs in a benchmark's prompt, solution or tests (StarCoder2-Instruct's
//                      and SelfCodeAlign's rule); score: the share of its n-grams that do;
//   similar_prompt     the prompt's word-shingle Jaccard with a benchmark prompt is at least
//                      `benchmark_threshold` (a reworded statement shares few n-grams);
//   similar_prompt_words
//                      the IDF-weighted Jaccard of the prompt's content words (stop words out,
//                      plurals and -ing/-ed cut; IDF over the benchmark prompts) with a benchmark
//                      prompt's is at least `word_threshold`, or at least 0.25 with 60% of the
//                      benchmark's word weight inside the prompt: a paraphrase that swaps many
//                      words keeps the rare ones the task is about;
//   near_duplicate_prompt, near_duplicate_solution
//                      among the problems no benchmark rule dropped, taken seed problems first
//                      (bank, imported), then LLM-made ones, each in id order: a problem whose
//                      prompt (word shingles) or reference (code-token shingles) has a Jaccard of
//                      at least `dedup_threshold` with a problem kept before it is dropped
//                      against the most similar one; so one problem of each cluster is kept.
// Jaccard candidates come from MinHash-LSH (util/minhash.hpp) and are then checked exactly.
#pragma once

#include "core/language.hpp"
#include "core/problem.hpp"
#include "pipeline/driver.hpp"
#include "pipeline/run_summary.hpp"
#include "store/exclusions.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace assay::pipeline {

struct DecontaminateOptions {
    // Benchmark files (any format dataset::load_benchmark reads).
    std::vector<std::filesystem::path> benchmarks;
    int ngram = 10;                   // words per n-gram of the overlap rules
    int prompt_shingle = 3;           // words per shingle of a prompt (MinHash)
    int code_shingle = 5;             // tokens per shingle of a program (MinHash)
    int permutations = 128;           // MinHash signature length
    double benchmark_threshold = 0.3; // similar_prompt: Jaccard with a benchmark prompt
    double word_threshold = 0.3;      // similar_prompt_words: weighted content-word Jaccard
    double dedup_threshold = 0.7;     // near_duplicate_*: Jaccard between two problems
};

// The benchmark files of ../shared/data (relative to `root`) that exist, in this order:
// HumanEval.jsonl.gz, mbpp-sanitized.json, humaneval-x-cpp.jsonl.gz, humaneval-x-js.jsonl.gz.
[[nodiscard]] std::vector<std::filesystem::path>
default_benchmarks(const std::filesystem::path& root = project_root());

// Loads every benchmark of `options` (bad input names the file and line); checks the options.
[[nodiscard]] Expected<std::vector<Problem>> load_benchmarks(const DecontaminateOptions& options);

// A problem to check: its prompt and reference, and the other stored programs answering it.
struct Subject {
    const Problem* problem = nullptr;
    std::vector<store::CandidateCode> programs;
};

// The benchmarks indexed once (n-gram hashes, solution hashes, LSH over prompts); checking is then
// linear in the subjects' text.
class Decontaminator {
  public:
    // `grammars` (language name → grammar) parses the subjects' programs and the benchmark
    // solutions of each language; a program is compared by syntax tree only with benchmarks of
    // its own language.
    Decontaminator(const std::vector<Problem>& benchmarks,
                   std::map<std::string, std::string> grammars, DecontaminateOptions options);
    ~Decontaminator();
    Decontaminator(const Decontaminator&) = delete;
    Decontaminator& operator=(const Decontaminator&) = delete;

    // The exclusions of `subjects` (run left 0), in the subjects' order.
    [[nodiscard]] std::vector<store::Exclusion> check(const std::vector<Subject>& subjects) const;

  private:
    struct Index;
    std::unique_ptr<Index> index_;
};

// The stage: checks every stored problem (earlier runs' too: the exports read them all) with its
// stored programs against `benchmarks`, replaces the recorded exclusions in one transaction, and
// counts them per rule in `summary.decontamination`.
// Exclusions are recorded under `run`.
[[nodiscard]] Expected<void> decontaminate(store::Store& db, std::int64_t run,
                                           const std::vector<Problem>& benchmarks,
                                           const DecontaminateOptions& options,
                                           RunSummary& summary);

} // namespace assay::pipeline
