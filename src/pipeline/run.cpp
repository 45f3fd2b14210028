#include "pipeline/run.hpp"

#include "core/language.hpp"
#include "dataset/problem_files.hpp"
#include "export/export.hpp"
#include "llm/cache.hpp"
#include "llm/prompts.hpp"
#include "pipeline/batch.hpp"
#include "pipeline/verify.hpp"
#include "store/store.hpp"
#include "syntax/ast_hash.hpp"
#include "syntax/mutate.hpp"
#include "syntax/refactor.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>

namespace assay::pipeline {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::array<std::pair<std::string_view, Stage>, 8> kStages{{
    {"instruct", Stage::instruct},
    {"verify", Stage::verify},
    {"mutate", Stage::mutate},
    {"refactor", Stage::refactor},
    {"solve", Stage::solve},
    {"bugs", Stage::bugs},
    {"reflexion", Stage::reflexion},
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

// A program derived from a problem's reference: a mutant or a refactoring.
struct Derived {
    std::size_t problem = 0; // index into the run's problems
    store::CandidateKind kind = store::CandidateKind::bug;
    std::string label; // operator or refactoring kind
    std::string code;
    json meta;
};

// Everything the stages ran, in a deterministic order (problem order, then generation order).
struct Outcomes {
    std::vector<Executed> references; // one per problem (empty when verify did not run)
    std::vector<Derived> mutants;
    std::vector<Executed> mutant_runs;
    std::vector<Derived> refactors;
    std::vector<Executed> refactor_runs;
};

enum class Fate { killed, survived, errored };

Fate fate_of(const sandbox::JobResult& result) {
    if (result.verdict == Verdict::internal_error) return Fate::errored;
    return result.all_passed() ? Fate::survived : Fate::killed;
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
    if (options.limit && all.size() > *options.limit) all.resize(*options.limit);
    return all;
}

// FNV-1a, so that each problem gets its own stable mutant sample for one --seed.
std::uint64_t problem_seed(std::uint64_t seed, std::string_view id) {
    std::uint64_t h = 14695981039346656037ULL ^ seed;
    for (unsigned char c : id)
        h = (h ^ c) * 1099511628211ULL;
    return h;
}

std::vector<Derived> mutants_of(const Problem& p, std::size_t index, const RunOptions& options) {
    std::vector<Derived> out;
    const auto original = syntax::ast_hash(p.language, p.solution);
    if (!original) return out;
    std::set<std::string> seen{*original};
    for (syntax::Mutant& m :
         syntax::sample_mutants(p.language, p.solution, p.entry_point, options.mutants_per_problem,
                                problem_seed(options.seed, p.id))) {
        const auto hash = syntax::ast_hash(p.language, m.code);
        if (!hash || !seen.insert(*hash).second) continue;
        out.push_back({index,
                       store::CandidateKind::bug,
                       m.kind,
                       std::move(m.code),
                       {{"description", m.description}, {"line", m.line}}});
    }
    return out;
}

std::vector<Derived> refactorings_of(const Problem& p, std::size_t index) {
    std::vector<Derived> out;
    for (syntax::Refactoring& r : syntax::refactorings(p.language, p.solution, p.entry_point))
        if (r.code != p.solution)
            out.push_back({index,
                           store::CandidateKind::refactor,
                           r.kind,
                           std::move(r.code),
                           {{"description", r.description}}});
    return out;
}

// Each passing problem's derived programs, in problem order.
template <typename Generate>
std::vector<Derived> derive(const std::vector<Problem>& problems, const Outcomes& o,
                            Generate generate) {
    std::vector<Derived> out;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        if (!o.references[i].result.all_passed()) continue;
        auto more = generate(problems[i], i);
        std::move(more.begin(), more.end(), std::back_inserter(out));
    }
    return out;
}

// Mutants get a tighter budget than references: an injected infinite loop is common and
// should cost a second, not the language's full limit. References run in tens of
// milliseconds, so a mutant that is merely slower is not mistaken for a hung one.
sandbox::Limits mutant_limits(sandbox::Limits limits) {
    limits.wall_ms = std::min(limits.wall_ms, 1500);
    limits.cpu_ms = std::min(limits.cpu_ms, 1000);
    return limits;
}

struct Runner {
    sandbox::ZygotePool& pool;
    store::Store& db;
    const RunOptions& options;
    const std::vector<Problem>& problems;

