#include "pipeline/stages/bugs.hpp"

#include "pipeline/stages/bugfix.hpp"
#include "pipeline/stages/common.hpp"
#include "pipeline/verify.hpp"

namespace assay::pipeline {

using namespace stages;

namespace {

class Bugs {
  public:
    Bugs(const LlmContext& c, const std::vector<Target>& targets, LlmSummary& summary)
        : c_(c), targets_(targets), summary_(summary) {}

    Expected<void> run() {
        summary_.bugs_asked += static_cast<int>(targets_.size()) * c_.settings.bugs;
        const std::vector<Transform> bugs = transforms(
            c_, targets_, "bug", "categories", c_.settings.bugs, summary_.bugs_rejected, summary_);
        const auto ran = ASSAY_TRY(c_.driver.run(jobs(bugs), "llm bugs", Gate::syntax, "survived"));
        c_.driver.commit([&] {
            for (const Ran<const Transform*>& r : ran)
                record(*r.tag, r);
        });
        return {};
    }

  private:
    TaggedJobs<const Transform*> jobs(const std::vector<Transform>& bugs) const {
        TaggedJobs<const Transform*> out;
        for (const Transform& b : bugs)
            out.add(&b, make_job(*targets_[b.target].problem, b.code,
                                 quick(c_.driver.language().limits,
                                       targets_[b.target].reference_cpu_ms)));
        return out;
    }

    void record(const Transform& bug, const Ran<const Transform*>& ran) {
        if (ran.result().verdict == Verdict::internal_error) {
            ++summary_.bugs_rejected["internal error while running"];
            return;
        }
        const Target& t = targets_[bug.target];
        const bool caught = record_bug(
            c_.driver,
            {.problem = t.problem,
             .reference = t.reference,
             .origin = store::Origin::llm,
             .kind = bug.label,
             .code = bug.code,
             .meta = {{"description", bug.description}, {"stage", "bugs"}, {"llm_call", bug.call}}},
            ran.job, ran.run);
        if (caught)
            ++summary_.bugs_kept;
        else
            ++summary_.bugs_rejected["passes every test"];
    }

    const LlmContext& c_;
    const std::vector<Target>& targets_;
    LlmSummary& summary_;
};

} // namespace

Expected<void> inject_bugs(const LlmContext& context, const std::vector<Target>& targets,
                           LlmSummary& summary) {
    return Bugs(context, targets, summary).run();
}

} // namespace assay::pipeline
