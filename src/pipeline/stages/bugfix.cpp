#include "pipeline/stages/bugfix.hpp"

#include "store/trajectory_meta.hpp"
#include "util/string.hpp"

#include <fmt/format.h>

namespace assay::pipeline {

using util::clip;
using util::first_line;
using util::trimmed;

namespace {
std::string indented(const std::string& message) {
    std::string out = "  ";
    for (const char ch : message) {
        out += ch;
        if (ch == '\n') out += "  ";
    }
    return out;
}
} // namespace

std::string test_feedback(const sandbox::HarnessJob& job, const sandbox::JobResult& result,
                          int max_cases) {
    std::string out;
    if (result.verdict != Verdict::ok)
        out += fmt::format("The run ended with {}: {}\n", to_string(result.verdict),
                           clip(first_line(result.message), 300));
    int shown = 0;
    int more = 0;
    for (std::size_t i = 0; i < result.cases.size(); ++i) {
        const sandbox::CaseResult& c = result.cases[i];
        if (c.verdict == TestVerdict::passed) continue;
        if (shown >= max_cases) {
            ++more;
            continue;
        }
        ++shown;
        const std::string code = i < job.cases.size() ? trimmed(job.cases[i].code) : c.name;
        out += fmt::format("- {} ({})\n", clip(code, 300), to_string(c.verdict));
        if (!c.message.empty()) out += indented(clip(c.message, 600)) + "\n";
    }
    if (more > 0) out += fmt::format("… and {} more failing tests\n", more);
    return trimmed(out);
}

bool record_bug(const Driver& driver, const Bug& bug, const sandbox::HarnessJob& job,
                const Executed& run) {
    store::Store& db = driver.store();
    const bool caught = !run.result.all_passed();
    nlohmann::json meta = bug.meta;
    meta["survivor"] = !caught;
    const std::int64_t candidate =
        db.put_candidate({bug.problem->id, store::CandidateKind::bug, bug.origin, bug.code,
                          bug.reference, bug.kind, meta.dump()});
    const std::int64_t execution =
        db.put_execution(candidate, driver.run_id(), run.key, run.result);
    if (!caught) return false;
    db.put_trajectory(
        {fmt::format("bugfix:{}", candidate),
         bug.problem->id,
         "bugfix",
         driver.run_id(),
         true,
         nlohmann::json(store::TrajectoryMeta{.bug_kind = bug.kind,
                                              .origin = std::string(to_string(bug.origin))})
             .dump(),
         {{candidate, execution, test_feedback(job, run.result), ""},
          {bug.reference, bug.reference_execution, "", ""}}});
    return true;
}

} // namespace assay::pipeline
