// A stage's world without a jail or a server: a real store in a temporary directory, the real
// Python descriptor and prompts, the four small problems with their references recorded, a
// FakeExecutor and a FakeClient whose rules the test writes, and the driver over them.
#pragma once

#include "dataset/problem_files.hpp"
#include "export/export.hpp"
#include "pipeline/driver.hpp"
#include "pipeline/stages/context.hpp"
#include "pipeline/stages/references.hpp"
#include "pipeline/verify.hpp"
#include "support/fake_client.hpp"
#include "support/fake_executor.hpp"
#include "support/jsonl.hpp"
#include "support/small_problems.hpp"

#include <doctest/doctest.h>
#include <optional>
#include <string>
#include <vector>

namespace assay::testing {

inline Language python_language() {
    auto language = load_language("python");
    REQUIRE_MESSAGE(language, language.error().message);
    return *language;
}

inline llm::PromptBook pipeline_prompts() {
    auto prompts = llm::language_prompts("python");
    REQUIRE_MESSAGE(prompts, prompts.error().message);
    return *prompts;
}

inline store::Store open_store(const std::filesystem::path& path) {
    auto db = store::Store::open(path);
    REQUIRE_MESSAGE(db, db.error().message);
    return std::move(*db);
}

inline std::vector<Problem> small_problems(const TempDir& dir) {
    auto problems = dataset::load_problems(write_small_problems(dir), dataset::Format::assay);
    REQUIRE_MESSAGE(problems, problems.error().message);
    return *problems;
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

struct StageFixture {
    StageFixture(FakeExecutor::Rule rule, FakeClient::Script script)
        : db(open_store(dir / "assay.db")), executor(std::move(rule)), client(std::move(script)) {
        db.transaction([&] { run = db.begin_run("test", "{}"); });
        driver.emplace(db, executor, language, &client, pipeline::Driver::Options{run, 7, false});
        context.emplace(pipeline::LlmContext{*driver, prompts, settings});
    }

    // Records every problem and a run of its reference that `passed` or not (as `assay run`
    // does before the other stages), and returns them.
    std::vector<pipeline::ReferenceRun> references(bool passed = true) {
        std::vector<pipeline::ReferenceRun> out;
        db.transaction([&] {
            for (const Problem& p : problems) {
                db.put_problem(p);
                const std::int64_t reference = db.put_candidate(pipeline::reference_record(p));
                const sandbox::HarnessJob job = pipeline::make_job(p, p.solution, language.limits);
                const sandbox::JobResult result =
                    passed ? passing(job) : failing(job, 0, "AssertionError: reference broke");
                out.push_back(
                    {result, reference,
                     db.put_execution(reference, run, store::execution_key(job), result)});
            }
        });
        return out;
    }

    // references(), as the LLM stages' targets.
    std::vector<pipeline::Target> targets() {
        std::vector<pipeline::Target> out;
        const auto recorded = references();
        for (std::size_t i = 0; i < problems.size(); ++i)
            out.push_back({&problems[i], recorded[i].candidate});
        return out;
    }

    // The rows of one export of what the stages recorded.
    std::vector<nlohmann::json> exported(exports::Kind kind) {
        const auto file = dir / "export.jsonl";
        const auto rows = exports::export_jsonl(db, {kind, "", {}}, file);
        REQUIRE_MESSAGE(rows, rows.error().message);
        return read_jsonl(file);
    }

    // The problem whose entry point a request names in backticks.
    const Problem& problem_of(const llm::ChatRequest& request) const {
        for (const llm::Message& m : request.messages)
            for (const Problem& p : problems)
                if (m.role == "user" && contains(m.content, "`" + p.entry_point + "`")) return p;
        FAIL("no problem named in the request");
        return problems.front();
    }

    TempDir dir;
    store::Store db;
    Language language = python_language();
    llm::PromptBook prompts = pipeline_prompts();
    pipeline::LlmSettings settings;
    std::vector<Problem> problems = small_problems(dir);
    std::int64_t run = 0;
    FakeExecutor executor;
    FakeClient client;
    std::optional<pipeline::Driver> driver;
    std::optional<pipeline::LlmContext> context;
};

// Every case failed with `message`.
inline sandbox::JobResult all_failing(const sandbox::HarnessJob& job, const std::string& message) {
    sandbox::JobResult r = passing(job);
    for (sandbox::CaseResult& c : r.cases) {
        c.verdict = TestVerdict::failed;
        c.message = message;
    }
    r.message = message;
    return r;
}

// A reply holding `code` in a fenced Python block, then a sentence.
inline std::string fenced(const std::string& code, const std::string& prose = "Done.") {
    return "```python\n" + code + "\n```\n" + prose;
}

// The code of the first fenced block of a request's last user message (the program a bug or
// refactoring request shows).
inline std::string shown_code(const llm::ChatRequest& request) {
    const std::string& text = request.messages.back().content;
    const auto open = text.find("```python\n");
    if (open == std::string::npos) return "";
    const auto begin = open + 10;
    return text.substr(begin, text.find("\n```", begin) - begin);
}

} // namespace assay::testing
