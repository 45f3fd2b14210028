#include "pipeline/run.hpp"

#include "core/language.hpp"
#include "dataset/problem_files.hpp"
#include "export/dataset_card.hpp"
#include "export/export.hpp"
#include "llm/cache.hpp"
#include "llm/preflight.hpp"
#include "llm/prompts.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/llm_stages.hpp"
#include "pipeline/program_executor.hpp"
#include "pipeline/stages/mutate.hpp"
#include "pipeline/stages/references.hpp"
#include "pipeline/verify.hpp"
#include "report/report.hpp"
#include "store/llm_calls.hpp"
#include "store/store.hpp"
#include "util/interrupt.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>

namespace assay::pipeline {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::array<std::pair<std::string_view, Stage>, 9> kStages{{
    {"instruct", Stage::instruct},
    {"verify", Stage::verify},
    {"mutate", Stage::mutate},
    {"refactor", Stage::refactor},
    {"solve", Stage::solve},
    {"bugs", Stage::bugs},
    {"reflexion", Stage::reflexion},
    {"decontaminate", Stage::decontaminate},
    {"export", Stage::export_datasets},
}};

bool needs_llm(Stage stage) {
    return stage == Stage::instruct || stage == Stage::solve || stage == Stage::bugs ||
           stage == Stage::reflexion;
}

std::string_view stage_name(Stage stage) {
    for (const auto& [name, s] : kStages)
        if (s == stage) return name;
    return "verify";
}

bool has(const std::vector<Stage>& stages, Stage stage) {
    return std::find(stages.begin(), stages.end(), stage) != stages.end();
}

Expected<std::vector<Problem>> load_all(const RunOptions& options) {
    std::vector<Problem> all;
    std::set<std::string> ids;
    for (const fs::path& path : options.problems) {
        if (!fs::exists(path)) return fail_at(path.string(), "no such file or directory");
        const auto format = ASSAY_TRY(dataset::detect_format(path));
        for (Problem& p : ASSAY_TRY(dataset::load_problems(path, format))) {
            if (!ids.insert(p.id).second)
                return fail_at(p.origin_file, "duplicate problem id '{}'", p.id);
            all.push_back(std::move(p));
        }
    }
    return all;
}

// Only the problems in `wanted` (--languages), each of which must be a language under languages/
// that some problem given is in.
Expected<void> keep_languages(std::vector<Problem>& problems,
                              const std::vector<std::string>& wanted) {
    const auto known = ASSAY_TRY(load_languages());
    std::vector<std::string> names;
    names.reserve(known.size());
    for (const Language& l : known)
        names.push_back(l.name);
    for (const std::string& name : wanted) {
        if (std::find(names.begin(), names.end(), name) == names.end())
            return fail("--languages: unknown language '{}' (known: {})", name,
                        fmt::join(names, ", "));
        if (std::none_of(problems.begin(), problems.end(),
                         [&](const Problem& p) { return p.language == name; }))
            return fail("--languages: no problem given is in {}", name);
    }
    std::erase_if(problems, [&](const Problem& p) {
        return std::find(wanted.begin(), wanted.end(), p.language) == wanted.end();
    });
    return {};
}

json decontamination_args(const RunOptions& options) {
    const DecontaminateOptions& d = options.decontamination;
    json benchmarks = json::array();
    for (const fs::path& p : d.benchmarks)
        benchmarks.push_back(fs::absolute(p).lexically_normal().string());
    return {{"benchmarks", benchmarks},
            {"ngram", d.ngram},
            {"prompt_shingle", d.prompt_shingle},
            {"code_shingle", d.code_shingle},
            {"permutations", d.permutations},
            {"benchmark_threshold", d.benchmark_threshold},
            {"word_threshold", d.word_threshold},
            {"dedup_threshold", d.dedup_threshold},
            {"exports", options.decontaminate_exports}};
}

json llm_args(const LlmSettings& l) {
    return {{"url", l.url},
            {"model", l.model},
            {"samples", l.samples},
            {"max_steps", l.max_steps},
            {"new_problems", l.new_problems},
            {"test_replies", l.test_replies},
            {"tests_per_reply", l.tests_per_reply},
            {"bugs", l.bugs},
            {"refactors", l.refactors},
            {"max_similarity", l.max_similarity}};
}

// The run's configuration, as recorded in `runs.args`: what `assay merge` compares between shards
// (all but `problems`, `jobs` and `shard`'s index; store/merge.hpp) and what it decontaminates
// with.
json run_args(const RunOptions& options, const std::string& digest) {
    json stages = json::array();
    for (Stage s : options.stages)
        stages.push_back(stage_name(s));
    json paths = json::array();
    for (const fs::path& p : options.problems)
        paths.push_back(p.string());
    return {{"problems", paths},
            {"stages", stages},
            {"jobs", options.jobs},
            {"limit", options.limit ? json(*options.limit) : json()},
            {"languages", options.languages},
            {"seed", options.seed},
            {"mutants_per_problem", options.mutants_per_problem},
            {"llm", options.llm ? llm_args(*options.llm) : json()},
            {"problems_digest", digest},
            {"shard", options.shard
                          ? json{{"index", options.shard->index}, {"count", options.shard->count}}
                          : json()},
            {"decontamination", decontamination_args(options)}};
}

// Writes every export, LLaMA-Factory's dataset_info.json and the dataset card into `staging`
// (moved into place together by its commit()).
// `base` holds what every export shares (reasoning, decontamination, reflections).
Expected<void> export_all(store::Store& db, const fs::path& out, const exports::ExportOptions& base,
                          exports::Staging& staging, RunSummary& summary) {
    std::vector<exports::ExportedFile> files;
    for (exports::Kind kind :
         {exports::Kind::sft, exports::Kind::bugfix, exports::Kind::refactor,
          exports::Kind::reflexion, exports::Kind::dpo, exports::Kind::kto, exports::Kind::tasks}) {
        const std::string name = fmt::format("{}.jsonl", exports::to_string(kind));
        exports::ExportOptions options = base;
        options.kind = kind;
        summary.exported[name] = ASSAY_TRY(staging.add_export(db, options, out / name));
        files.push_back({name, options, summary.exported[name]});
        if (util::stop_signal() != 0) return util::interrupted();
    }
    if (!ASSAY_TRY(staging.add_dataset_files(db, out, files, std::nullopt, false)))
        fmt::print(stderr, "assay: {} was not written by assay: left as it is\n",
                   (out / "README.md").string());
    return {};
}

} // namespace

