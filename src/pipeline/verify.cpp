#include "pipeline/verify.hpp"

#include "core/language.hpp"
#include "pipeline/batch.hpp"
#include "pipeline/program_executor.hpp"
#include "store/store.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <sys/resource.h>

namespace assay::pipeline {

sandbox::HarnessJob make_job(const Problem& problem, const std::string& program,
                             const sandbox::Limits& limits) {
    sandbox::HarnessJob job;
    job.code = program;
    job.entry_point = problem.entry_point;
    job.setup = problem.test_setup;
    if (problem.completion_extends_prompt) job.context = problem.prompt;
    for (const TestCase& t : problem.tests)
        job.cases.push_back({t.name, t.code});
    job.limits = limits;
    return job;
}

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
    return {{"total", outcomes.size()}, {"supervisor_peak_rss_kb", self.ru_maxrss},
            {"passed", passed},         {"failed", static_cast<int>(outcomes.size()) - passed},
            {"seconds", seconds},       {"results", std::move(results)}};
}

Expected<std::map<std::string, Language>> languages_of(const std::vector<Problem>& problems) {
    std::map<std::string, Language> languages;
    for (const Problem& p : problems) {
        if (languages.contains(p.language)) continue;
        const bool plain_name =
            !p.language.empty() && std::all_of(p.language.begin(), p.language.end(), [](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '-';
            });
        if (!plain_name ||
            !std::filesystem::exists(project_root() / "languages" / (p.language + ".toml")))
            return fail_at(p.origin_file, "language '{}' is not supported (no languages/{}.toml)",
                           p.language, p.language);
        languages.emplace(p.language, ASSAY_TRY(load_language(p.language)));
    }
    return languages;
}

namespace {

Expected<VerifyReport> verify_samples(const VerifyOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const dataset::Format format =
        options.format ? *options.format : ASSAY_TRY(dataset::detect_format(options.problems));
    const auto problems = ASSAY_TRY(dataset::load_problems(options.problems, format));
    if (!options.solutions)
        for (const Problem& p : problems)
            if (p.solution.empty())
                return fail_at(p.origin_file,
                               "problem '{}' has no reference solution ({} gives none): verify "
                               "samples with --solutions",
                               p.id, dataset::to_string(format));
    const auto samples = options.solutions
                             ? ASSAY_TRY(dataset::load_samples(*options.solutions, problems))
                             : dataset::canonical_samples(problems);
    std::map<std::string, const Problem*> by_id;
    for (const Problem& p : problems)
        by_id[p.id] = &p;
    const auto languages = ASSAY_TRY(languages_of(problems));

    std::optional<store::Store> db;
    if (options.db) db.emplace(ASSAY_TRY(store::Store::open(*options.db)));

    // One batch per language, each with its own executor; results back in sample order.
    std::vector<Executed> executed(samples.size());
    for (const auto& [name, language] : languages) {
        std::vector<std::size_t> indices;
        std::vector<sandbox::HarnessJob> jobs;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            const Problem& problem = *by_id.at(samples[i].task_id);
            if (problem.language != name) continue;
            indices.push_back(i);
            jobs.push_back(make_job(problem, samples[i].program, language.limits));
        }
        if (jobs.empty()) continue;
        const auto executor = make_executor(language, options.jobs, options.allow_weak_jail);
        auto ran =
            ASSAY_TRY(run_batch(*executor, jobs,
                                {db && options.use_cache ? &*db : nullptr, "verify",
                                 options.progress, language.gate_grammar(), options.dedupe}));
        for (std::size_t k = 0; k < indices.size(); ++k)
            executed[indices[k]] = std::move(ran[k]);
    }
    std::vector<SampleOutcome> outcomes;
    for (std::size_t i = 0; i < samples.size(); ++i)
        outcomes.push_back(
            {samples[i], executed[i].result, executed[i].cached, executed[i].deduplicated});

    VerifyReport report;
    for (const SampleOutcome& o : outcomes)
        report.passed += o.result.all_passed() ? 1 : 0;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (db) {
        const store::Origin origin =
            options.solutions ? store::Origin::sample : store::Origin::seed;
        nlohmann::json args = {{"problems", options.problems.string()},
                               {"format", dataset::to_string(format)},
                               {"solutions", options.solutions ? options.solutions->string() : ""}};
        db->transaction([&] {
            const auto run = db->begin_run("verify", args.dump());
            for (const Problem& p : problems)
                db->put_problem(p);
            for (std::size_t i = 0; i < outcomes.size(); ++i) {
                const auto candidate =
                    db->put_candidate({outcomes[i].sample.task_id, store::CandidateKind::solution,
                                       origin, outcomes[i].sample.program, std::nullopt, "", "{}"});
                db->put_execution(candidate, run, executed[i].key, outcomes[i].result);
            }
            db->finish_run(
                run, "done",
                nlohmann::json{{"total", outcomes.size()}, {"passed", report.passed}}.dump());
        });
    }
    report.outcomes = std::move(outcomes);
    return report;
}

} // namespace

Expected<VerifyReport> verify(const VerifyOptions& options) {
    // As pipeline::run: a failing store statement becomes the error returned.
    return catching_fatal([&] { return verify_samples(options); });
}

} // namespace assay::pipeline
