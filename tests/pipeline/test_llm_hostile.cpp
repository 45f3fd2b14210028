// The LLM stages through `pipeline::run`, in the jail, against a scripted model over real HTTP
// whose replies are hostile or broken. Whatever comes back, the run finishes, records what it
// kept, and keeps every failure's message.
#include "pipeline/run.hpp"
#include "store/store.hpp"
#include "support/jsonl.hpp"
#include "support/scripted_model.hpp"
#include "support/small_problems.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace assay;
using assay::testing::Answer;
using assay::testing::Ask;
using assay::testing::read_jsonl;
using assay::testing::scripted_run;
using assay::testing::ScriptedModel;
using assay::testing::TempDir;
using nlohmann::json;

namespace {

const char* kRunningMax = R"(def running_max(xs):
    out = []
    best = None
    for x in xs:
        if best is None or x > best:
            best = x
        out.append(best)
    return out
)";

const char* kWrongMax = R"(def running_max(xs):
    return list(xs)
)";

std::string fenced(const std::string& code) {
    return "```python\n" + code + "```\n";
}

// One problem: t/running_max (2 visible, 2 hidden tests).
void one_problem(const TempDir& dir) {
    dir.write("problems/running_max.toml", testing::kRunningMax);
}

bool valid_utf8(const std::string& text) {
    try {
        (void)json(text).dump();
        return true;
    } catch (const json::exception&) {
        return false;
    }
}

} // namespace

TEST_CASE("pipeline::run LLM stages: replies in a script with multi-byte characters") {
    TempDir dir;
    one_problem(dir);
    // Prose of 3-byte characters after two ASCII bytes: every byte limit lands inside one.
    std::string prose = "xy";
    for (int i = 0; i < 2000; ++i)
        prose += "\xe5\x86\x99"; // 写
    ScriptedModel model([&](const Ask& ask) -> Answer {
        if (ask.kind == "bug") return {prose + "\n" + fenced(kWrongMax)};
        if (ask.kind == "reflexion") return {prose + "\n" + fenced(kWrongMax)};
        if (ask.kind == "reflexion-retry") return {prose + "\n" + fenced(kRunningMax)};
        return {fenced(kRunningMax)};
    });
    const auto summary =
        pipeline::run(scripted_run(dir, "a.db", model.url(), "verify,bugs,reflexion,export"));
    REQUIRE_MESSAGE(summary, summary.error().describe());
    testing::Sql db(dir / "a.db");
    for (const std::string& meta : db.texts("SELECT meta FROM candidates WHERE origin = 'llm'"))
        CHECK(json::parse(meta, nullptr, false).is_object());
    for (const std::string& text : db.texts("SELECT reflection FROM trajectory_steps"))
        CHECK(valid_utf8(text));
    const auto rows = read_jsonl(dir / "a.db.out" / "reflexion.jsonl");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["solved"] == true);
    CHECK(rows[0]["steps"][0]["reflection"].get<std::string>().starts_with("xy\xe5\x86\x99"));
    CHECK(summary->llm->bugs_kept == 1);
}

TEST_CASE("pipeline::run LLM stages: a server that answers with bytes that are not UTF-8") {
    TempDir dir;
    one_problem(dir);
    std::string garbage = "\xff\xfe";
    for (int i = 0; i < 400; ++i)
        garbage += "\x80\xc3";
    ScriptedModel model([&](const Ask&) -> Answer { return {"", "stop", 200, garbage}; });
    const auto summary =
        pipeline::run(scripted_run(dir, "a.db", model.url(), "verify,bugs,export"));
    REQUIRE_MESSAGE(summary, summary.error().describe());
    REQUIRE(summary->llm);
    CHECK(summary->llm->failed() == 1);
    CHECK(summary->llm->first_error.find("not a JSON object") != std::string::npos);
    CHECK(valid_utf8(summary->llm->first_error));
    CHECK_NOTHROW((void)summary->to_json().dump());
}

