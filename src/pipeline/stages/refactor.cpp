// refactor: refactorings asked of the model, kept when every test still passes.
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

Expected<void> refactor(const LlmContext& c, const std::vector<Target>& targets,
                        LlmSummary& summary) {
    summary.refactors_asked += static_cast<int>(targets.size()) * c.settings.refactors;
    const std::vector<Transform> changes = transforms(
        c, targets, "refactor", "goals", c.settings.refactors, summary.refactors_rejected, summary);
    std::vector<sandbox::HarnessJob> jobs;
    jobs.reserve(changes.size());
    for (const Transform& r : changes)
        jobs.push_back(make_job(*targets[r.target].problem, r.code, quick(c.language.limits)));
    const auto runs = ASSAY_TRY(execute(c, jobs, "llm refactorings"));
    c.db.transaction([&] {
        for (std::size_t i = 0; i < changes.size(); ++i) {
            const sandbox::JobResult& r = runs[i].result;
            if (!r.all_passed()) {
                ++summary
                      .refactors_rejected[r.verdict == Verdict::ok
                                              ? std::string("fails a test")
                                              : fmt::format("run ended {}", to_string(r.verdict))];
                continue;
            }
            const Target& t = targets[changes[i].target];
            const std::int64_t id = c.db.put_candidate(
                {t.problem->id, store::CandidateKind::refactor, store::Origin::llm, changes[i].code,
                 t.reference, changes[i].label,
                 json{{"description", changes[i].description}, {"stage", "refactor"}}.dump()});
            c.db.put_execution(id, c.run, runs[i].key, r);
            ++summary.refactors_kept;
        }
    });
    return {};
}

} // namespace assay::pipeline
