// assay run [--problems PATH]... [--db FILE] [--out DIR] [--llm-url URL --model NAME]
//           [--stages LIST] [--jobs N] [--limit N] [--seed N] [--config FILE]
//           [LLM and offline knobs]
// Offline without an LLM; with --llm-url (or $ASSAY_LLM_URL, or $OPENAI_BASE_URL when --model is
// given; key from $ASSAY_API_KEY or $OPENAI_API_KEY) every stage, the LLM ones included.
#include "cli/run_config.hpp"
#include "cli/verb.hpp"
#include "llm/client.hpp"
#include "pipeline/run.hpp"
#include "util/interrupt.hpp"
#include "util/string.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <unistd.h>

namespace assay::cli {

namespace {
struct RunArgs {
    std::string config; // a TOML file of options (run_config.hpp); empty: none
    std::vector<std::string> problems;
    std::string db = "out/assay.db";
    std::string out = "out";
    std::string stages;    // empty: every stage with an LLM, the offline ones without
    std::string languages; // comma-separated; empty: every language of the problems given
    std::string llm_url;
    std::string model;
    pipeline::LlmSettings llm;
    int jobs = 2;
    std::optional<std::size_t> limit;
    std::string shard;                 // "I/N"; empty: see shards
    std::optional<std::size_t> shards; // N, the index from the array job's environment
    std::uint64_t seed = 0;
    std::size_t mutants_per_problem = 8;
    bool json = false;
    bool allow_weak_jail = false;
    bool with_reasoning = false;
    bool train_reflections = false;
    bool no_decontaminate = false;
    std::vector<std::string> benchmarks; // empty: pipeline::default_benchmarks()
    pipeline::DecontaminateOptions decontamination;
};

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

// --llm-url, else $ASSAY_LLM_URL, else (when --model asks for an LLM) $OPENAI_BASE_URL, else ""
// (offline). $OPENAI_BASE_URL alone does not make a run an LLM run: it is often set for other
// tools.
std::string llm_url(const RunArgs& args) {
    if (!args.llm_url.empty()) return args.llm_url;
    if (std::string url = env("ASSAY_LLM_URL"); !url.empty()) return url;
    return args.model.empty() ? std::string() : env("OPENAI_BASE_URL");
}

void check_llm(const RunArgs& args, const std::string& url) {
    auto bad = [](std::string message) { throw FatalError(Error{std::move(message), {}}); };
    if (url.empty()) {
        if (!args.model.empty())
            bad("--model needs an LLM: give --llm-url (or ASSAY_LLM_URL or OPENAI_BASE_URL)");
        return;
    }
    if (const auto checked = llm::check_base_url(url); !checked)
        bad(fmt::format("--llm-url {}", checked.error().message));
    if (args.model.empty()) bad("--llm-url needs --model (the model name the server serves)");
    const pipeline::LlmSettings& l = args.llm;
    if (l.concurrency < 1) bad("--llm-concurrency must be at least 1");
    if (l.stall_timeout_s < 1) bad("--llm-stall-timeout must be at least 1 (seconds)");
    if (l.samples < 0 || l.test_replies < 0 || l.bugs < 0 || l.refactors < 0)
        bad("--samples, --test-replies, --bugs-per-problem and --refactors-per-problem must "
            "not be negative");
    if (l.max_steps < 1) bad("--max-steps must be at least 1");
    if (l.max_similarity <= 0 || l.max_similarity > 1) bad("--max-similarity must be in (0, 1]");
}

// A path the run will create or write: `what` (a flag) must be, or be creatable as, `kind` in
// a directory this process can write. Checked before any work; nothing is created.
void check_writable(const char* what, const std::filesystem::path& path, bool directory) {
    namespace fs = std::filesystem;
    const auto bad = [&](const std::string& why) {
        throw FatalError(Error{fmt::format("{} {}: {}", what, path.string(), why), {}});
    };
    std::error_code error;
    if (fs::exists(path, error)) {
        if (directory != fs::is_directory(path, error))
            bad(directory ? "not a directory" : "is a directory, not a database file");
        if (::access(path.c_str(), W_OK) != 0)
            bad(fmt::format("not writable: {}", std::strerror(errno)));
        return;
    }
    fs::path ancestor = fs::absolute(path, error).parent_path();
    while (!ancestor.empty() && !fs::exists(ancestor, error) && ancestor != ancestor.parent_path())
        ancestor = ancestor.parent_path();
    if (!fs::is_directory(ancestor, error))
        bad(fmt::format("cannot be created: {} is not a directory", ancestor.string()));
    if (::access(ancestor.c_str(), W_OK | X_OK) != 0)
        bad(fmt::format("cannot be created in {}: {}", ancestor.string(), std::strerror(errno)));
}

std::optional<std::string> environment(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

// --shard I/N, else --shards N with the index from a Slurm array or Kubernetes Indexed Job.
std::optional<pipeline::Shard> shard_of(const RunArgs& args) {
    if (!args.shard.empty()) {
        if (args.shards) throw FatalError(Error{"give --shard I/N or --shards N, not both", {}});
        return value_or_throw(pipeline::parse_shard(args.shard));
    }
    if (!args.shards) return std::nullopt;
    return value_or_throw(pipeline::shard_from_environment(*args.shards, environment));
}

int run_run(const RunArgs& args) {
    const std::string url = llm_url(args);
    check_llm(args, url);
    check_writable("--db", args.db, false);
    check_writable("--out", args.out, true);
    pipeline::RunOptions options;
    if (!url.empty()) {
        options.llm = args.llm;
        options.llm->url = url;
        options.llm->model = args.model;
        options.api_key = llm::api_key_from_env();
    }
    if (!args.problems.empty()) options.problems.assign(args.problems.begin(), args.problems.end());
    options.db = args.db;
    options.out = args.out;
    options.stages = args.stages.empty()
                         ? (url.empty() ? pipeline::offline_stages() : pipeline::all_stages())
                         : value_or_throw(pipeline::parse_stages(args.stages));
    options.jobs = args.jobs;
    options.limit = args.limit;
    for (std::string_view rest = args.languages; !rest.empty();) {
        const std::size_t comma = rest.find(',');
        if (const std::string name = util::trimmed(rest.substr(0, comma)); !name.empty())
            options.languages.push_back(name);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    options.seed = args.seed;
    options.shard = shard_of(args);
    options.mutants_per_problem = args.mutants_per_problem;
    options.allow_weak_jail = args.allow_weak_jail;
    options.with_reasoning = args.with_reasoning;
    options.train_reflections = args.train_reflections;
    options.decontamination = args.decontamination;
    if (args.benchmarks.empty())
        options.decontamination.benchmarks = pipeline::default_benchmarks();
    else
        options.decontamination.benchmarks.assign(args.benchmarks.begin(), args.benchmarks.end());
    if (args.no_decontaminate) {
        std::erase(options.stages, pipeline::Stage::decontaminate);
        options.decontaminate_exports = false;
    }
    options.progress = true;
    util::install_stop_handlers();
    auto ran = pipeline::run(options);
    if (!ran && ran.error().kind == ErrorKind::interrupted) {
        fmt::print(stderr,
                   "assay: {}: stopped; every finished job and answered LLM call is kept in {}\n"
                   "assay: to resume, run the same command again: {}\n",
                   ran.error().message, options.db.string(), command_line());
        return static_cast<int>(ran.error().exit_code());
    }
    const auto summary = value_or_throw(std::move(ran));
    if (args.json)
        fmt::print("{}\n", summary.to_json().dump());
    else
        fmt::print("{}", summary.describe());
    if (summary.problems > 0 &&
        summary.references_failed.size() == static_cast<std::size_t>(summary.problems)) {
        fmt::print(stderr, "assay: error: no reference solution passed its tests (the FAIL lines "
                           "above say why): there is nothing to build data on\n");
        return static_cast<int>(ExitCode::work_failed);
    }
    if (summary.llm && summary.llm->failed() > 0) {
        // Failed calls are never recorded as data: the rows are right, some are missing.
        fmt::print(stderr,
                   "assay: warning: {} of {} LLM requests failed after every retry; a rerun "
                   "asks them again (first: {})\n",
                   summary.llm->failed(), summary.llm->requests(), summary.llm->first_error);
        if (summary.llm->failed() == summary.llm->requests()) {
            fmt::print(stderr, "assay: error: no LLM request succeeded\n");
            return static_cast<int>(ExitCode::work_failed);
        }
    }
    return static_cast<int>(ExitCode::success);
}
// The options of the file that hold paths, and the one that takes a comma-separated list.
constexpr std::array<std::string_view, 4> kPathKeys{"problems", "db", "out", "benchmarks"};
constexpr std::array<std::string_view, 2> kCommaKeys{"stages", "languages"};

// `run --help` ends with what each stage does, so the LLM ones read as part of the main job.
constexpr const char* kStagesHelp = R"(Stages (--stages; in run order):
  instruct   LLM: new problems by Self-Instruct and Evol-Instruct of the seed problems, each
             kept when its reference passes its own tests and it is unlike the known ones
  verify     each problem's reference solution against its own tests, in the jail
  mutate     AST mutation operators on each passing reference; a mutant a test catches is a
             bug/fix pair
  refactor   rewrites of each passing reference kept when every test still passes: AST
             refactorings, and with an LLM the model's
  solve      LLM: sampled solutions per problem (pass rate = difficulty, pairs for dpo) and
             model-written tests chosen by agreement with the samples
  bugs       LLM: realistic bugs by category, kept when a test catches them
  reflexion  LLM: repair traces: attempt, test feedback, reflection, new attempt, until solved
             or --max-steps
  decontaminate  leave out of the exports the problems that copy or nearly copy a benchmark
             (--benchmarks) and all but one of each cluster of near-duplicate problems
  export     write sft, bugfix, refactor, reflexion, dpo, kto and tasks .jsonl to --out,
             with dataset_info.json (LLaMA-Factory) and a dataset card README.md
Without an LLM the default is verify,mutate,refactor,decontaminate,export; with --llm-url, every stage.
--config FILE: a TOML file whose keys are the long options above without -- (limit = 3,
problems = ["bank"], json = true); options on the command line win; relative paths in the
file are taken from the file's directory.)";

Expected<void> check_stages(const std::string& list) {
    ASSAY_TRY(pipeline::parse_stages(list));
    return {};
}
} // namespace

Action configure_run(CLI::App& command) {
    auto args = std::make_shared<RunArgs>();
    command.footer(kStagesHelp);
    command.add_option("--config", args->config,
                       "a TOML file of these options (keys: the long names without --); the "
                       "command line overrides it");
    command.add_option("--problems", args->problems,
                       "problem files or directories (repeatable; default: problems)");
    command.add_option("--db", args->db, "the SQLite database (default: out/assay.db)");
    command.add_option("--out", args->out, "where the datasets go (default: out)");
    command
        .add_option("--stages", args->stages,
                    "comma-separated: instruct,verify,mutate,refactor,solve,bugs,reflexion,"
                    "export (default: all with an LLM, the offline four without; see below)")
        ->check(CLI::Validator(
            [](std::string& list) {
                const auto parsed = check_stages(list);
                return parsed ? std::string() : parsed.error().message;
            },
            ""));
    command.add_option("--jobs,-j", args->jobs, "jailed workers in parallel (default: 2)")
        ->check(at_least_one());
    command.add_option("--limit", args->limit, "only the first N problems");
    command.add_option("--languages", args->languages,
                       "only the problems in these languages, e.g. cpp,javascript (default: "
                       "every language of the problems given)");
    command.add_option("--seed", args->seed, "chooses the mutants; same seed, same rows");
    command.add_option("--shard", args->shard,
                       "I/N: only the work shard I (from 0) of N owns, by problem id; merge the "
                       "shards' databases with `assay merge`");
    command.add_option("--shards", args->shards,
                       "N shards, this one's index from $SLURM_ARRAY_TASK_ID (a Slurm array) "
                       "or $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)");
    command.add_option("--mutants-per-problem", args->mutants_per_problem,
                       "mutants sampled per reference (default: 8)");
    command.add_option("--llm-url", args->llm_url,
                       "OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (or ASSAY_LLM_URL, "
                       "or OPENAI_BASE_URL with --model)");
    command.add_option("--model", args->model, "the model name the server serves");
    pipeline::LlmSettings& l = args->llm;
    command.add_option("--llm-concurrency", l.concurrency, "LLM requests in flight (default: 8)");
    command.add_option("--max-llm-calls", l.max_calls,
                       "HTTP requests to the LLM over the run, retries included (default: no cap)");
    command.add_option("--max-tokens", l.max_tokens,
                       "prompt + completion tokens over the run (default: no cap)");
    command.add_option("--llm-timeout", l.timeout_s, "seconds per request attempt (default: 120)");
    command.add_option("--llm-stall-timeout", l.stall_timeout_s,
                       "seconds a started reply may go at under a byte a second before the "
                       "attempt fails (default: 30)");
    command.add_option("--llm-attempts", l.max_attempts,
                       "attempts per request, with backoff (default: 5)");
    command.add_option("--new-problems", l.new_problems,
                       "problems to ask for (default: half the seed problems, at least 2)");
    command.add_option("--samples", l.samples, "sampled solutions per problem (default: 4)");
    command.add_option("--test-replies", l.test_replies,
                       "replies asked for unit tests per problem (default: 2)");
    command.add_option("--bugs-per-problem", l.bugs, "LLM bug injections per problem (default: 2)");
    command.add_option("--refactors-per-problem", l.refactors,
                       "LLM refactorings per problem (default: 1)");
    command.add_option("--max-steps", l.max_steps, "Reflexion attempts per trace (default: 4)");
    command.add_option("--max-similarity", l.max_similarity,
                       "reject a new problem this similar to a known one (default: 0.5)");
    command.add_flag("--with-reasoning", args->with_reasoning,
                     "the exports carry the model's reasoning before each answer (`reasoning`)");
    command.add_flag("--train-reflections", args->train_reflections,
                     "reflexion.jsonl: weight 1 on every assistant turn of a solved trace after "
                     "the first (reflections and the attempts they led to), not only the last");
    command.add_flag("--json", args->json, "print the summary as one JSON object");
    command.add_flag("--allow-weak-jail", args->allow_weak_jail,
                     "run even where the host cannot create namespaces (weaker isolation)");
    pipeline::DecontaminateOptions& d = args->decontamination;
    command.add_flag("--no-decontaminate", args->no_decontaminate,
                     "skip the decontaminate stage and export every row");
    command.add_option("--benchmarks", args->benchmarks,
                       "benchmark files to decontaminate against (default: HumanEval, MBPP and "
                       "HumanEval-X in ../shared/data, those present)");
    command.add_option("--ngram-size", d.ngram,
                       "words per n-gram of the benchmark overlap rules (default: 10)");
    command.add_option("--prompt-shingle", d.prompt_shingle,
                       "words per MinHash shingle of a prompt (default: 3)");
    command.add_option("--code-shingle", d.code_shingle,
                       "tokens per MinHash shingle of a program (default: 5)");
    command.add_option("--benchmark-threshold", d.benchmark_threshold,
                       "drop a prompt this similar (Jaccard) to a benchmark prompt (default: 0.3)");
    command.add_option("--word-threshold", d.word_threshold,
                       "drop a prompt whose content words are this similar (IDF-weighted "
                       "Jaccard) to a benchmark prompt's (default: 0.3)");
    command.add_option("--dedup-threshold", d.dedup_threshold,
                       "near-duplicate problems: keep one of those this similar (default: 0.7)");
    return [args, &command] {
        // Before any check or work: the file's values fill what the command line left unset.
        if (!args->config.empty())
            value_or_throw(apply_config(command, args->config, {kPathKeys, kCommaKeys}));
        return run_run(*args);
    };
}

} // namespace assay::cli
