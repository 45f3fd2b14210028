// Dataset exports (ARCHITECTURE.md "Store": exports are queries over the record): JSONL, one object
// per line, each with `origin` (seed: written by a person; mutation: made by an AST operator; llm:
// made by the pipeline's model; sample: a model's answer imported by verify --solutions),
// `problem_id` and `language`. A candidate passes when its standing (the newest execution of its
// code on every test of its problem, store/readers.hpp) passed.
//   sft       one row per passing solution (references, model samples, and refactorings as
//             extra rows with kind "refactor"); --format messages (default), alpaca or sharegpt.
//   bugfix    one row per killed mutant whose run ended on its own (verdict ok: every case ran
//             and at least one failed; not a timeout, kill or limit): prompt, buggy_code,
//             fixed_code, test_code, failing_tests [{name, verdict, message}], bug_kind, diff
//             (unified, buggy → fixed).
//   refactor  one row per kept refactoring: prompt, original_code, refactored_code, test_code,
//             refactor_kind.
//   reflexion one row per Reflexion trajectory: prompt, key, steps [{code, verdict,
//             tests_passed, tests_total, feedback, reflection}] (each attempt's run on the
//             visible tests), num_steps, solved, final {verdict, tests_passed, tests_total} (the
//             final code on every test), messages (the conversation); see reflexion.hpp.
//   dpo       one row per preference pair: prompt, chosen, rejected (--format standard: strings,
//             the default; messages: message lists), source (samples or reflexion), origin
//             (the chosen answer's), rejected_origin, chosen_tests_passed,
//             rejected_tests_passed, tests_total, rejected_verdict, rejected_feedback {name,
//             message}; see preference.hpp for how pairs are made.
// With `with_reasoning` (off by default), the rows built from a model's answer carry the model's
// reasoning before it (llm_calls.reasoning): sft, bugfix and refactor rows a top-level
// `reasoning`, reflexion rows one per step and per assistant message. Every row of those kinds
// has the field then; it is "" for rows no model wrote (references, AST mutants and
// refactorings), and for answers given without reasoning. dpo rows never have it.
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

enum class Kind { sft, bugfix, refactor, reflexion, dpo };

[[nodiscard]] Expected<Kind> parse_kind(std::string_view name);
[[nodiscard]] std::string_view to_string(Kind kind);

struct Filters {
    // Keep problems whose mutation score (killed / stored mutants: how well their tests catch
    // bugs) is at least this; problems without a score are dropped when it is set.
    std::optional<double> min_pass_rate;
    std::optional<std::string> language;
    // The bug kind (mutation operator) for bugfix, the refactoring kind for refactor, the
    // candidate kind (solution or refactor) for sft, solved or unsolved for reflexion, and the
    // pair's source (samples or reflexion) for dpo.
    std::optional<std::string> kind;
};

struct ExportOptions {
    Kind kind = Kind::sft;
    // sft: messages (default), alpaca, sharegpt; dpo: standard (default), messages; others:
    // jsonl only. Empty means the default.
    std::string format;
    Filters filters;
    bool with_reasoning = false; // the `reasoning` fields (above)
    // Leave out every row of a problem recorded in `exclusions` (decontamination and near-
    // duplicates, pipeline/stages/decontaminate.hpp); false: --no-decontaminate.
    bool decontaminate = true;
};

// Checks the options (format valid for the kind, pass rate in [0, 1], --kind one of the values
// the kind knows where that set is closed: sft, reflexion, dpo).
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
    [[nodiscard]] Expected<void> commit();

  private:
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> staged_; // temp, out
};

// Writes the rows to `out` through a temporary file in the same directory, renamed into place
// only when complete; returns the number of rows.
[[nodiscard]] Expected<std::size_t> export_jsonl(store::Store& db, const ExportOptions& options,
                                                 const std::filesystem::path& out);

} // namespace assay::exports
