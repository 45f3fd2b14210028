// Dataset exports (ARCHITECTURE.md "Store": exports are queries over the record): JSONL, one object
// per line, each with `origin` (seed: written by a person; mutation: made by an AST operator; llm:
// made by the pipeline's model; sample: a model's answer imported by verify --solutions),
// `problem_id` and `language`. A candidate passes when its standing (the newest execution of its
// code on every test of its problem, store/readers.hpp) passed.
//   sft       one row per passing solution (references, model samples, and refactorings as
//             extra rows with kind "refactor"); --format messages (default), alpaca, sharegpt
//             or prompt-completion (`prompt`: the problem, `completion`: the program).
//   bugfix    one row per killed mutant whose run ended on its own (verdict ok: every case ran
//             and at least one failed; not a timeout, kill or limit). --format standard (the
//             default): prompt, buggy_code, fixed_code, test_code, failing_tests [{name,
//             verdict, message}], bug_kind, diff (unified, buggy → fixed); prompt-completion:
//             `prompt` (the problem, the buggy program fenced and the failing tests with their
//             code and messages: instructions.hpp) and `completion` (the fixed program), with
//             bug_kind; messages: the same as [user, assistant (weight 1)].
//   refactor  one row per kept refactoring. --format standard (the default): prompt,
//             original_code, refactored_code, test_code, refactor_kind; prompt-completion and
//             messages as bugfix's (the user turn asks for the refactoring, named, of the
//             original program; the reply is the refactored one), with refactor_kind.
//   reflexion one row per Reflexion trajectory: prompt, key, steps [{code, verdict,
//             tests_passed, tests_total, feedback, reflection}] (each attempt's run on the
//             visible tests), num_steps, solved, final {verdict, tests_passed, tests_total} (the
//             final code on every test), messages (the conversation); see reflexion.hpp.
//             --format standard only.
//   dpo       one row per preference pair: prompt, chosen, rejected (--format standard:
//             strings, the default; messages: TRL's message lists; sharegpt: LLaMA-Factory's
//             ranking shape, `conversations` [{from: human, value}] and `chosen`/`rejected`
//             {from: gpt, value}; alpaca: `instruction`, `input` "", `chosen`, `rejected`
//             strings), source (samples or reflexion), origin (the chosen answer's),
//             rejected_origin, chosen_tests_passed, rejected_tests_passed, tests_total,
//             rejected_verdict, rejected_feedback {name, message}; see preference.hpp for how
//             pairs are made.
//   kto       one row per distinct program of a problem: prompt, completion, label (bool),
//             source; true for passing solutions (references, model samples) and kept
//             refactorings, false for killed bugs, failed model samples and failed Reflexion
//             attempts (kto.hpp says exactly which); a program with both labels (one normalised
//             tree that passed as one candidate and failed as another) is left out. --format
//             standard (strings, the default) or messages (TRL's conversational lists).
//   tasks     one row per problem whose reference passed: prompt, entry_point, tests, test_setup,
//             test_list, reference, sample_pass_rate, samples, stated_difficulty, source (see
//             tasks.hpp). --format standard only.
// With `with_reasoning` (off by default), the rows built from a model's answer carry the model's
// reasoning before it (llm_calls.reasoning): sft, bugfix and refactor rows a top-level
// `reasoning`, reflexion rows one per step and per assistant message. Every row of those kinds
// has the field then; it is "" for rows no model wrote (references, AST mutants and
// refactorings), and for answers given without reasoning. dpo, kto and tasks rows never have it.
// test_code is self-contained Python (see test_script.hpp): appended to the fixed or refactored
// code it exits 0, appended to the buggy code it exits non-zero.
#pragma once

#include "store/store.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace assay::exports {

enum class Kind { sft, bugfix, refactor, reflexion, dpo, kto, tasks };

[[nodiscard]] Expected<Kind> parse_kind(std::string_view name);
[[nodiscard]] std::string_view to_string(Kind kind);

