// The Reflexion stage against the fake executor: the feedback a failing attempt gets is what
// the executor said, a retry that passes ends the trace, and a trace cut by a failed call is not
// recorded.
#include "pipeline/stages/reflexion.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>

using namespace assay;
using namespace assay::testing;

namespace {

sandbox::JobResult judge(const sandbox::HarnessJob& job) {
    if (contains(job.code, "FIRST_TRY")) return failing(job, 0, "AssertionError: forged 42");
    return passing(job);
}

int assistant_turns(const llm::ChatRequest& r) {
    int n = 0;
    for (const llm::Message& m : r.messages)
        n += m.role == "assistant" ? 1 : 0;
    return n;
}

} // namespace

TEST_CASE("pipeline::reflexion: a failing attempt is told why, and the retry is recorded") {
    StageFixture* fixture = nullptr;
    StageFixture f(judge, [&](const llm::ChatRequest& r) {
        const Problem& p = fixture->problem_of(r);
        if (assistant_turns(r) == 0) return reply(fenced(p.solution + "\nFIRST_TRY = 1"));
        return reply("I forgot the edge case.\n" + fenced(p.solution));
    });
    fixture = &f;
    f.settings.max_steps = 3;
    pipeline::LlmSummary summary;
    REQUIRE(pipeline::reflexion(*f.context, f.targets(), summary));

    CHECK(summary.traces == 4);
    CHECK(summary.traces_solved == 4);
    CHECK(summary.traces_solved_first == 0);
    CHECK(summary.trace_steps[2] == 4);
    REQUIRE(f.client.asked.size() == 8);
    for (const llm::ChatRequest& r : f.client.asked)
        if (assistant_turns(r) == 1) {
            // The executor's message, under the test's own code.
            CHECK(contains(r.messages.back().content, "AssertionError: forged 42"));
            CHECK(contains(r.messages.back().content, "assert "));
        }
    // Attempts run on the visible tests only; the final attempt on every test.
    for (const sandbox::HarnessJob& job : f.executor.ran)
        if (contains(job.code, "FIRST_TRY"))
            for (const sandbox::HarnessCase& c : job.cases)
                CHECK(c.name.starts_with("visible"));

    const auto rows = f.exported(exports::Kind::reflexion);
    REQUIRE(rows.size() == 4);
    for (const auto& row : rows) {
        CHECK(row["solved"] == true);
        CHECK(contains(row.dump(), "I forgot the edge case."));
    }
}

TEST_CASE("pipeline::reflexion: an attempt that does not parse never reaches the executor") {
    StageFixture* fixture = nullptr;
    StageFixture f(judge, [&](const llm::ChatRequest& r) {
        const Problem& p = fixture->problem_of(r);
        if (assistant_turns(r) == 0) return reply(fenced("def " + p.entry_point + "(:\n    pass"));
        return reply(fenced(p.solution));
    });
    fixture = &f;
    pipeline::LlmSummary summary;
    REQUIRE(pipeline::reflexion(*f.context, f.targets(), summary));
    CHECK(summary.traces_solved == 4);
    CHECK(summary.trace_steps[2] == 4);
    for (const sandbox::HarnessJob& job : f.executor.ran)
        CHECK(!contains(job.code, "(:"));
    // The syntax error is what the model was told.
    for (const llm::ChatRequest& r : f.client.asked)
        if (assistant_turns(r) == 1) CHECK(contains(r.messages.back().content, "compile_error"));
}

TEST_CASE("pipeline::reflexion: a trace cut short by a failed call is left for a rerun") {
    StageFixture* fixture = nullptr;
    StageFixture f(judge, [&](const llm::ChatRequest& r) {
        const Problem& p = fixture->problem_of(r);
        if (assistant_turns(r) == 1 && p.entry_point == "middle")
            return failure("connection reset");
        if (assistant_turns(r) == 0) return reply(fenced(p.solution + "\nFIRST_TRY = 1"));
        return reply(fenced(p.solution));
    });
    fixture = &f;
    pipeline::LlmSummary summary;
    REQUIRE(pipeline::reflexion(*f.context, f.targets(), summary));
    CHECK(summary.traces == 3);
    CHECK(summary.traces_aborted == 1);
    const auto rows = f.exported(exports::Kind::reflexion);
    REQUIRE(rows.size() == 3);
    for (const auto& row : rows)
        CHECK(!contains(row.dump(), "def middle"));
}
