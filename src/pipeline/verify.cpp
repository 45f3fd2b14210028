#include "pipeline/verify.hpp"

#include "core/language.hpp"
#include "pipeline/parallel.hpp"
#include "store/store.hpp"
#include "syntax/syntax_check.hpp"

#include <sys/resource.h>

#include <chrono>
#include <map>

namespace assay::pipeline {

sandbox::HarnessJob make_job(const Problem& problem, const std::string& program,
                             const sandbox::Limits& limits) {
    sandbox::HarnessJob job;
    job.code = program;
    job.entry_point = problem.entry_point;
    job.setup = problem.test_setup;
    for (const TestCase& t : problem.tests) job.cases.push_back({t.name, t.code});
    job.limits = limits;
    return job;
}

namespace {
sandbox::JobResult compile_error(const sandbox::HarnessJob& job, const std::string& message) {
    sandbox::JobResult r;
    r.verdict = Verdict::compile_error;
    r.message = message;
    for (const sandbox::HarnessCase& c : job.cases)
        r.cases.push_back({c.name, TestVerdict::error, "not run: " + message, 0});
    return r;
}
} // namespace

nlohmann::json VerifyReport::to_json() const {
    nlohmann::json results = nlohmann::json::array();
    for (const SampleOutcome& o : outcomes) {
        results.push_back({{"index", o.sample.index},
                           {"task_id", o.sample.task_id},
                           {"verdict", to_string(o.result.verdict)},
                           {"passed", o.result.all_passed()},
                           {"tests_passed", o.result.passed()},
                           {"tests_total", o.result.cases.size()},
                           {"cpu_ms", o.result.cpu_ms},
                           {"wall_ms", o.result.wall_ms},
                           {"cached", o.cached},
                           {"deduplicated", o.deduplicated},
                           {"message", o.result.message}});
    }
    rusage self{};
    ::getrusage(RUSAGE_SELF, &self);
    return {{"total", outcomes.size()},
            {"supervisor_peak_rss_kb", self.ru_maxrss},
            {"passed", passed},
            {"failed", static_cast<int>(outcomes.size()) - passed},
            {"seconds", seconds},
            {"results", std::move(results)}};
}

Expected<VerifyReport> verify(const VerifyOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const dataset::Format format =
        options.format ? *options.format : ASSAY_TRY(dataset::detect_format(options.problems));
    const auto problems = ASSAY_TRY(dataset::load_problems(options.problems, format));
    const auto samples = options.solutions
                             ? ASSAY_TRY(dataset::load_samples(*options.solutions, problems))
                             : dataset::canonical_samples(problems);
    std::map<std::string, const Problem*> by_id;
    for (const Problem& p : problems) by_id[p.id] = &p;
    const Language language = ASSAY_TRY(load_language("python"));
    for (const Problem& p : problems)
        if (p.language != language.name)
            return fail_at(p.origin_file, "language '{}' is not supported yet", p.language);

    std::optional<store::Store> db;
    if (options.db) db.emplace(ASSAY_TRY(store::Store::open(*options.db)));

    std::vector<sandbox::HarnessJob> jobs;
    std::vector<SampleOutcome> outcomes;
    for (const dataset::Sample& s : samples) {
        jobs.push_back(make_job(*by_id.at(s.task_id), s.program, language.limits));
        outcomes.push_back({s, {}, false});
    }
    // The syntax gate: a program that does not parse is a compile_error without a jail run.
    std::vector<bool> settled(jobs.size(), false);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        auto error = syntax::check_syntax(language.grammar, jobs[i].code);
        if (error && *error) {
            outcomes[i].result = compile_error(jobs[i], (*error)->describe());
            settled[i] = true;
        }
    }
    // Identical jobs (same program, tests and limits) run once; the others share the result.
    std::vector<std::string> keys;
    std::map<std::string, std::size_t> first_with_key;
    std::vector<std::size_t> pending;
    std::vector<std::pair<std::size_t, std::size_t>> copies; // (duplicate, original)
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        keys.push_back(store::execution_key(jobs[i]));
        if (settled[i]) continue;
        if (options.dedupe) {
            auto [it, inserted] = first_with_key.emplace(keys[i], i);
            if (!inserted) {
                copies.emplace_back(i, it->second);
                outcomes[i].deduplicated = true;
                continue;
            }
        }
        if (db && options.use_cache) {
            if (auto cached = db->find_execution(keys[i])) {
                outcomes[i].result = std::move(*cached);
                outcomes[i].cached = true;
                continue;
            }
        }
        pending.push_back(i);
    }

    if (!pending.empty()) {
        sandbox::SpawnSpec spec = language.spawn_spec(language.zygote);
        spec.strength = options.allow_weak_jail ? sandbox::Strength::weak : sandbox::Strength::strict;
        sandbox::ZygotePool pool(spec, options.jobs);
        ASSAY_TRY(pool.start());
        Progress progress("verify", pending.size(), options.progress);
        parallel_for(options.jobs, pending.size(), [&](std::size_t k) {
            SampleOutcome& outcome = outcomes[pending[k]];
            outcome.result = pool.run(jobs[pending[k]]);
            progress.tick(outcome.result.all_passed());
        });
        progress.finish();
    }

    for (const auto& [duplicate, original] : copies)
        outcomes[duplicate].result = outcomes[original].result;

    VerifyReport report;
    for (const SampleOutcome& o : outcomes) report.passed += o.result.all_passed() ? 1 : 0;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (db) {
        const store::Origin origin = options.solutions ? store::Origin::sample : store::Origin::seed;
        nlohmann::json args = {{"problems", options.problems.string()},
                               {"format", dataset::to_string(format)},
                               {"solutions", options.solutions ? options.solutions->string() : ""}};
        db->transaction([&] {
            const auto run = db->begin_run("verify", args.dump());
            for (const Problem& p : problems) db->put_problem(p);
            for (std::size_t i = 0; i < outcomes.size(); ++i) {
                const auto candidate = db->put_candidate(
                    {outcomes[i].sample.task_id, store::CandidateKind::solution, origin,
                     outcomes[i].sample.program, std::nullopt, "", "{}"});
                db->put_execution(candidate, run, keys[i], outcomes[i].result);
            }
            db->finish_run(run, "done",
                           nlohmann::json{{"total", outcomes.size()}, {"passed", report.passed}}
                               .dump());
        });
    }
    report.outcomes = std::move(outcomes);
    return report;
}

} // namespace assay::pipeline
