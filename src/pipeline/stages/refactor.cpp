#include "pipeline/stages/refactor.hpp"

#include "pipeline/stages/common.hpp"
#include "pipeline/verify.hpp"
#include "syntax/refactor.hpp"

#include <fmt/format.h>

namespace assay::pipeline {

using nlohmann::json;
using namespace stages;

namespace {

struct Rewrite {
    std::size_t problem = 0; // index into the run's problems
    syntax::Refactoring refactoring;
};

// Writes a kept refactoring with its run (inside Driver::commit).
void record_refactoring(const Driver& driver, const Problem& problem, std::int64_t reference,
                        store::Origin origin, const std::string& kind, const std::string& code,
                        const json& meta, const Executed& run) {
    store::Store& db = driver.store();
    const std::int64_t id = db.put_candidate(
        {problem.id, store::CandidateKind::refactor, origin, code, reference, kind, meta.dump()});
    db.put_execution(id, driver.run_id(), run.key, run.result);
}

} // namespace

Expected<void> refactor_offline(const Driver& driver, const std::vector<Problem>& problems,
                                const std::vector<ReferenceRun>& references, RunSummary& summary,
                                std::vector<ProblemTally>& tallies) {
    const Language& language = driver.language();
    TaggedJobs<Rewrite> jobs;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        if (!references[i].passed()) continue;
        const Problem& p = problems[i];
        for (syntax::Refactoring& r :
             syntax::refactorings(language.grammar, p.solution, p.entry_point))
            if (r.code != p.solution) {
                sandbox::HarnessJob job = make_job(p, r.code, language.limits);
                jobs.add({i, std::move(r)}, std::move(job));
            }
    }
    // The syntax layer's output parses: no gate.
    const auto ran = ASSAY_TRY(driver.run(std::move(jobs), "refactorings", Gate::none));
    for (const Ran<Rewrite>& r : ran) {
        RefactorCounts& c = summary.refactorings[r.tag.refactoring.kind];
        ++c.generated;
        if (r.result().all_passed()) ++c.kept, ++tallies[r.tag.problem].kept;
    }
    driver.commit([&] {
        for (const Ran<Rewrite>& r : ran)
            if (r.result().all_passed())
                record_refactoring(driver, problems[r.tag.problem],
                                   references[r.tag.problem].candidate, store::Origin::mutation,
                                   r.tag.refactoring.kind, r.tag.refactoring.code,
                                   {{"description", r.tag.refactoring.description}}, r.run);
    });
    return {};
}

namespace {

class LlmRefactor {
  public:
    LlmRefactor(const LlmContext& c, const std::vector<Target>& targets, LlmSummary& summary)
        : c_(c), targets_(targets), summary_(summary) {}

    Expected<void> run() {
        summary_.refactors_asked += static_cast<int>(targets_.size()) * c_.settings.refactors;
        const std::vector<Transform> changes =
            transforms(c_, targets_, "refactor", "goals", c_.settings.refactors,
                       summary_.refactors_rejected, summary_);
        TaggedJobs<const Transform*> jobs;
        for (const Transform& r : changes)
            jobs.add(&r, make_job(*targets_[r.target].problem, r.code,
                                  quick(c_.driver.language().limits,
                                        targets_[r.target].reference_cpu_ms)));
        const auto ran = ASSAY_TRY(c_.driver.run(std::move(jobs), "llm refactorings"));
        c_.driver.commit([&] {
            for (const Ran<const Transform*>& r : ran)
                record(*r.tag, r.run);
        });
        return {};
    }

  private:
    void record(const Transform& change, const Executed& run) {
        const sandbox::JobResult& r = run.result;
        if (!r.all_passed()) {
            ++summary_.refactors_rejected[r.verdict == Verdict::ok
                                              ? std::string("fails a test")
                                              : fmt::format("run ended {}", to_string(r.verdict))];
            return;
        }
        const Target& t = targets_[change.target];
        record_refactoring(
            c_.driver, *t.problem, t.reference, store::Origin::llm, change.label, change.code,
            {{"description", change.description}, {"stage", "refactor"}, {"llm_call", change.call}},
            run);
        ++summary_.refactors_kept;
    }

    const LlmContext& c_;
    const std::vector<Target>& targets_;
    LlmSummary& summary_;
};

} // namespace

Expected<void> refactor(const LlmContext& context, const std::vector<Target>& targets,
                        LlmSummary& summary) {
    return LlmRefactor(context, targets, summary).run();
}

} // namespace assay::pipeline
