// assay export KIND --db FILE --out FILE [--format NAME] [--min-pass-rate X] [--language L]
//              [--kind K] [--with-reasoning] [--no-decontaminate] [--license ID]
// Beside the file: dataset_info.json (its entry merged in) and the dataset card README.md
// (unless a person wrote the one there), all renamed into place together.
#include "cli/known_values.hpp"
#include "cli/verb.hpp"
#include "export/dataset_card.hpp"
#include "export/export.hpp"
#include "store/exclusions.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <memory>

namespace assay::cli {

namespace {
struct ExportArgs {
    std::string kind;
    std::string db;
    std::string out;
    std::string format;
    std::optional<double> min_pass_rate;
    std::optional<std::string> language;
    std::optional<std::string> bug_kind;
    bool with_reasoning = false;
    bool no_decontaminate = false;
    bool train_reflections = false;
    std::optional<std::string> license;
};

int run_export(const ExportArgs& args) {
    exports::ExportOptions options;
    options.kind = value_or_throw(exports::parse_kind(args.kind));
    options.format = args.format;
    options.filters = {args.min_pass_rate, args.language, args.bug_kind};
    options.with_reasoning = args.with_reasoning;
    options.decontaminate = !args.no_decontaminate;
    options.train_reflections = args.train_reflections;
    value_or_throw(exports::validate(options));
    if (args.license) value_or_throw(exports::check_license(*args.license));
    if (!std::filesystem::exists(args.db)) throw FatalError(Error{"no such database", args.db});
    if (std::filesystem::is_directory(args.out))
        throw FatalError(Error{"--out is a directory: give the JSONL file to write", args.out});
    const std::filesystem::path out(args.out);
    const std::filesystem::path dir = out.has_parent_path() ? out.parent_path() : ".";
    if (out.filename() == "dataset_info.json" || out.filename() == "README.md")
        throw FatalError(Error{"--out names the file the export writes beside the data (the "
                               "dataset_info.json or README.md): give the JSONL file to write",
                               args.out});
    // A dataset_info.json that does not read stops the export before it does any work.
    value_or_throw(exports::read_dataset_info(dir / "dataset_info.json"));
    auto db = value_or_throw(store::Store::open(args.db));
    // Unknown filter values are refused before anything is written; a known one may match nothing.
    if (args.language)
        value_or_throw(
            check_known("--language", *args.language, value_or_throw(known_languages(db))));
    if (args.bug_kind &&
        (options.kind == exports::Kind::bugfix || options.kind == exports::Kind::refactor))
        value_or_throw(check_known(fmt::format("{} --kind", args.kind), *args.bug_kind,
                                   value_or_throw(known_labels(options.kind, db))));
    exports::Staging staging;
    const auto rows = value_or_throw(staging.add_export(db, options, out));
    const bool card = value_or_throw(staging.add_dataset_files(
        db, dir, {{out.filename().string(), options, rows}}, args.license, true));
    value_or_throw(staging.commit());
    fmt::print("{} rows → {}\n", rows, args.out);
    if (!card)
        fmt::print(stderr,
                   "assay: {} was not written by assay: left as it is (the dataset card is "
                   "written only where there is no README.md or assay wrote it)\n",
                   (dir / "README.md").string());
    if (exports::llama_factory_entry({out.filename().string(), options, rows}).is_null())
        fmt::print(stderr,
                   "assay: note: LLaMA-Factory cannot load {} --format {} (TRL's "
                   "conversational lists): no dataset_info.json entry for it\n",
                   args.kind, exports::format_of(options));
    if (options.decontaminate) {
        const auto excluded = value_or_throw(store::excluded_problems(db));
        if (!excluded.empty())
            fmt::print("left out the rows of {} problems recorded as contaminated or "
                       "near-duplicate (assay stats shows the rules; --no-decontaminate keeps "
                       "them)\n",
                       excluded.size());
    }
    if (rows == 0) {
        // An empty file is a valid answer, but rarely the one wanted: say which filter emptied it.
        std::vector<std::string> filters;
        if (args.language) filters.push_back(fmt::format("--language {}", *args.language));
        if (args.bug_kind) filters.push_back(fmt::format("--kind {}", *args.bug_kind));
        if (args.min_pass_rate)
            filters.push_back(fmt::format("--min-pass-rate {}", *args.min_pass_rate));
        fmt::print(stderr, "assay: warning: no {} row in {}{}\n", args.kind, args.db,
                   filters.empty() ? std::string()
                                   : fmt::format(" matched {}", fmt::join(filters, ", ")));
    }
    return static_cast<int>(ExitCode::success);
}
} // namespace

Action configure_export(CLI::App& command) {
    auto args = std::make_shared<ExportArgs>();
    command.add_option("kind", args->kind, "sft, bugfix, refactor, reflexion, dpo, kto or tasks")
        ->required();
    command.add_option("--db", args->db, "the SQLite database")->required();
    command.add_option("--out", args->out, "the JSONL file to write")->required();
    command.add_option("--format", args->format,
                       "sft: messages (default), alpaca, sharegpt, prompt-completion; bugfix, "
                       "refactor: standard (default), prompt-completion, messages; dpo: "
                       "standard (default), messages, sharegpt, alpaca; kto: standard "
                       "(default), messages; reflexion, tasks: standard");
    command.add_option("--min-pass-rate", args->min_pass_rate,
                       "keep problems whose mutation score (killed/stored mutants) is >= X");
    command.add_option("--language", args->language, "keep one language");
    command.add_option("--kind", args->bug_kind,
                       "bugfix: bug kind; refactor: refactoring kind; sft: solution or refactor; "
                       "reflexion: solved or unsolved; dpo: samples or reflexion; kto: solution, "
                       "refactor, bug, failed_sample or failed_attempt; tasks: seed or llm");
    command.add_flag("--with-reasoning", args->with_reasoning,
                     "rows built from a model's answer carry its reasoning (`reasoning`; \"\" "
                     "for rows no model wrote); not for dpo, kto, tasks");
    command.add_flag("--no-decontaminate", args->no_decontaminate,
                     "keep the rows of problems recorded as contaminated or near-duplicate "
                     "(table exclusions)");
    command.add_flag("--train-reflections", args->train_reflections,
                     "reflexion: weight 1 on every assistant turn of a solved trace after the "
                     "first (reflections and the attempts they led to), not only the last");
    command.add_option("--license", args->license,
                       "the dataset card's license id (default: the card's own, else other)");
    return [args] { return run_export(*args); };
}

} // namespace assay::cli
