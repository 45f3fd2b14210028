// The rows a run exports are clean, black-box, offline on the bank and against assay-fake-llm:
// one row per (problem, program) in every export (one per problem in tasks), every refactoring
// keeps the interface of the functions it rewrites, no text shows the harness (its paths, files
// or frames), and every assistant turn of a conversation says whether it is trained on (`weight`
// 0 or 1).
#include "core/language.hpp"
#include "support/fake_llm_process.hpp"
#include "support/jsonl.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "syntax/ast_hash.hpp"
#include "syntax/entry_point.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <set>

using assay::testing::assay_binary;
using assay::testing::FakeLlm;
using assay::testing::Ran;
using assay::testing::read_jsonl;
using assay::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A program as the exports' dedup sees it: its normalised syntax tree.
std::string identity(const std::string& code) {
    const auto hash = assay::syntax::ast_hash("python", code);
    REQUIRE_MESSAGE(hash, code);
    return *hash;
}

// Every string anywhere in `value`.
void strings(const json& value, std::vector<std::string>& out) {
    if (value.is_string()) out.push_back(value.get<std::string>());
    if (value.is_structured())
        for (const json& item : value)
            strings(item, out);
}

void check_no_harness(const fs::path& file, const std::vector<json>& rows) {
    for (const json& row : rows) {
        std::vector<std::string> texts;
        strings(row, texts);
        for (const std::string& text : texts)
            for (const char* inside : {"/assay/", "/work/", "/assay-native", "runner.py",
                                       "judge.py", "zygote", "channel.py", "segments.py"})
                CHECK_MESSAGE(text.find(inside) == std::string::npos, file.filename(), ": ", inside,
                              " in ", text.substr(0, 400));
    }
}

void check_weights(const json& messages) {
    REQUIRE(messages.is_array());
    int assistants = 0;
    for (const json& m : messages) {
        if (m["role"] != "assistant") {
            CHECK_FALSE(m.contains("weight"));
            continue;
        }
        ++assistants;
        REQUIRE(m.contains("weight"));
        CHECK((m["weight"] == 0 || m["weight"] == 1));
    }
    CHECK(assistants >= 1);
}

// Checks every export of `out`; returns how many rows were read.
std::size_t check_exports(const fs::path& out) {
    std::size_t total = 0;
    const auto rows_of = [&](const char* name) {
        auto rows = read_jsonl(out / name);
        check_no_harness(out / name, rows);
        total += rows.size();
        return rows;
    };
    std::set<std::pair<std::string, std::string>> seen;
    const auto once = [&](const char* kind, const json& row, const std::string& key) {
        const auto [it, fresh] = seen.emplace(kind + row["problem_id"].get<std::string>(), key);
        CHECK_MESSAGE(fresh, kind, " row repeats a program of ", row["problem_id"]);
    };
    for (const json& row : rows_of("sft.jsonl"))
        once("sft", row, identity(row["messages"].back()["content"].get<std::string>()));
    for (const json& row : rows_of("bugfix.jsonl"))
        once("bugfix", row, identity(row["buggy_code"].get<std::string>()));
    for (const json& row : rows_of("refactor.jsonl")) {
        const auto before = row["original_code"].get<std::string>();
        const auto after = row["refactored_code"].get<std::string>();
        once("refactor", row, identity(after));
        const auto functions = assay::syntax::top_level_functions("python", before);
        REQUIRE(functions);
        for (const std::string& name : *functions)
            CHECK_MESSAGE(assay::syntax::same_signature("python", before, after, name),
                          row["refactor_kind"], " changes the signature of ", name, ":\n", after);
    }
    for (const json& row : rows_of("dpo.jsonl"))
        once("dpo", row,
             identity(row["chosen"].get<std::string>()) + "/" +
                 identity(row["rejected"].get<std::string>()));
    for (const json& row : rows_of("reflexion.jsonl"))
        check_weights(row["messages"]);
    for (const json& row : rows_of("kto.jsonl"))
        once("kto", row, identity(row["completion"].get<std::string>()));
    for (const json& row : rows_of("tasks.jsonl"))
        once("tasks", row, "");
    return total;
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run exports clean rows: offline on the bank") {
        TempDir dir;
        const Ran run = assay_binary({"run", "--problems",
                                      (assay::project_root() / "problems" / "python").string(),
                                      "--limit", "40", "--seed", "1", "--jobs", "2", "--db",
                                      (dir / "a.db").string(), "--out", (dir / "out").string()});
        REQUIRE_MESSAGE(run.exit_code == 0, run.err);
        CHECK(check_exports(dir / "out") > 100);
    }

    TEST_CASE("cli::run exports clean rows: against a model") {
        TempDir dir;
        FakeLlm server({"--seed", "3"});
        const Ran run = assay_binary(
            {"run", "--problems", (assay::project_root() / "problems" / "python").string(),
             "--llm-url", server.url(), "--model", "fake-model", "--limit", "8", "--seed", "1",
             "--jobs", "2", "--db", (dir / "a.db").string(), "--out", (dir / "out").string()});
        REQUIRE_MESSAGE(run.exit_code == 0, run.err);
        CHECK(check_exports(dir / "out") > 50);
        CHECK_FALSE(read_jsonl(dir / "out" / "reflexion.jsonl").empty());
        CHECK_FALSE(read_jsonl(dir / "out" / "dpo.jsonl").empty());
    }
}
