// The mutate stage against the fake executor: every mutant runs, caught ones become bug/fix
// rows, survivors are counted, and a run that broke the harness is neither.
#include "pipeline/stages/mutate.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>

using namespace assay;
using namespace assay::testing;

TEST_CASE("pipeline::mutate: caught, surviving and errored mutants") {
    // Mutants of sign_label survive, of middle break the harness, the others are caught.
    StageFixture f(
        [](const sandbox::HarnessJob& job) {
            if (contains(job.code, "def sign_label")) return passing(job);
            if (contains(job.code, "def middle"))
                return ended(job, Verdict::internal_error, "harness broke");
            return failing(job, 0, "AssertionError: caught");
        },
        [](const llm::ChatRequest&) { return failure("no model in this test"); });
    std::vector<pipeline::ReferenceRun> references = f.references();
    // The first problem's reference took about a second; the second's nearly the whole limit.
    REQUIRE(references.size() >= 3);
    references[0].result.cpu_ms = 1048;
    references[1].result.cpu_ms = 9500;
    pipeline::RunSummary summary;
    std::vector<pipeline::ProblemTally> tallies(f.problems.size());
    REQUIRE(pipeline::mutate(*f.driver, f.problems, references, {6}, summary, tallies));

    pipeline::MutantCounts all;
    for (const auto& [kind, c] : summary.mutants) {
        all.generated += c.generated, all.killed += c.killed, all.survived += c.survived;
        all.errored += c.errored;
    }
    CHECK(static_cast<std::size_t>(all.generated) == f.executor.ran.size());
    CHECK(all.generated == all.killed + all.survived + all.errored);
    CHECK(all.killed > 0);
    CHECK(all.survived > 0);
    CHECK(all.errored > 0);
    // Mutants run under limits of their reference's scale (four times its CPU time, in whole
    // seconds, at least one, at most the language's), and the syntax layer's output skips the
    // gate.
    const sandbox::Limits language = f.driver->language().limits;
    for (const sandbox::HarnessJob& job : f.executor.ran) {
        INFO(job.code);
        if (job.entry_point == f.problems[0].entry_point) {
            CHECK(job.limits.cpu_ms == 5000);
            CHECK(job.limits.wall_ms == 10000);
        } else if (job.entry_point == f.problems[1].entry_point) {
            CHECK(job.limits.cpu_ms == language.cpu_ms);
            CHECK(job.limits.wall_ms == language.wall_ms);
        } else {
            CHECK(job.limits.cpu_ms == 1000);
            CHECK(job.limits.wall_ms == 2000);
        }
        CHECK(job.limits.memory_mb == language.memory_mb);
    }
    // At most 6 per problem, every one different from its reference.
    CHECK(all.generated <= 24);
    for (const sandbox::HarnessJob& job : f.executor.ran)
        for (const Problem& p : f.problems)
            CHECK(job.code != p.solution);
    for (std::size_t i = 0; i < f.problems.size(); ++i) {
        const std::string& name = f.problems[i].entry_point;
        if (name == "sign_label") CHECK(tallies[i].killed == 0);
        if (name == "middle") CHECK(tallies[i].killed + tallies[i].survived == 0);
        if (name == "running_max") CHECK(tallies[i].survived == 0);
    }
    const auto rows = f.exported(exports::Kind::bugfix);
    CHECK(rows.size() == static_cast<std::size_t>(all.killed));
    for (const auto& row : rows) {
        CHECK(row["origin"] == "mutation");
        CHECK(row["failing_tests"][0]["message"] == "AssertionError: caught");
    }
}

TEST_CASE("pipeline::mutate: a problem whose reference failed gets no mutants") {
    StageFixture f([](const sandbox::HarnessJob& job) { return failing(job, 0, "caught"); },
                   [](const llm::ChatRequest&) { return failure("no model in this test"); });
    const std::vector<pipeline::ReferenceRun> references = f.references(false);
    pipeline::RunSummary summary;
    std::vector<pipeline::ProblemTally> tallies(f.problems.size());
    REQUIRE(pipeline::mutate(*f.driver, f.problems, references, {6}, summary, tallies));
    CHECK(f.executor.ran.empty());
    CHECK(summary.mutants.empty());
}
