// assay export KIND --db FILE --out FILE [--format NAME] [--min-pass-rate X] [--language L]
//              [--kind K] [--with-reasoning] [--no-decontaminate]
#include "cli/known_values.hpp"
#include "cli/verb.hpp"
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
};

int run_export(const ExportArgs& args) {
    exports::ExportOptions options;
    options.kind = value_or_throw(exports::parse_kind(args.kind));
    options.format = args.format;
    options.filters = {args.min_pass_rate, args.language, args.bug_kind};
    options.with_reasoning = args.with_reasoning;
    options.decontaminate = !args.no_decontaminate;
    value_or_throw(exports::validate(options));
    if (!std::filesystem::exists(args.db)) throw FatalError(Error{"no such database", args.db});
    if (std::filesystem::is_directory(args.out))
        throw FatalError(Error{"--out is a directory: give the JSONL file to write", args.out});
    auto db = value_or_throw(store::Store::open(args.db));
    // Unknown filter values are refused before anything is written; a known one may match nothing.
    if (args.language)
        value_or_throw(
            check_known("--language", *args.language, value_or_throw(known_languages(db))));
    if (args.bug_kind &&
        (options.kind == exports::Kind::bugfix || options.kind == exports::Kind::refactor))
        value_or_throw(check_known(fmt::format("{} --kind", args.kind), *args.bug_kind,
                                   value_or_throw(known_labels(options.kind, db))));
    const auto rows = value_or_throw(exports::export_jsonl(db, options, args.out));
    fmt::print("{} rows → {}\n", rows, args.out);
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
    command.add_option("kind", args->kind, "sft, bugfix, refactor, reflexion or dpo")->required();
    command.add_option("--db", args->db, "the SQLite database")->required();
    command.add_option("--out", args->out, "the JSONL file to write")->required();
    command.add_option("--format", args->format,
                       "sft: messages (default), alpaca, sharegpt; dpo: standard (default), "
                       "messages");
    command.add_option("--min-pass-rate", args->min_pass_rate,
                       "keep problems whose mutation score (killed/stored mutants) is >= X");
    command.add_option("--language", args->language, "keep one language");
    command.add_option("--kind", args->bug_kind,
                       "bugfix: bug kind; refactor: refactoring kind; sft: solution or refactor; "
                       "reflexion: solved or unsolved; dpo: samples or reflexion");
    command.add_flag("--with-reasoning", args->with_reasoning,
                     "rows built from a model's answer carry its reasoning (`reasoning`; \"\" "
                     "for rows no model wrote); not for dpo");
    command.add_flag("--no-decontaminate", args->no_decontaminate,
                     "keep the rows of problems recorded as contaminated or near-duplicate "
                     "(table exclusions)");
    return [args] { return run_export(*args); };
}

} // namespace assay::cli
