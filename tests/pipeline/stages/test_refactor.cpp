// The refactor stages against the fake executor: the model's refactorings and the syntax
// layer's are kept only when every test passes.
#include "pipeline/stages/refactor.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>

using namespace assay;
using namespace assay::testing;

TEST_CASE("pipeline::refactor keeps a model's refactoring only when it passes every test") {
    StageFixture* fixture = nullptr;
    StageFixture f(
        [](const sandbox::HarnessJob& job) {
            if (contains(job.code, "BROKEN")) return failing(job, 1, "AssertionError: broke it");
            if (contains(job.code, "SLOW")) return ended(job, Verdict::timeout, "wall limit");
            return passing(job);
        },
        [&](const llm::ChatRequest& r) {
            const Problem& p = fixture->problem_of(r);
            if (p.entry_point == "middle") return reply(fenced(p.solution + "\nBROKEN = 1"));
            if (p.entry_point == "sign_label") return reply(fenced(p.solution + "\nSLOW = 1"));
            return reply(fenced("# tidier\n" + p.solution));
        });
    fixture = &f;
    pipeline::LlmSummary summary;
    REQUIRE(pipeline::refactor(*f.context, f.targets(), summary));
    CHECK(summary.refactors_asked == 4);
    CHECK(summary.refactors_kept == 2);
    CHECK(summary.refactors_rejected["fails a test"] == 1);
    CHECK(summary.refactors_rejected["run ended timeout"] == 1);
    const auto rows = f.exported(exports::Kind::refactor);
    REQUIRE(rows.size() == 2);
    for (const auto& row : rows)
        CHECK(std::string(row["refactored_code"]).starts_with("# tidier\n"));
}

TEST_CASE("pipeline::refactor_offline counts every rewrite and keeps the passing ones") {
    // Every rewrite of running_max fails a test; the others pass.
    StageFixture f(
        [](const sandbox::HarnessJob& job) {
            if (contains(job.code, "def running_max")) return failing(job, 0, "rewritten");
            return passing(job);
        },
        [](const llm::ChatRequest&) { return failure("no model in this test"); });
    const std::vector<pipeline::ReferenceRun> references = f.references();
    pipeline::RunSummary summary;
    std::vector<pipeline::ProblemTally> tallies(f.problems.size());
    REQUIRE(pipeline::refactor_offline(*f.driver, f.problems, references, summary, tallies));
    int generated = 0;
    int kept = 0;
    for (const auto& [kind, counts] : summary.refactorings) {
        generated += counts.generated;
        kept += counts.kept;
    }
    CHECK(static_cast<std::size_t>(generated) == f.executor.ran.size());
    // Refactorings of a passing reference get the language's own limits, as the reference.
    for (const sandbox::HarnessJob& job : f.executor.ran)
        CHECK(job.limits.wall_ms == f.language.limits.wall_ms);
    int running_max = 0;
    for (const sandbox::HarnessJob& job : f.executor.ran)
        running_max += contains(job.code, "def running_max") ? 1 : 0;
    CHECK(running_max > 0);
    CHECK(kept == generated - running_max);
    CHECK(kept > 0);
    for (std::size_t i = 0; i < f.problems.size(); ++i)
        if (f.problems[i].entry_point == "running_max") CHECK(tallies[i].kept == 0);
    CHECK(f.exported(exports::Kind::refactor).size() == static_cast<std::size_t>(kept));
}