struct Filters {
    // Keep problems whose mutation score (killed / stored mutants: how well their tests catch
    // bugs) is at least this; problems without a score are dropped when it is set.
    std::optional<double> min_pass_rate;
    std::optional<std::string> language;
    // The bug kind (mutation operator) for bugfix, the refactoring kind for refactor, the
    // candidate kind (solution or refactor) for sft, solved or unsolved for reflexion, the
    // pair's source (samples or reflexion) for dpo, the row's source (solution, refactor, bug,
    // failed_sample, failed_attempt) for kto, the reference's origin (seed or llm) for tasks.
    std::optional<std::string> kind;
};

struct ExportOptions {
    Kind kind = Kind::sft;
    // sft: messages (default), alpaca, sharegpt, prompt-completion; bugfix and refactor:
    // standard (default), prompt-completion, messages; dpo: standard (default), messages,
    // sharegpt, alpaca; kto: standard (default), messages; reflexion and tasks: standard.
    // Empty means the default (format_of).
    std::string format;
    Filters filters;
    bool with_reasoning = false; // the `reasoning` fields (above)
    // Leave out every row of a problem recorded in `exclusions` (decontamination and near-
    // duplicates, pipeline/stages/decontaminate.hpp); false: --no-decontaminate.
    bool decontaminate = true;
    // reflexion: every assistant turn of a solved trace after the first (a reflection and the
    // attempt it led to) is trained too (`weight` 1), not only the passing one.
    bool train_reflections = false;
};

// The format the options ask for, the kind's default when `format` is empty.
[[nodiscard]] std::string format_of(const ExportOptions& options);

// A file an export wrote, as dataset_info.json and the dataset card describe it.
struct ExportedFile {
    std::string file_name; // its name in the directory
    ExportOptions options;
    std::size_t rows = 0;
};

// Checks the options (format valid for the kind, pass rate in [0, 1], --kind one of the values
// the kind knows where that set is closed: sft, reflexion, dpo, kto, tasks).
[[nodiscard]] Expected<void> validate(const ExportOptions& options);

// Files written together: each to a temporary file beside it (`.NAME.tmp-PID`; those a killed
// process left are removed by the next write of NAME), all moved into place by commit(), so a
// failure or a stop before it changes none of them. Destroyed uncommitted, it removes its
// temporary files.
class Staging {
  public:
    Staging() = default;
    Staging(const Staging&) = delete;
    Staging& operator=(const Staging&) = delete;
    ~Staging();
    // Writes the export's rows; returns their number.
    [[nodiscard]] Expected<std::size_t> add_export(store::Store& db, const ExportOptions& options,
                                                   const std::filesystem::path& out);
    [[nodiscard]] Expected<void> add_text(const std::filesystem::path& out,
                                          const std::string& text);
    // Adds `dir`/dataset_info.json, `files`' entries merged into the one there
    // (dataset_card.hpp; one that does not read is bad input naming its line, and nothing is
    // added), and `dir`/README.md, the dataset card of `files` (and, with `keep_others`, of the
    // files the card there described that still exist), unless a README.md without assay's
    // mark is there. `license`: the card's, else the one of the card there, else "other".
    // Returns whether the card was added (false: a person's README.md was left alone).
    [[nodiscard]] Expected<bool> add_dataset_files(store::Store& db,
                                                   const std::filesystem::path& dir,
                                                   const std::vector<ExportedFile>& files,
                                                   const std::optional<std::string>& license,
                                                   bool keep_others);
    [[nodiscard]] Expected<void> commit();

  private:
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> staged_; // temp, out
};

// Writes the rows to `out` through a temporary file in the same directory, renamed into place
// only when complete; returns the number of rows.
[[nodiscard]] Expected<std::size_t> export_jsonl(store::Store& db, const ExportOptions& options,
                                                 const std::filesystem::path& out);

} // namespace assay::exports
