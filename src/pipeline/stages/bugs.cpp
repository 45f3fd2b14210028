// bugs: bug injections asked of the model, kept when a test catches them.
#include "llm/cache.hpp"
#include "llm/reply_parser.hpp"
#include "pipeline/similarity.hpp"
#include "pipeline/stages/common.hpp"
#include "pipeline/verify.hpp"
#include "syntax/ast_hash.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/split_tests.hpp"
#include "syntax/syntax_check.hpp"
#include "util/hash.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>
#include <set>

namespace assay::pipeline {

using nlohmann::json;
using namespace stages;

Expected<void> inject_bugs(const LlmContext& c, const std::vector<Target>& targets,
                           LlmSummary& summary) {
    summary.bugs_asked += static_cast<int>(targets.size()) * c.settings.bugs;
    const std::vector<Transform> bugs = transforms(c, targets, "bug", "categories", c.settings.bugs,
                                                   summary.bugs_rejected, summary);
    std::vector<sandbox::HarnessJob> jobs;
    jobs.reserve(bugs.size());
    for (const Transform& b : bugs)
        jobs.push_back(make_job(*targets[b.target].problem, b.code, quick(c.language.limits)));
    const auto runs = ASSAY_TRY(execute(c, jobs, "llm bugs"));
    c.db.transaction([&] {
        for (std::size_t i = 0; i < bugs.size(); ++i) {
            const sandbox::JobResult& r = runs[i].result;
            if (r.verdict == Verdict::internal_error) {
                ++summary.bugs_rejected["internal error while running"];
                continue;
            }
            const Target& t = targets[bugs[i].target];
            const bool survivor = r.all_passed();
            const std::int64_t bug =
                c.db.put_candidate({t.problem->id, store::CandidateKind::bug, store::Origin::llm,
                                    bugs[i].code, t.reference, bugs[i].label,
                                    json{{"description", bugs[i].description},
                                         {"survivor", survivor},
                                         {"stage", "bugs"}}
                                        .dump()});
            const std::int64_t execution = c.db.put_execution(bug, c.run, runs[i].key, r);
            if (survivor) {
                ++summary.bugs_rejected["passes every test"];
                continue;
            }
            ++summary.bugs_kept;
            c.db.put_trajectory({fmt::format("bugfix:{}", bug),
                                 t.problem->id,
                                 "bugfix",
                                 c.run,
                                 true,
                                 json{{"bug_kind", bugs[i].label}, {"origin", "llm"}}.dump(),
                                 {{bug, execution, test_feedback(jobs[i], r), ""},
                                  {t.reference, std::nullopt, "", ""}}});
        }
    });
    return {};
}

} // namespace assay::pipeline