TEST_CASE("pipeline::run LLM stages: a Reflexion trace cut short by a failed call is finished "
          "by a later run") {
    TempDir dir;
    one_problem(dir);
    // Attempt 1 is wrong; the server fails the retry. A later run with the server healthy asks
    // the retry again and completes the trace.
    auto script = [&](bool healthy) {
        return [healthy](const Ask& ask) -> Answer {
            if (ask.kind == "reflexion") return {"First try.\n" + fenced(kWrongMax)};
            if (ask.kind == "reflexion-retry") {
                if (!healthy) return {"", "stop", 500};
                return {"I copied the input instead of tracking the maximum.\n" +
                        fenced(kRunningMax)};
            }
            return {fenced(kRunningMax)};
        };
    };
    ScriptedModel model(script(false));
    const auto first =
        pipeline::run(scripted_run(dir, "a.db", model.url(), "verify,reflexion,export"));
    REQUIRE_MESSAGE(first, first.error().describe());
    CHECK(first->llm->failed() == 1);
    CHECK(first->llm->first_error.find("500") != std::string::npos);
    CHECK(first->llm->traces_aborted == 1);
    CHECK(first->llm->traces == 0);

    model.set_script(script(true));
    const auto second =
        pipeline::run(scripted_run(dir, "a.db", model.url(), "verify,reflexion,export"));
    REQUIRE_MESSAGE(second, second.error().describe());
    CHECK(second->llm->failed() == 0);
    const auto rows = read_jsonl(dir / "a.db.out" / "reflexion.jsonl");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["num_steps"] == 2);
    CHECK(rows[0]["solved"] == true);
    CHECK(rows[0]["steps"][0]["reflection"] ==
          "I copied the input instead of tracking the maximum.");
    // The conversation ends with the model's last attempt, not an unanswered request.
    CHECK(rows[0]["messages"].back()["role"] == "assistant");
}

TEST_CASE("pipeline::run LLM stages: a model's refactoring that is also one of its samples") {
    TempDir dir;
    one_problem(dir);
    const std::string other = R"(def running_max(xs):
    result = []
    for i in range(len(xs)):
        result.append(max(xs[: i + 1]))
    return result
)";
    ScriptedModel model([&](const Ask& ask) -> Answer {
        if (ask.kind == "solve" || ask.kind == "refactor") return {fenced(other)};
        if (ask.kind == "bug") return {fenced(kWrongMax)};
        return {fenced(kWrongMax)};
    });
    const auto summary = pipeline::run(
        scripted_run(dir, "a.db", model.url(), "verify,solve,bugs,refactor,reflexion,export"));
    REQUIRE_MESSAGE(summary, summary.error().describe());
    CHECK(summary->llm->refactors_kept == 1);
    CHECK(summary->llm->bugs_kept == 1);
    int llm_refactors = 0;
    for (const json& row : read_jsonl(dir / "a.db.out" / "refactor.jsonl"))
        llm_refactors += row["origin"] == "llm" ? 1 : 0;
    CHECK(llm_refactors == 1);
    int llm_bugs = 0;
    for (const json& row : read_jsonl(dir / "a.db.out" / "bugfix.jsonl"))
        llm_bugs += row["origin"] == "llm" ? 1 : 0;
    CHECK(llm_bugs == 1);
}