    Expected<std::vector<Executed>> references(const sandbox::Limits& limits) const {
        std::vector<sandbox::HarnessJob> jobs;
        for (const Problem& p : problems)
            jobs.push_back(make_job(p, p.solution, limits));
        return run_batch(pool, jobs, {options.jobs, &db, "verify", options.progress});
    }
    Expected<std::vector<Executed>> derived(const std::vector<Derived>& programs,
                                            const sandbox::Limits& limits,
                                            const std::string& label) const {
        std::vector<sandbox::HarnessJob> jobs;
        jobs.reserve(programs.size());
        for (const Derived& d : programs)
            jobs.push_back(make_job(problems[d.problem], d.code, limits));
        return run_batch(pool, jobs, {options.jobs, &db, label, options.progress});
    }
};

// Why a reference did not pass, in one line.
std::string failure_reason(const sandbox::JobResult& r) {
    if (r.verdict != Verdict::ok)
        return fmt::format("{}: {}", to_string(r.verdict), util::first_line(r.message));
    return fmt::format("{}/{} tests passed: {}", r.passed(), r.cases.size(),
                       util::first_line(r.message));
}

// The failing tests and their messages: what a repairer is told about a bug.
std::string feedback(const sandbox::JobResult& r) {
    std::string out;
    if (r.verdict != Verdict::ok) out += fmt::format("run: {}\n", to_string(r.verdict));
    for (const sandbox::CaseResult& c : r.cases)
        if (c.verdict != TestVerdict::passed)
            out += fmt::format("{} [{}]: {}\n", c.name, to_string(c.verdict), c.message);
    return out;
}

// Per problem: what its derived programs came to.
struct ProblemTally {
    int killed = 0;
    int survived = 0;
    int kept = 0;
};

RunSummary summarise(const std::vector<Problem>& problems, const Outcomes& o,
                     std::vector<ProblemTally>& tallies) {
    RunSummary s;
    s.problems = static_cast<int>(problems.size());
    tallies.assign(problems.size(), {});
    for (std::size_t i = 0; i < o.references.size(); ++i) {
        if (o.references[i].result.all_passed())
            ++s.references_passed;
        else
            s.references_failed[problems[i].id] = failure_reason(o.references[i].result);
    }
    for (std::size_t k = 0; k < o.mutants.size(); ++k) {
        MutantCounts& c = s.mutants[o.mutants[k].label];
        ProblemTally& t = tallies[o.mutants[k].problem];
        ++c.generated;
        switch (fate_of(o.mutant_runs[k].result)) {
        case Fate::killed:
            ++c.killed, ++t.killed;
            break;
        case Fate::survived:
            ++c.survived, ++t.survived;
            break;
        case Fate::errored:
            ++c.errored;
            break;
        }
    }
    for (std::size_t k = 0; k < o.refactors.size(); ++k) {
        RefactorCounts& c = s.refactorings[o.refactors[k].label];
        ++c.generated;
        if (o.refactor_runs[k].result.all_passed())
            ++c.kept, ++tallies[o.refactors[k].problem].kept;
    }
    for (std::size_t i = 0; i < problems.size(); ++i)
        if (const int total = tallies[i].killed + tallies[i].survived; total > 0)
            s.mutation_scores[problems[i].id] = static_cast<double>(tallies[i].killed) / total;
    return s;
}

store::Origin reference_origin(const Problem& p) {
    return p.source == ProblemSource::llm ? store::Origin::llm : store::Origin::seed;
}

struct Recorder {
    store::Store& db;
    std::int64_t run;
    const std::vector<Problem>& problems;

