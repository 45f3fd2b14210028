// The slow suite: the offline main job on the whole problem bank, as scripts/demo runs it.
#include "core/language.hpp"
#include "support/run_assay.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

using assay::testing::TempDir;
using nlohmann::json;

namespace {
std::vector<json> rows(const std::filesystem::path& file) {
    std::vector<json> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        out.push_back(json::parse(line));
    return out;
}
} // namespace

TEST_SUITE("slow") {
    TEST_CASE("cli::run on the problem bank yields verified SFT, bug/fix and refactoring rows") {
        TempDir dir;
        const auto ran = assay::testing::run_assay(
            {"run", "--problems", (assay::project_root() / "problems" / "python").string(), "--db",
             (dir / "bank.db").string(), "--out", dir.path().string(), "--jobs", "2", "--seed",
             "1"});
        INFO(ran.err);
        REQUIRE(ran.exit_code == 0);
        const auto sft = rows(dir / "sft.jsonl");
        const auto bugfix = rows(dir / "bugfix.jsonl");
        const auto refactor = rows(dir / "refactor.jsonl");
        CHECK(sft.size() >= 60);
        CHECK(bugfix.size() >= 300);
        CHECK(refactor.size() >= 60);
        std::set<std::string> kinds;
        for (const json& row : bugfix) {
            kinds.insert(row["bug_kind"].get<std::string>());
            CHECK(row["origin"] == "mutation");
            CHECK(row["language"] == "python");
            CHECK_FALSE(row["failing_tests"].empty());
        }
        CHECK(kinds.size() >= 6);

        // A random sample re-verifies as a plain python3 program (alone in the jail): fixed passes,
        // buggy fails.
        std::mt19937 random(7);
        for (int k = 0; k < 15; ++k) {
            const json& row = bugfix[random() % bugfix.size()];
            CAPTURE(row["problem_id"].get<std::string>());
            const auto fixed = dir.write("fixed.py", row["fixed_code"].get<std::string>() + "\n\n" +
                                                         row["test_code"].get<std::string>());
            const auto buggy = dir.write("buggy.py", row["buggy_code"].get<std::string>() + "\n\n" +
                                                         row["test_code"].get<std::string>());
            CHECK(assay::testing::run_jailed(fixed) == 0);
            const int code = assay::testing::run_jailed(buggy);
            CHECK(code != 0);
            CHECK(code != -1); // exported bugs finish: they fail, they do not hang
        }
    }
}
