// The solve stage against the fake executor: samples recorded with their verdicts, and the
// model's tests chosen by agreement (CodeT) — a wrong test and a wrong sample both left out.
#include "pipeline/stages/solve.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>

using namespace assay;
using namespace assay::testing;

namespace {

// Samples containing WRONG fail every test; a test comparing with 'bogus' fails every program.
sandbox::JobResult judge(const sandbox::HarnessJob& job) {
    if (contains(job.code, "WRONG")) return all_failing(job, "AssertionError: wrong sample");
    sandbox::JobResult r = passing(job);
    for (std::size_t i = 0; i < job.cases.size(); ++i)
        if (contains(job.cases[i].code, "'bogus'")) {
            r.cases[i].verdict = TestVerdict::failed;
            r.cases[i].message = "AssertionError: bogus test";
        }
    return r;
}

} // namespace

TEST_CASE("pipeline::solve: CodeT keeps the tests the agreeing samples pass") {
    std::map<std::string, int> asked; // samples asked per entry point
    StageFixture* fixture = nullptr;
    StageFixture f(judge, [&](const llm::ChatRequest& r) {
        const Problem& p = fixture->problem_of(r);
        if (task_of(r) == "tests") {
            std::string block;
            for (const TestCase& t : p.tests)
                if (t.code.starts_with("assert " + p.entry_point)) block += t.code + "\n";
            block += "assert " + p.entry_point + "(None) == 'bogus'\n";
            return reply(fenced(block));
        }
        // Two right samples, then a wrong one.
        const bool wrong = ++asked[p.entry_point] == 3;
        return reply(fenced(p.solution + (wrong ? "\nWRONG = 1" : "")));
    });
    fixture = &f;
    f.settings.samples = 3;
    f.settings.test_replies = 1;
    pipeline::LlmSummary summary;
    REQUIRE(pipeline::solve(*f.context, f.targets(), summary));

    CHECK(summary.samples == 12);
    CHECK(summary.samples_passed == 8);
    CHECK(summary.codet_problems == 4);
    CHECK(summary.codet_pick_passed == 4);
    int real_tests = 0;
    for (const Problem& p : f.problems)
        for (const TestCase& t : p.tests)
            real_tests += t.code.starts_with("assert " + p.entry_point) ? 1 : 0;
    CHECK(summary.tests_proposed == real_tests + 4);
    CHECK(summary.tests_chosen == real_tests);
    CHECK(summary.tests_chosen_correct == real_tests);
    CHECK(summary.tests_rejected_incorrect == 4);
    // Per problem: the 2 distinct samples on its tests and on the model's (the two right
    // samples are one program: it runs once), and the reference on the model's.
    CHECK(f.executor.ran.size() == 4 * 5);

    // The SFT export holds one row per distinct program: the right samples are the reference's
    // code, so the reference's row (origin seed) stands for them; never the wrong one.
    const auto rows = f.exported(exports::Kind::sft);
    REQUIRE(rows.size() == 4);
    for (const auto& row : rows) {
        CHECK(row["origin"] == "seed");
        CHECK(!contains(row.dump(), "WRONG"));
    }
}