    // Returns the reference candidates (nullopt where it failed) and their executions.
    std::vector<std::optional<std::pair<std::int64_t, std::int64_t>>>
    references(const std::vector<Executed>& runs) const {
        std::vector<std::optional<std::pair<std::int64_t, std::int64_t>>> out(problems.size());
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const Problem& p = problems[i];
            const auto candidate = db.put_candidate(
                {p.id, store::CandidateKind::solution, reference_origin(p), p.solution});
            const auto execution = db.put_execution(candidate, run, runs[i].key, runs[i].result);
            if (runs[i].result.all_passed()) out[i] = {candidate, execution};
        }
        return out;
    }

    std::pair<std::int64_t, std::int64_t> derived(const Derived& d, const Executed& e,
                                                  std::int64_t parent, const json& meta) const {
        const auto candidate =
            db.put_candidate({problems[d.problem].id, d.kind, store::Origin::mutation, d.code,
                              parent, d.label, meta.dump()});
        return {candidate, db.put_execution(candidate, run, e.key, e.result)};
    }

    void bugfix_trajectory(const Derived& d, const sandbox::JobResult& result,
                           std::pair<std::int64_t, std::int64_t> bug,
                           std::pair<std::int64_t, std::int64_t> fix) const {
        db.put_trajectory(
            {fmt::format("bugfix:{}", bug.first),
             problems[d.problem].id,
             "bugfix",
             run,
             true,
             json{{"bug_kind", d.label}}.dump(),
             {{bug.first, bug.second, feedback(result), ""}, {fix.first, fix.second, "", ""}}});
    }
};

void record(store::Store& db, std::int64_t run, const std::vector<Problem>& problems,
            const Outcomes& o, const std::vector<ProblemTally>& tallies,
            const std::vector<Stage>& stages) {
    const Recorder r{db, run, problems};
    for (const Problem& p : problems)
        db.put_problem(p);
    const auto refs = r.references(o.references);
    for (std::size_t k = 0; k < o.mutants.size(); ++k) {
        const Derived& d = o.mutants[k];
        const sandbox::JobResult& result = o.mutant_runs[k].result;
        const Fate fate = fate_of(result);
        if (fate == Fate::errored) continue;
        json meta = d.meta;
        meta["survivor"] = fate == Fate::survived;
        const auto bug = r.derived(d, o.mutant_runs[k], refs[d.problem]->first, meta);
        if (fate == Fate::killed) r.bugfix_trajectory(d, result, bug, *refs[d.problem]);
    }
    for (std::size_t k = 0; k < o.refactors.size(); ++k)
        if (o.refactor_runs[k].result.all_passed())
            r.derived(o.refactors[k], o.refactor_runs[k], refs[o.refactors[k].problem]->first,
                      o.refactors[k].meta);
    for (std::size_t i = 0; i < o.references.size(); ++i) {
        store::ProblemStats stats{problems[i].id, run, refs[i].has_value(), "", {}, {}, {}};
        if (!refs[i]) stats.reference_message = failure_reason(o.references[i].result);
        if (refs[i] && has(stages, Stage::mutate)) {
            stats.mutants_total = tallies[i].killed + tallies[i].survived;
            stats.mutants_killed = tallies[i].killed;
        }
        if (refs[i] && has(stages, Stage::refactor)) stats.refactorings_kept = tallies[i].kept;
        db.put_problem_stats(stats);
    }
}

json run_args(const RunOptions& options) {
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
            {"seed", options.seed},
            {"mutants_per_problem", options.mutants_per_problem},
            {"llm", options.llm ? json{{"url", options.llm->url},
                                       {"model", options.llm->model},
                                       {"samples", options.llm->samples},
                                       {"max_steps", options.llm->max_steps}}
                                : json()}};
}

Expected<void> export_all(store::Store& db, const fs::path& out, RunSummary& summary) {
    for (exports::Kind kind : {exports::Kind::sft, exports::Kind::bugfix, exports::Kind::refactor,
                               exports::Kind::reflexion, exports::Kind::dpo}) {
        const std::string name = fmt::format("{}.jsonl", exports::to_string(kind));
        summary.exported[name] = ASSAY_TRY(exports::export_jsonl(db, {kind, "", {}}, out / name));
    }
    return {};
}

