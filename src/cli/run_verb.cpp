// assay run [--problems PATH]... [--db FILE] [--out DIR] [--stages LIST] [--jobs N] [--limit N]
//           [--seed N] [--mutants-per-problem N] [--json] [--allow-weak-jail]
// Offline only for now: --llm-url / ASSAY_LLM_URL is refused (the LLM pipeline comes later).
#include "cli/verb.hpp"
#include "pipeline/run.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <memory>
#include <unistd.h>

namespace assay::cli {

namespace {
struct RunArgs {
    std::vector<std::string> problems;
    std::string db = "out/assay.db";
    std::string out = "out";
    std::string stages = "verify,mutate,refactor,export";
    std::string llm_url;
    std::string model;
    int jobs = 2;
    std::optional<std::size_t> limit;
    std::uint64_t seed = 0;
    std::size_t mutants_per_problem = 8;
    bool json = false;
    bool allow_weak_jail = false;
};

void refuse_llm(const RunArgs& args) {
    const char* env = std::getenv("ASSAY_LLM_URL");
    if (args.llm_url.empty() && (env == nullptr || *env == '\0')) return;
    throw FatalError(ExitCode::bad_input,
                     Error{"the LLM pipeline is not built yet: `assay run` works offline only "
                           "(drop --llm-url and unset ASSAY_LLM_URL)",
                           {}});
}

int run_run(const RunArgs& args) {
    refuse_llm(args);
    pipeline::RunOptions options;
    if (!args.problems.empty()) options.problems.assign(args.problems.begin(), args.problems.end());
    options.db = args.db;
    options.out = args.out;
    options.stages = value_or_throw(pipeline::parse_stages(args.stages), ExitCode::bad_input);
    options.jobs = std::max(1, args.jobs);
    options.limit = args.limit;
    options.seed = args.seed;
    options.mutants_per_problem = args.mutants_per_problem;
    options.allow_weak_jail = args.allow_weak_jail;
    options.progress = true;
    const auto summary = value_or_throw(pipeline::run(options), ExitCode::bad_input);
    if (args.json)
        fmt::print("{}\n", summary.to_json().dump());
    else
        fmt::print("{}", summary.describe());
    return static_cast<int>(ExitCode::success);
}
} // namespace

Action configure_run(CLI::App& command) {
    auto args = std::make_shared<RunArgs>();
    command.add_option("--problems", args->problems,
                       "problem files or directories (repeatable; default: problems)");
    command.add_option("--db", args->db, "the SQLite database (default: out/assay.db)");
    command.add_option("--out", args->out, "where the datasets go (default: out)");
    command.add_option("--stages", args->stages,
                       "comma-separated: verify,mutate,refactor,export (default: all)");
    command.add_option("--jobs,-j", args->jobs, "jailed workers in parallel (default: 2)");
    command.add_option("--limit", args->limit, "only the first N problems");
    command.add_option("--seed", args->seed, "chooses the mutants; same seed, same rows");
    command.add_option("--mutants-per-problem", args->mutants_per_problem,
                       "mutants sampled per reference (default: 8)");
    command.add_option("--llm-url", args->llm_url, "OpenAI-compatible server (not built yet)");
    command.add_option("--model", args->model, "model name for --llm-url (not built yet)");
    command.add_flag("--json", args->json, "print the summary as one JSON object");
    command.add_flag("--allow-weak-jail", args->allow_weak_jail,
                     "run even where the host cannot create namespaces (weaker isolation)");
    return [args] { return run_run(*args); };
}

} // namespace assay::cli
