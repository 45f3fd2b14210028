// The references stage (verify) against the fake executor: every problem and reference recorded
// in problem order, failures with their reason, no syntax gate, the language's own limits.
#include "pipeline/stages/references.hpp"
#include "pipeline/verify.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>

using namespace assay;
using namespace assay::testing;

TEST_CASE("pipeline::check_references records every reference and says why one failed") {
    StageFixture f(
        [](const sandbox::HarnessJob& job) {
            if (job.entry_point == "middle") return failing(job, 1, "AssertionError: middle");
            if (job.entry_point == "sign_label") return ended(job, Verdict::timeout, "wall limit");
            return passing(job);
        },
        [](const llm::ChatRequest&) { return failure("no model in this test"); });
    pipeline::RunSummary summary;
    const auto refs = pipeline::check_references(*f.driver, f.problems, summary);
    REQUIRE_MESSAGE(refs, refs.error().message);
    REQUIRE(refs->size() == f.problems.size());
    CHECK(summary.references_passed == 2);
    REQUIRE(summary.references_failed.size() == 2);
    CHECK(summary.references_failed["t/middle"] == "4/5 tests passed: AssertionError: middle");
    CHECK(summary.references_failed["t/sign_label"] == "timeout: wall limit");
    for (std::size_t i = 0; i < refs->size(); ++i) {
        const pipeline::ReferenceRun& r = (*refs)[i];
        CHECK(r.passed() ==
              (f.problems[i].entry_point != "middle" && f.problems[i].entry_point != "sign_label"));
        // Ids in problem order: the store inserted them one after the other.
        if (i > 0) CHECK(r.candidate > (*refs)[i - 1].candidate);
        if (i > 0) CHECK(r.execution > (*refs)[i - 1].execution);
    }
    CHECK(f.db.problems().size() == f.problems.size());
    REQUIRE(f.executor.ran.size() == f.problems.size());
    for (const sandbox::HarnessJob& job : f.executor.ran)
        CHECK(job.limits.wall_ms == f.language.limits.wall_ms);
    // Rerun: the store answers from its execution cache, except the timeout (it depends on the
    // machine's load, so it runs again); nothing new is inserted.
    pipeline::RunSummary again;
    const auto second = pipeline::check_references(*f.driver, f.problems, again);
    REQUIRE(second);
    REQUIRE(f.executor.ran.size() == f.problems.size() + 1);
    CHECK(f.executor.ran.back().entry_point == "sign_label");
    CHECK((*second)[0].candidate == (*refs)[0].candidate);
}

TEST_CASE("pipeline::languages_of: each problem's own language, loaded once") {
    TempDir dir;
    std::vector<Problem> problems = small_problems(dir);
    const auto one = pipeline::languages_of(problems);
    REQUIRE(one);
    REQUIRE(one->size() == 1);
    CHECK(one->at("python").name == "python");
    CHECK(pipeline::languages_of({}).value().empty());
    problems[2].language = "javascript";
    const auto two = pipeline::languages_of(problems);
    REQUIRE(two);
    CHECK(two->size() == 2);
    CHECK(two->at("javascript").grammar == "javascript");
    problems[1].language = "cobol";
    const auto unknown = pipeline::languages_of(problems);
    REQUIRE(!unknown);
    CHECK(unknown.error().kind == ErrorKind::bad_input);
    CHECK(unknown.error().where == problems[1].origin_file);
    CHECK(unknown.error().message == "language 'cobol' is not supported (no languages/cobol.toml)");
    problems[0].language = "../../etc/passwd";
    const auto hostile = pipeline::languages_of(problems);
    REQUIRE(!hostile);
    CHECK(hostile.error().where == problems[0].origin_file);
    CHECK(hostile.error().message.starts_with("language '../../etc/passwd' is not supported"));
}
