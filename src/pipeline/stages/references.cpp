#include "pipeline/stages/references.hpp"

#include "pipeline/verify.hpp"
#include "util/string.hpp"

#include <fmt/format.h>

namespace assay::pipeline {

store::CandidateRecord reference_record(const Problem& p) {
    return {p.id, store::CandidateKind::solution,
            p.source == ProblemSource::llm ? store::Origin::llm : store::Origin::seed, p.solution};
}

std::string failure_reason(const sandbox::JobResult& r) {
    if (r.verdict != Verdict::ok)
        return fmt::format("{}: {}", to_string(r.verdict), util::first_line(r.message));
    return fmt::format("{}/{} tests passed: {}", r.passed(), r.cases.size(),
                       util::first_line(r.message));
}

Expected<std::vector<ReferenceRun>>
check_references(const Driver& driver, const std::vector<Problem>& problems, RunSummary& summary) {
    TaggedJobs<const Problem*> jobs;
    for (const Problem& p : problems)
        jobs.add(&p, make_job(p, p.solution, driver.language().limits));
    const auto ran = ASSAY_TRY(driver.run(std::move(jobs), "verify", Gate::none));
    std::vector<ReferenceRun> out;
    driver.commit([&] {
        store::Store& db = driver.store();
        for (const Problem& p : problems)
            db.put_problem(p);
        for (const Ran<const Problem*>& r : ran) {
            const std::int64_t candidate = db.put_candidate(reference_record(*r.tag));
            const std::int64_t execution =
                db.put_execution(candidate, driver.run_id(), r.run.key, r.result());
            out.push_back({r.result(), candidate, execution});
        }
    });
    for (const Ran<const Problem*>& r : ran) {
        if (r.result().all_passed())
            ++summary.references_passed;
        else
            summary.references_failed[r.tag->id] = failure_reason(r.result());
    }
    return out;
}

} // namespace assay::pipeline
