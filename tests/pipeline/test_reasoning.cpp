// A reasoning model's reasoning through the LLM stages: the stages read answers only, each record
// names the call its answer came from, and the exports carry that call's reasoning when asked.
#include "llm/cache.hpp"
#include "pipeline/stages/bugs.hpp"
#include "pipeline/stages/refactor.hpp"
#include "pipeline/stages/reflexion.hpp"
#include "pipeline/stages/solve.hpp"
#include "support/sql.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>

using namespace assay;
using namespace assay::testing;
using nlohmann::json;

namespace {

// The reasoning of every reply: a draft that defines the entry point and would pass, so that a
// stage that read it would record it.
std::string reasoning_for(const std::string& task, const Problem& p) {
    return "R:" + task + "\n" + fenced(p.solution + "\nDRAFT = 1");
}

} // namespace

TEST_CASE("pipeline: the LLM stages record answers, and name the call that holds the reasoning") {
    StageFixture* fixture = nullptr;
    StageFixture f(
        [](const sandbox::HarnessJob& job) {
            if (contains(job.code, "BUG = 1")) return all_failing(job, "AssertionError: bug");
            return passing(job);
        },
        [&](const llm::ChatRequest& r) {
            const std::string task = task_of(r);
            const Problem& p = fixture->problem_of(r);
            const std::string tag = task == "bug" ? "BUG" : task == "tests" ? "" : "CHANGED";
            llm::ChatResult result =
                task == "tests" ? reply(fenced(p.tests.front().code))
                                : reply(fenced(p.solution + "\n" + tag + " = 1  # " + task));
            result->reasoning = reasoning_for(task, p);
            return result;
        });
    fixture = &f;
    // The run's client: the cache over the model, where the reasoning is stored.
    llm::CachingClient cache(f.client, f.db);
    f.driver.emplace(f.db, f.executor, f.language, &cache,
                     pipeline::Driver::Options{f.run, 7, false});
    f.context.emplace(pipeline::LlmContext{*f.driver, f.prompts, f.settings});
    f.settings.samples = 1;
    f.settings.test_replies = 1;
    f.settings.bugs = 1;
    f.settings.max_steps = 2;
    const auto targets = f.targets();
    pipeline::LlmSummary summary;
    REQUIRE(pipeline::solve(*f.context, targets, summary));
    REQUIRE(pipeline::inject_bugs(*f.context, targets, summary));
    REQUIRE(pipeline::refactor(*f.context, targets, summary));
    REQUIRE(pipeline::reflexion(*f.context, targets, summary));

    // No record holds a draft.
    Sql sql(f.db.path());
    CHECK(sql.scalar("SELECT count(*) FROM candidates WHERE code LIKE '%DRAFT%'") == 0);
    CHECK(sql.scalar("SELECT count(*) FROM trajectories WHERE meta LIKE '%DRAFT%'") == 0);
    // Every model-made candidate but the tests names its call; the calls hold the reasoning.
    CHECK(sql.scalar("SELECT count(*) FROM candidates WHERE origin = 'llm' AND kind != 'test' "
                     "AND json_extract(meta, '$.llm_call') NOT IN "
                     "(SELECT request_hash FROM llm_calls)") == 0);
    CHECK(sql.scalar("SELECT count(*) FROM llm_calls WHERE reasoning NOT LIKE 'R:%DRAFT%'") == 0);

    const auto rows = [&](exports::Kind kind, bool with_reasoning) {
        const auto file = f.dir / "export.jsonl";
        REQUIRE(exports::export_jsonl(f.db, {kind, "", {}, with_reasoning}, file));
        return read_jsonl(file);
    };
    using K = exports::Kind;
    for (const K kind : {K::sft, K::bugfix, K::refactor, K::reflexion, K::dpo}) {
        const auto plain = rows(kind, false);
        // Every attempt passes: no preference pairs.
        CHECK_MESSAGE(plain.empty() == (kind == K::dpo), exports::to_string(kind));
        for (const json& row : plain)
            CHECK(!contains(row.dump(), "DRAFT"));
    }
    const auto starts = [](const json& text, const std::string& prefix) {
        return text.get<std::string>().starts_with(prefix);
    };
    for (const json& row : rows(K::sft, true)) {
        const bool by_model = row["origin"] == "llm";
        CHECK((by_model ? starts(row["reasoning"], "R:solve") ||
                              starts(row["reasoning"], "R:reflexion") ||
                              starts(row["reasoning"], "R:refactor")
                        : row["reasoning"] == ""));
    }
    for (const json& row : rows(K::bugfix, true)) {
        const bool by_model = row["origin"] == "llm";
        CHECK((by_model ? starts(row["reasoning"], "R:bug") : row["reasoning"] == ""));
    }
    for (const json& row : rows(K::refactor, true))
        CHECK(starts(row["reasoning"], "R:refactor"));
    for (const json& row : rows(K::reflexion, true)) {
        for (const json& step : row["steps"])
            CHECK(starts(step["reasoning"], "R:reflexion"));
        for (const json& m : row["messages"])
            if (m["role"] == "assistant") CHECK(starts(m["reasoning"], "R:reflexion"));
    }
}