Expected<std::vector<Stage>> parse_stages(std::string_view list) {
    std::vector<Stage> out;
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view name = list.substr(0, comma);
        const auto it = std::find_if(kStages.begin(), kStages.end(),
                                     [&](const auto& entry) { return entry.first == name; });
        if (it == kStages.end())
            return fail("unknown stage '{}' (expected instruct, verify, mutate, refactor, solve, "
                        "bugs, reflexion, decontaminate, export)",
                        name);
        if (!has(out, it->second)) out.push_back(it->second);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    if (out.empty()) return fail("no stages given");
    return out;
}

std::vector<Stage> all_stages() {
    std::vector<Stage> out;
    out.reserve(kStages.size());
    for (const auto& [name, stage] : kStages)
        out.push_back(stage);
    return out;
}

std::vector<Stage> offline_stages() {
    return {Stage::verify, Stage::mutate, Stage::refactor, Stage::decontaminate,
            Stage::export_datasets};
}

namespace {

llm::HttpClientOptions client_options(const LlmSettings& s, const std::string& api_key,
                                      std::uint64_t seed) {
    llm::HttpClientOptions o;
    o.base_url = s.url;
    o.api_key = api_key;
    o.max_in_flight = std::max(1, s.concurrency);
    o.timeout = std::chrono::seconds(std::max(1, s.timeout_s));
    o.stall_timeout = std::chrono::seconds(std::max(1, s.stall_timeout_s));
    o.max_attempts = std::max(1, s.max_attempts);
    o.budget = {s.max_calls, s.max_tokens};
    o.jitter_seed = seed + 1;
    return o;
}

// The pre-flight (llm/preflight.hpp), before the run is recorded or any stage runs.
Expected<void> check_server(const RunOptions& options, store::Store& db) {
    const std::string note = ASSAY_TRY(
        llm::preflight(client_options(*options.llm, options.api_key, options.seed),
                       options.llm->model, store::count_llm_calls(db, options.llm->model)));
    if (!note.empty()) std::cerr << "assay: warning: " << note << '\n';
    return {};
}

// The LLM stages after the offline ones, on the problems whose reference passed.
Expected<void> run_llm_stages(const LlmContext& context, const std::vector<Stage>& stages,
                              const std::vector<Target>& targets, LlmSummary& summary) {
    if (has(stages, Stage::solve)) ASSAY_TRY(solve(context, targets, summary));
    if (has(stages, Stage::bugs)) ASSAY_TRY(inject_bugs(context, targets, summary));
    if (has(stages, Stage::refactor)) ASSAY_TRY(refactor(context, targets, summary));
    if (has(stages, Stage::reflexion)) ASSAY_TRY(reflexion(context, targets, summary));
    return {};
}

// Per problem: its reference's verdict, and what its mutants and refactorings came to.
void record_stats(const Driver& driver, const std::vector<Problem>& problems,
                  const std::vector<ReferenceRun>& references,
                  const std::vector<ProblemTally>& tallies, const std::vector<Stage>& stages) {
    driver.commit([&] {
        for (std::size_t i = 0; i < references.size(); ++i) {
            const bool passed = references[i].passed();
            store::ProblemStats stats{problems[i].id, driver.run_id(), passed, "", {}, {}, {}};
            if (!passed) stats.reference_message = failure_reason(references[i].result);
            if (passed && has(stages, Stage::mutate)) {
                stats.mutants_total = tallies[i].killed + tallies[i].survived;
                stats.mutants_killed = tallies[i].killed;
            }
            if (passed && has(stages, Stage::refactor)) stats.refactorings_kept = tallies[i].kept;
            driver.store().put_problem_stats(stats);
        }
    });
}

// verify, mutate and refactor (the syntax layer's refactorings) on seed and new problems, each
// committed when it ends. Returns the references' runs (none when no stage needs them).
Expected<std::vector<ReferenceRun>> run_offline_stages(const Driver& driver,
                                                       const std::vector<Problem>& problems,
                                                       const RunOptions& options,
                                                       RunSummary& summary) {
    summary.problems += static_cast<int>(problems.size());
    const std::vector<Stage>& stages = options.stages;
    if (!std::any_of(stages.begin(), stages.end(), [](Stage s) {
            return s != Stage::instruct && s != Stage::decontaminate && s != Stage::export_datasets;
        })) {
        driver.commit([&] {
            for (const Problem& p : problems)
                driver.store().put_problem(p);
        });
        return std::vector<ReferenceRun>{};
    }
    const auto references = ASSAY_TRY(check_references(driver, problems, summary));
    std::vector<ProblemTally> tallies(problems.size());
    if (has(stages, Stage::mutate))
        ASSAY_TRY(
            mutate(driver, problems, references, {options.mutants_per_problem}, summary, tallies));
    if (has(stages, Stage::refactor))
        ASSAY_TRY(refactor_offline(driver, problems, references, summary, tallies));
    record_stats(driver, problems, references, tallies, stages);
    for (std::size_t i = 0; i < problems.size(); ++i)
        if (const int total = tallies[i].killed + tallies[i].survived; total > 0)
            summary.mutation_scores[problems[i].id] =
                static_cast<double>(tallies[i].killed) / total;
    return references;
}

// The problems of one language, in load order, with that language's descriptor and, for a run
// with a model, its prompts (src/llm/prompts/<language>/).
struct LanguageGroup {
    const Language* language = nullptr;
    std::vector<Problem> problems;
    std::optional<llm::PromptBook> prompts;
};

// Each language's problems, by language name; every problem moves into its group.
std::vector<LanguageGroup> group_by_language(std::vector<Problem>& problems,
                                             const std::map<std::string, Language>& languages) {
    std::vector<LanguageGroup> groups;
    for (const auto& [name, language] : languages) {
        LanguageGroup group{&language, {}};
        for (Problem& p : problems)
            if (p.language == name) group.problems.push_back(std::move(p));
        groups.push_back(std::move(group));
    }
    problems.clear();
    return groups;
}

// Every stage but decontaminate and export, on one language's problems: instruct first, then the
// offline stages on seed and new problems, then the other LLM stages on the passing references.
// With a shard, only the seed problems it owns, and the new problems of the instruct requests it
// owns (pipeline/shard.hpp); instruct still sees every seed. `prior`: the problems stored before
// the run began.
Expected<void> run_language(const RunOptions& options, LanguageGroup& group,
                            const std::vector<Problem>& prior, llm::CachingClient* client,
                            store::Store& db, RunSummary& summary, LlmSummary& llm_summary) {
    const Language& language = *group.language;
    std::vector<Problem> problems =
        options.shard ? owned(group.problems, *options.shard) : group.problems;
    const auto executor = make_executor(language, options.jobs, options.allow_weak_jail);
    const Driver driver(db, *executor, language, client,
                        {summary.run_id, options.seed, options.progress});
    std::optional<LlmContext> context;
    if (options.llm) {
        context.emplace(LlmContext{driver, *group.prompts, *options.llm});
        if (has(options.stages, Stage::instruct)) {
            const InstructScope scope{prior, options.shard.value_or(Shard{})};
            auto made = ASSAY_TRY(instruct(*context, group.problems, scope, llm_summary));
            std::move(made.begin(), made.end(), std::back_inserter(problems));
        }
    }
    const auto references = ASSAY_TRY(run_offline_stages(driver, problems, options, summary));
    RunSummary::LanguageCounts& counts = summary.languages[language.name];
    counts.problems += static_cast<int>(problems.size());
    counts.references_passed += static_cast<int>(std::count_if(
        references.begin(), references.end(), [](const ReferenceRun& r) { return r.passed(); }));
    if (context) {
        std::vector<Target> targets;
        for (std::size_t i = 0; i < references.size(); ++i)
            if (references[i].passed())
                targets.push_back(
                    {&problems[i], references[i].candidate, references[i].result.cpu_ms});
        ASSAY_TRY(run_llm_stages(*context, options.stages, targets, llm_summary));
    }
    return {};
}

// The stages and the export of a run recorded in `db` (summary.run_id), which they mark done:
// each language's problems in turn (by name), then decontamination and the exports over all.
Expected<void> run_recorded(const RunOptions& options, std::vector<LanguageGroup>& groups,
                            const std::vector<Problem>& benchmarks, store::Store& db,
                            RunSummary& summary) {
    const auto started = std::chrono::steady_clock::now();
    std::unique_ptr<llm::HttpClient> http;
    std::optional<llm::CachingClient> client;
    if (options.llm) {
        http = ASSAY_TRY(
            llm::HttpClient::create(client_options(*options.llm, options.api_key, options.seed)));
        client.emplace(*http, db);
    }
    LlmSummary llm_summary;
    const std::vector<Problem> prior = db.problems();
    for (LanguageGroup& group : groups)
        ASSAY_TRY(run_language(options, group, prior, client ? &*client : nullptr, db, summary,
                               llm_summary));
    if (options.llm) {
        llm_summary.http_requests = http->calls_made();
        llm_summary.cache_hits = client->hits();
        summary.llm = llm_summary;
    }
    // A stage that ran out of work because of SIGINT/SIGTERM (a batch of failed calls) does not
    // count as done: no export from part of the work.
    if (util::stop_signal() != 0) return util::interrupted();
    if (has(options.stages, Stage::decontaminate))
        ASSAY_TRY(decontaminate(db, summary.run_id, benchmarks, options.decontamination, summary));
    // The exports and run_summary.json are written beside their places and moved there
    // together, only when all are written and no stop came: never a mix of two runs' files.
    exports::Staging staging;
    const bool exporting = has(options.stages, Stage::export_datasets);
    if (exporting) {
        std::error_code ignored;
        fs::create_directories(options.out, ignored);
        exports::ExportOptions base;
        base.with_reasoning = options.with_reasoning;
        base.decontaminate = options.decontaminate_exports;
        base.train_reflections = options.train_reflections;
        ASSAY_TRY(export_all(db, options.out, base, staging, summary));
    }
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (exporting) {
        // The report sees the run as it ends: its summary stands in for the one not yet stored.
        const std::string html = ASSAY_TRY(
            report::build(db, report::FinishingRun{summary.run_id, summary.to_json().dump()}));
        ASSAY_TRY(staging.add_text(options.out / "report.html", html));
        ASSAY_TRY(
            staging.add_text(options.out / "run_summary.json", summary.to_json().dump(2) + "\n"));
    }
    if (util::stop_signal() != 0) return util::interrupted();
    ASSAY_TRY(staging.commit());
    // The run is over: its journal of unrecorded results is no longer needed.
    db.transaction([&] {
        db.finish_run(summary.run_id, "done", summary.to_json().dump());
        db.clear_journal(summary.run_id);
    });
    return {};
}

// A run that ended in an error is `interrupted` (SIGINT/SIGTERM) or `failed`, with the error.
// Best effort: the error may be the database's own.
void record_end(store::Store& db, std::int64_t run, const Error& error) {
    try {
        const json summary = {{"error", error.describe()}};
        db.transaction([&] {
            db.finish_run(run, error.kind == ErrorKind::interrupted ? "interrupted" : "failed",
                          summary.dump());
        });
    } catch (const FatalError&) {
    }
}

Expected<RunSummary> run_stages(const RunOptions& options) {
    std::vector<Problem> problems = ASSAY_TRY(load_all(options));
    if (!options.languages.empty()) ASSAY_TRY(keep_languages(problems, options.languages));
    if (options.limit && problems.size() > *options.limit) problems.resize(*options.limit);
    const std::string digest = problems_digest(problems);
    const auto languages = ASSAY_TRY(languages_of(problems));
    std::vector<LanguageGroup> groups = group_by_language(problems, languages);
    if (options.llm) {
        if (options.llm->url.empty()) return fail("--llm-url is empty");
        if (options.llm->model.empty()) return fail("--model is required with --llm-url");
        for (LanguageGroup& group : groups)
            group.prompts = ASSAY_TRY(llm::language_prompts(group.language->name));
    } else {
        for (Stage stage : options.stages)
            if (needs_llm(stage))
                return fail("stage '{}' needs an LLM: give --llm-url and --model",
                            stage_name(stage));
    }
    std::vector<Problem> benchmarks;
    if (has(options.stages, Stage::decontaminate))
        benchmarks = ASSAY_TRY(load_benchmarks(options.decontamination));
    // The exports merge their entries into the dataset_info.json there: one that does not read
    // is bad input, found before any work.
    if (has(options.stages, Stage::export_datasets))
        ASSAY_TRY(exports::read_dataset_info(options.out / "dataset_info.json"));

    std::error_code ignored;
    if (options.db.has_parent_path()) fs::create_directories(options.db.parent_path(), ignored);
    auto db = ASSAY_TRY(store::Store::open(options.db));
    if (options.llm) ASSAY_TRY(check_server(options, db));
    RunSummary summary;
    db.transaction([&] {
        summary.runs_died = db.mark_dead_runs();
        summary.run_id = db.begin_run("run", run_args(options, digest).dump());
    });
    const auto done =
        catching_fatal([&] { return run_recorded(options, groups, benchmarks, db, summary); });
    if (!done) {
        record_end(db, summary.run_id, done.error());
        return Unexpected(done.error());
    }
    return summary;
}

} // namespace

Expected<RunSummary> run(const RunOptions& options) {
    // A store writer ends the command when a statement fails (a full disk, a database locked or
    // damaged under the run); here that becomes the error returned, naming the database.
    return catching_fatal([&] { return run_stages(options); });
}

} // namespace assay::pipeline
