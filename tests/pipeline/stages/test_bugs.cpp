// The bugs stage against the fake executor and an in-process model: what is kept, what is
// rejected and why, and what reaches the jail.
#include "pipeline/stages/bugs.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>
#include <set>

using namespace assay;
using namespace assay::testing;

namespace {

std::string category_of(const llm::ChatRequest& request) {
    const std::string& text = request.messages.back().content;
    const std::string marker = "bug of this kind: ";
    const auto at = text.find(marker);
    REQUIRE(at != std::string::npos);
    const auto begin = at + marker.size();
    return text.substr(begin, text.find(" (", begin) - begin);
}

// How the model answers each category: caught by a test, passing every test, crashing the
// harness, or the reference unchanged.
std::string marker_for(const std::string& category) {
    if (category == "wrong-comparison") return "SURVIVOR";
    if (category == "missed-edge-case") return "CRASH";
    if (category == "wrong-variable") return "";
    return "CAUGHT";
}

sandbox::JobResult judge(const sandbox::HarnessJob& job) {
    if (contains(job.code, "CAUGHT")) return failing(job, 0, "AssertionError: forged failure");
    if (contains(job.code, "CRASH")) return ended(job, Verdict::internal_error, "harness broke");
    return passing(job);
}

} // namespace

TEST_CASE("pipeline::inject_bugs keeps the bugs a test catches, with a bug/fix pair") {
    StageFixture f(judge, [](const llm::ChatRequest& r) {
        const std::string marker = marker_for(category_of(r));
        const std::string code = shown_code(r);
        return reply(fenced(marker.empty() ? code : code + "\n" + marker + " = 1", "I broke it."));
    });
    f.settings.bugs = 4;
    auto targets = f.targets();
    REQUIRE(targets.size() >= 2);
    targets[0].reference_cpu_ms = 2100; // a reference that took 2.1 s
    pipeline::LlmSummary summary;
    REQUIRE(pipeline::inject_bugs(*f.context, targets, summary));

    std::map<std::string, int> expected; // marker → replies
    std::set<std::string> programs;      // distinct programs that should reach the executor
    for (const llm::ChatRequest& r : f.client.asked) {
        const std::string marker = marker_for(category_of(r));
        ++expected[marker];
        if (!marker.empty()) programs.insert(f.problem_of(r).entry_point + marker);
    }
    REQUIRE(f.client.asked.size() == 16);
    for (const char* marker : {"CAUGHT", "SURVIVOR", "CRASH", ""})
        REQUIRE_MESSAGE(expected[marker] > 0, "no reply of kind '", marker, "' to check");
    CHECK(summary.bugs_asked == 16);
    CHECK(summary.bugs_kept == expected["CAUGHT"]);
    CHECK(summary.bugs_rejected["passes every test"] == expected["SURVIVOR"]);
    CHECK(summary.bugs_rejected["internal error while running"] == expected["CRASH"]);
    CHECK(summary.bugs_rejected["no change to the program"] == expected[""]);
    // An unchanged program never reaches the jail, and the same program runs once.
    CHECK(f.executor.ran.size() == programs.size());
    // Model-written code runs under limits of its reference's scale: four times its CPU time
    // in whole seconds, at least one.
    for (const sandbox::HarnessJob& job : f.executor.ran) {
        const bool slow = job.entry_point == targets[0].problem->entry_point;
        CHECK(job.limits.cpu_ms == (slow ? 9000 : 1000));
        CHECK(job.limits.wall_ms == (slow ? 18000 : 2000));
    }

    // Each caught bug is a bug/fix row whose failing test is the one the executor failed, on
    // the problem the request was about.
    // Two categories that gave the same program are one bug.
    const auto rows = f.exported(exports::Kind::bugfix);
    std::size_t caught = 0;
    for (const std::string& program : programs)
        caught += program.ends_with("CAUGHT") ? 1 : 0;
    REQUIRE(rows.size() == caught);
    for (const auto& row : rows) {
        CHECK(contains(row["buggy_code"], "CAUGHT = 1"));
        CHECK(std::string(row["buggy_code"]).starts_with(std::string(row["fixed_code"])));
        REQUIRE(row["failing_tests"].size() == 1);
        CHECK(row["failing_tests"][0]["message"] == "AssertionError: forged failure");
        CHECK(row["origin"] == "llm");
    }
}

TEST_CASE("pipeline::inject_bugs: a failed call or a reply without code is counted, not kept") {
    StageFixture f(judge, [](const llm::ChatRequest& r) {
        if (category_of(r) == "off-by-one") return failure("503 from the server");
        return reply("I would rather not.");
    });
    f.settings.bugs = 2;
    pipeline::LlmSummary summary;
    REQUIRE(pipeline::inject_bugs(*f.context, f.targets(), summary));
    CHECK(summary.bugs_kept == 0);
    int failed = 0;
    for (const llm::ChatRequest& r : f.client.asked)
        failed += category_of(r) == "off-by-one" ? 1 : 0;
    CHECK(summary.bugs_rejected["llm call failed"] == failed);
    CHECK(summary.calls["bug"].failed == failed);
    CHECK(summary.bugs_rejected["no code in the reply"] == 8 - failed);
    CHECK(f.executor.ran.empty());
}

TEST_CASE("pipeline::inject_bugs: a host that cannot jail fails the stage with its reason") {
    StageFixture f(judge, [](const llm::ChatRequest& r) {
        return reply(fenced(shown_code(r) + "\nCAUGHT = 1"));
    });
    f.executor.start_error = "no user namespaces on this host";
    pipeline::LlmSummary summary;
    const auto done = pipeline::inject_bugs(*f.context, f.targets(), summary);
    REQUIRE(!done);
    CHECK(done.error().message == "no user namespaces on this host");
    CHECK(done.error().kind == ErrorKind::environment);
    CHECK(f.exported(exports::Kind::bugfix).empty());
}