TEST_CASE("pipeline::run LLM stages: replies of ten megabytes") {
    TempDir dir;
    one_problem(dir);
    std::string prose;
    while (prose.size() < 10'000'000)
        prose += "And here is some more about the program above, at length.\n";
    ScriptedModel model([&](const Ask& ask) -> Answer {
        if (ask.kind == "reflexion") return {fenced(kWrongMax) + prose};
        if (ask.kind == "reflexion-retry")
            return {"It returned its input.\n" + fenced(kRunningMax) + prose};
        return {fenced(kRunningMax) + prose};
    });
    const auto summary =
        pipeline::run(scripted_run(dir, "a.db", model.url(), "verify,reflexion,export"));
    REQUIRE_MESSAGE(summary, summary.error().describe());
    // Cut at 16 bytes per token asked for, and counted as truncated.
    CHECK(summary->llm->calls.at("reflexion").truncated == 2);
    CHECK(summary->llm->traces_solved == 1);
    // Neither the second request nor the exported conversation carries the megabytes.
    for (const std::string& body : model.bodies())
        CHECK(body.size() < 100'000);
    const auto rows = read_jsonl(dir / "a.db.out" / "reflexion.jsonl");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["messages"].dump().size() < 100'000);
    CHECK(
        rows[0]["steps"][0]["reflection"].get<std::string>().starts_with("It returned its input."));
}

TEST_CASE("pipeline::run LLM stages: a new problem already stored by an earlier run") {
    TempDir dir;
    one_problem(dir);
    // The same statement; the last test is the script's.
    auto reply = [](const std::string& last_test) {
        return "## Title\nTriple\n## Entry point\n`triple`\n## Problem\nWrite `triple(x)` that "
               "returns three times x.\n## Solution\n```python\ndef triple(x):\n    return x * "
               "3\n```\n## Tests\n```python\nassert triple(1) == 3\nassert triple(2) == 6\n"
               "assert triple(0) == 0\nassert triple(-1) == -3\n" +
               last_test + "\n```\n";
    };
    ScriptedModel model([&](const Ask&) -> Answer { return {reply("assert triple(10) == 30")}; });
    auto options = [&](std::uint64_t seed) {
        auto o = scripted_run(dir, "a.db", model.url(), "instruct,verify,export");
        o.seed = seed;
        o.llm->new_problems = 1;
        return o;
    };
    auto stored_tests = [&] {
        return testing::Sql(dir / "a.db")
            .texts("SELECT code FROM tests WHERE problem_id LIKE 'llm/%' ORDER BY position");
    };
    const auto first = pipeline::run(options(7));
    REQUIRE_MESSAGE(first, first.error().describe());
    REQUIRE(first->llm->problems_accepted.size() == 1);
    const auto tests = stored_tests();
    REQUIRE(tests.size() == 5);

    SUBCASE("the same command again: the same problem, accepted again") {
        const auto again = pipeline::run(options(7));
        REQUIRE_MESSAGE(again, again.error().describe());
        CHECK(again->llm->problems_accepted == first->llm->problems_accepted);
        CHECK(stored_tests() == tests);
    }
    SUBCASE("another seed, the same statement with other tests: refused, the stored tests stay") {
        model.set_script([&](const Ask&) -> Answer { return {reply("assert triple(5) == 15")}; });
        const auto other = pipeline::run(options(8));
        REQUIRE_MESSAGE(other, other.error().describe());
        CHECK(other->llm->problems_accepted.empty());
        CHECK(other->llm->problems_rejected.at("too similar to an existing problem") == 1);
        CHECK(stored_tests() == tests);
    }
}

TEST_CASE("pipeline::run LLM stages: a reply cut by max_tokens whose longer retry fails") {
    TempDir dir;
    one_problem(dir);
    // The first ask is cut (finish_reason length); the retry with twice the tokens fails, and
    // succeeds in a later run.
    auto script = [](bool healthy) {
        return [healthy](const Ask& ask) -> Answer {
            const int asked = ask.request["max_tokens"];
            if (ask.kind != "solve") return {"no"};
            if (asked <= 1024) return {"```python\ndef running_max(xs):\n    out = [", "length"};
            if (!healthy) return {"", "stop", 503};
            return {fenced(kRunningMax)};
        };
    };
    ScriptedModel model(script(false));
    auto options = [&] {
        auto o = scripted_run(dir, "a.db", model.url(), "verify,solve,export");
        o.llm->samples = 1;
        o.llm->test_replies = 0;
        return o;
    };
    auto samples = [&] {
        return testing::Sql(dir / "a.db")
            .texts("SELECT code FROM candidates WHERE origin = 'llm' ORDER BY id");
    };
    const auto first = pipeline::run(options());
    REQUIRE_MESSAGE(first, first.error().describe());
    // A failure, never data: the cut reply is not kept in place of the answer that failed.
    CHECK(first->llm->calls.at("solve").failed == 1);
    CHECK(first->llm->first_error.find("503") != std::string::npos);
    CHECK(samples().empty());

    model.set_script(script(true));
    const auto second = pipeline::run(options());
    REQUIRE_MESSAGE(second, second.error().describe());
    CHECK(second->llm->failed() == 0);
    CHECK(samples() == std::vector<std::string>{kRunningMax});
}

TEST_CASE("pipeline::run LLM stages: solve replies with nothing to keep say why in the summary") {
    TempDir dir;
    one_problem(dir);
    // Half of each kind of reply holds no code; the other half of the tests test nothing.
    std::atomic<int> solves{0};
    std::atomic<int> tests{0};
    ScriptedModel model([&](const Ask& ask) -> Answer {
        if (ask.kind == "solve")
            return {solves++ % 2 == 0 ? std::string("I would rather not.") : fenced(kRunningMax)};
        if (ask.kind == "tests")
            return {tests++ % 2 == 0 ? std::string("No tests today.")
                                     : "```python\nassert True\nassert 1 == 1\n```\n"};
        return {"no"};
    });
    auto o = scripted_run(dir, "a.db", model.url(), "verify,solve,export");
    o.llm->samples = 6;
    o.llm->test_replies = 6;
    const auto summary = pipeline::run(o);
    REQUIRE_MESSAGE(summary, summary.error().describe());
    const auto& s = *summary->llm;
    CHECK(s.samples == 3);
    CHECK(s.solve_rejected.at("sample: no code in the reply") == 3);
    CHECK(s.solve_rejected.at("tests: no code in the reply") == 3);
    CHECK(s.solve_rejected.at("tests: none that call the entry point") == 3);
    CHECK(s.to_json()["solve"]["rejected"].size() == 3);
    CHECK(s.describe().find("3: tests: none that call the entry point") != std::string::npos);
    // Without a sample the reasons still come under a heading of their own.
    pipeline::LlmSummary none;
    none.solve_rejected["sample: no code in the reply"] = 2;
    CHECK(none.describe().find("samples: none with code\n  rejected   2: sample: no code in the "
                               "reply\n") != std::string::npos);
}