Expected<Outcomes> run_stages(const Runner& runner, const Language& language,
                              const std::vector<Stage>& stages) {
    Outcomes o;
    const bool mutate = has(stages, Stage::mutate);
    const bool refactor = has(stages, Stage::refactor);
    if (!std::any_of(stages.begin(), stages.end(),
                     [](Stage s) { return s != Stage::instruct && s != Stage::export_datasets; }))
        return o;
    o.references = ASSAY_TRY(runner.references(language.limits));
    const auto& problems = runner.problems;
    if (mutate) {
        o.mutants = derive(problems, o, [&](const Problem& p, std::size_t i) {
            return mutants_of(p, i, runner.options);
        });
        o.mutant_runs =
            ASSAY_TRY(runner.derived(o.mutants, mutant_limits(language.limits), "mutants"));
    }
    if (refactor) {
        o.refactors = derive(problems, o, refactorings_of);
        o.refactor_runs = ASSAY_TRY(runner.derived(o.refactors, language.limits, "refactorings"));
    }
    return o;
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
                        "bugs, reflexion, export)",
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
    return {Stage::verify, Stage::mutate, Stage::refactor, Stage::export_datasets};
}

namespace {

// The problems whose reference passed, with the reference's candidate id.
std::vector<Target> targets_of(store::Store& db, const std::vector<Problem>& problems,
                               const Outcomes& o) {
    std::vector<Target> out;
    for (std::size_t i = 0; i < o.references.size(); ++i)
        if (o.references[i].result.all_passed())
            out.push_back(
                {&problems[i],
                 db.put_candidate({problems[i].id, store::CandidateKind::solution,
                                   reference_origin(problems[i]), problems[i].solution})});
    return out;
}

Expected<std::unique_ptr<llm::HttpClient>>
make_client(const LlmSettings& s, const std::string& api_key, std::uint64_t seed) {
    llm::HttpClientOptions o;
    o.base_url = s.url;
    o.api_key = api_key;
    o.max_in_flight = std::max(1, s.concurrency);
    o.timeout = std::chrono::seconds(std::max(1, s.timeout_s));
    o.max_attempts = std::max(1, s.max_attempts);
    o.budget = {s.max_calls, s.max_tokens};
    o.jitter_seed = seed + 1;
    return llm::HttpClient::create(std::move(o));
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

} // namespace

Expected<RunSummary> run(const RunOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<Problem> problems = ASSAY_TRY(load_all(options));
    const Language language = ASSAY_TRY(load_language("python"));
    for (const Problem& p : problems)
        if (p.language != language.name)
            return fail_at(p.origin_file, "language '{}' is not supported yet", p.language);
    std::optional<llm::PromptBook> prompts;
    if (options.llm) {
        if (options.llm->url.empty()) return fail("--llm-url is empty");
        if (options.llm->model.empty()) return fail("--model is required with --llm-url");
        prompts = ASSAY_TRY(llm::load_prompts(project_root() / "src" / "llm" / "prompts",
                                              llm::pipeline_templates()));
    } else {
        for (Stage stage : options.stages)
            if (needs_llm(stage))
                return fail("stage '{}' needs an LLM: give --llm-url and --model",
                            stage_name(stage));
    }

    std::error_code ignored;
    if (options.db.has_parent_path()) fs::create_directories(options.db.parent_path(), ignored);
    auto db = ASSAY_TRY(store::Store::open(options.db));
    auto pool = make_pool(language, options.jobs, options.allow_weak_jail);
    RunSummary summary;
    db.transaction([&] { summary.run_id = db.begin_run("run", run_args(options).dump()); });

    std::unique_ptr<llm::HttpClient> http;
    std::optional<llm::CachingClient> client;
    std::optional<LlmContext> context;
    LlmSummary llm_summary;
    if (options.llm) {
        http = ASSAY_TRY(make_client(*options.llm, options.api_key, options.seed));
        client.emplace(*http, db);
        context.emplace(LlmContext{*client, *prompts, db, *pool, language, *options.llm,
                                   summary.run_id, options.seed, options.jobs, options.progress});
        if (has(options.stages, Stage::instruct)) {
            auto made = ASSAY_TRY(instruct(*context, problems, llm_summary));
            std::move(made.begin(), made.end(), std::back_inserter(problems));
        }
    }

    const Outcomes o =
        ASSAY_TRY(run_stages(Runner{*pool, db, options, problems}, language, options.stages));
    std::vector<ProblemTally> tallies;
    const std::int64_t run_id = summary.run_id;
    summary = summarise(problems, o, tallies);
    summary.run_id = run_id;
    db.transaction([&] { record(db, summary.run_id, problems, o, tallies, options.stages); });

    if (context) {
        ASSAY_TRY(
            run_llm_stages(*context, options.stages, targets_of(db, problems, o), llm_summary));
        llm_summary.http_requests = http->calls_made();
        llm_summary.cache_hits = client->hits();
        summary.llm = llm_summary;
    }
    if (has(options.stages, Stage::export_datasets)) {
        fs::create_directories(options.out, ignored);
        ASSAY_TRY(export_all(db, options.out, summary));
    }
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    db.transaction([&] { db.finish_run(summary.run_id, "done", summary.to_json().dump()); });
    if (has(options.stages, Stage::export_datasets))
        std::ofstream(options.out / "run_summary.json") << summary.to_json().dump(2) << '\n';
    return summary;
}

json RunSummary::to_json() const {
    json mutant_kinds = json::object();
    for (const auto& [kind, c] : mutants)
        mutant_kinds[kind] = {{"generated", c.generated},
                              {"killed", c.killed},
                              {"survived", c.survived},
                              {"errored", c.errored}};
    json refactor_kinds = json::object();
    for (const auto& [kind, c] : refactorings)
        refactor_kinds[kind] = {{"generated", c.generated}, {"kept", c.kept}};
    return {{"run_id", run_id},
            {"problems", problems},
            {"references_passed", references_passed},
            {"references_failed", references_failed},
            {"mutants", mutant_kinds},
            {"refactorings", refactor_kinds},
            {"mutation_scores", mutation_scores},
            {"exported", exported},
            {"llm", llm ? llm->to_json() : json()},
            {"seconds", seconds}};
}

std::string RunSummary::describe() const {
    std::string out = fmt::format("problems: {} (references passed {}, failed {})\n", problems,
                                  references_passed, references_failed.size());
    for (const auto& [id, why] : references_failed)
        out += fmt::format("  FAIL {}: {}\n", id, why);
    MutantCounts all;
    for (const auto& [kind, c] : mutants) {
        all.generated += c.generated, all.killed += c.killed, all.survived += c.survived;
        all.errored += c.errored;
    }
    out += fmt::format("mutants: {} generated, {} killed (bugs), {} survived, {} errored\n",
                       all.generated, all.killed, all.survived, all.errored);
    for (const auto& [kind, c] : mutants)
        out += fmt::format("  {:<22} {:>4} generated {:>4} killed {:>4} survived\n", kind,
                           c.generated, c.killed, c.survived);
    if (!mutation_scores.empty()) {
        double total = 0;
        for (const auto& [id, score] : mutation_scores)
            total += score;
        out += fmt::format("mean mutation score: {:.2f} over {} problems\n",
                           total / static_cast<double>(mutation_scores.size()),
                           mutation_scores.size());
    }
    for (const auto& [kind, c] : refactorings)
        out += fmt::format("refactoring {:<30} {:>4} generated {:>4} kept\n", kind, c.generated,
                           c.kept);
    if (llm) out += llm->describe();
    for (const auto& [file, rows] : exported)
        out += fmt::format("exported {}: {} rows\n", file, rows);
    out += fmt::format("wall time: {:.1f} s\n", seconds);
    return out;
}

} // namespace assay::pipeline
