// The LLM stages in C++ and JavaScript, black-box: `assay run --llm-url` against assay-fake-llm
// on a few bank problems of each language. The model gets each language's prompts, answers in
// that language, and the run exports LLM-made problems, bug/fix pairs and Reflexion traces of
// both.
#include "core/language.hpp"
#include "support/fake_llm_process.hpp"
#include "support/jsonl.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <map>
#include <nlohmann/json.hpp>

using assay::testing::assay_binary;
using assay::testing::FakeLlm;
using assay::testing::Ran;
using assay::testing::read_jsonl;
using assay::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_SUITE("cli") {
    TEST_CASE("cli::run --llm-url on C++ and JavaScript problems") {
        TempDir dir;
        const fs::path bank = assay::project_root() / "problems";
        fs::create_directories(dir / "problems");
        for (const char* file :
             {"cpp/is_power_of_two.toml", "cpp/excel_column.toml", "cpp/pascal_row.toml",
              "cpp/move_zeros.toml", "javascript/title_case.toml", "javascript/to_camel_case.toml",
              "javascript/chunk_array.toml", "javascript/zip_arrays.toml"})
            fs::copy_file(bank / file, dir / "problems" / fs::path(file).filename());
        FakeLlm server({"--seed", "3"});
        const Ran ran = assay_binary({"run", "--problems", (dir / "problems").string(), "--llm-url",
                                      server.url(), "--model", "fake-model", "--stages",
                                      "instruct,verify,solve,bugs,reflexion,export", "--seed", "3",
                                      "--jobs", "2", "--db", (dir / "run.db").string(), "--out",
                                      (dir / "out").string(), "--json"});
        REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
        const json summary = json::parse(ran.out);
        MESSAGE(summary["llm"].dump());
        for (const char* language : {"cpp", "javascript"}) {
            CAPTURE(language);
            // Each language's seed problems, and the ones its model made.
            CHECK(summary["languages"][language]["problems"].get<int>() > 4);
            CHECK(summary["languages"][language]["references_passed"].get<int>() > 4);
        }
        // Every row is in one of the two languages; each has LLM-made problems, bugs and traces.
        std::map<std::string, int> made, bugs, traces, multi_step;
        for (const json& row : read_jsonl(dir / "out" / "sft.jsonl")) {
            const std::string language = row["language"];
            CHECK((language == "cpp" || language == "javascript"));
            if (row["problem_id"].get<std::string>().starts_with("llm/")) ++made[language];
        }
        for (const json& row : read_jsonl(dir / "out" / "bugfix.jsonl"))
            if (row["origin"] == "llm") ++bugs[row["language"].get<std::string>()];
        for (const json& row : read_jsonl(dir / "out" / "reflexion.jsonl")) {
            const std::string language = row["language"];
            ++traces[language];
            multi_step[language] += row["steps"].size() >= 2 ? 1 : 0;
            if (row["solved"] == true) CHECK(row["steps"].back()["verdict"] == "ok");
        }
        for (const char* language : {"cpp", "javascript"}) {
            CAPTURE(language);
            CHECK(made[language] >= 1);
            CHECK(bugs[language] >= 1);
            CHECK(traces[language] >= 1);
        }
        // A trace of two or more steps (feedback, then a new attempt): which language's first
        // attempts the fake model gets right depends on the seeds, so over both.
        CHECK(multi_step["cpp"] + multi_step["javascript"] >= 1);
        // The requests were each language's own prompts.
        const Ran calls = assay_binary({"stats", "--db", (dir / "run.db").string(), "--json"});
        REQUIRE_MESSAGE(calls.exit_code == 0, calls.err);
        CHECK(json::parse(calls.out)["by_language"].contains("cpp"));
    }
}
