// Black-box: `assay run` on a bank holding copies of a benchmark problem (verbatim, renamed,
// reworded) and a near-duplicate pair exports none of the copies and one of the pair, says how
// many it dropped and why, and `--no-decontaminate` (on run and export) keeps every row.
#include "support/contaminated_problems.hpp"
#include "support/jsonl.hpp"
#include "support/process.hpp"
#include "support/small_problems.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <set>

using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::TempDir;
using nlohmann::json;

namespace {
std::set<std::string> problems_of(const std::filesystem::path& file) {
    std::set<std::string> out;
    for (const json& row : assay::testing::read_jsonl(file))
        out.insert(row["problem_id"].get<std::string>());
    return out;
}
} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run decontaminates its exports by default") {
        TempDir dir;
        assay::testing::write_small_problems(dir);
        assay::testing::write_contaminated(dir);
        assay::testing::write_near_duplicates(dir);
        const auto bench = assay::testing::write_benchmark(dir);
        const std::vector<std::string> base{"run",
                                            "--problems",
                                            (dir / "problems").string(),
                                            "--db",
                                            (dir / "a.db").string(),
                                            "--out",
                                            (dir / "out").string(),
                                            "--jobs",
                                            "2",
                                            "--stages",
                                            "verify,decontaminate,export",
                                            "--benchmarks",
                                            bench.string()};
        const Ran run = assay_binary(base);
        REQUIRE_MESSAGE(run.exit_code == 0, run.err);
        CHECK(run.out.find("decontamination: dropped 4 of 9 problems from the exports") !=
              std::string::npos);
        CHECK(run.out.find("exact_solution 1") != std::string::npos);
        CHECK(run.out.find("ast_solution 1") != std::string::npos);
        const std::set<std::string> kept{"n/first", "t/evens_squared", "t/middle", "t/running_max",
                                         "t/sign_label"};
        CHECK(problems_of(dir / "out" / "sft.jsonl") == kept);

        const Ran stats = assay_binary({"stats", "--db", (dir / "a.db").string(), "--json"});
        REQUIRE(stats.exit_code == 0);
        const json counted = json::parse(stats.out);
        CHECK(counted["exclusions"]["exact_solution"] == 1);
        CHECK(counted["exclusions"]["ast_solution"] == 1);

        const Ran all = assay_binary({"export", "sft", "--db", (dir / "a.db").string(), "--out",
                                      (dir / "all.jsonl").string(), "--no-decontaminate"});
        REQUIRE_MESSAGE(all.exit_code == 0, all.err);
        CHECK(problems_of(dir / "all.jsonl").size() == 9);
        const Ran clean = assay_binary({"export", "sft", "--db", (dir / "a.db").string(), "--out",
                                        (dir / "clean.jsonl").string()});
        REQUIRE(clean.exit_code == 0);
        CHECK(clean.out.find("left out the rows of 4 problems") != std::string::npos);
        CHECK(problems_of(dir / "clean.jsonl") == kept);

        auto off = base;
        off.emplace_back("--no-decontaminate");
        off[6] = (dir / "off").string();
        const Ran unchecked = assay_binary(off);
        REQUIRE_MESSAGE(unchecked.exit_code == 0, unchecked.err);
        CHECK(unchecked.out.find("decontamination: off") != std::string::npos);
        CHECK(problems_of(dir / "off" / "sft.jsonl").size() == 9);
    }

    TEST_CASE("cli::run: a benchmark file that is missing is bad input") {
        TempDir dir;
        assay::testing::write_small_problems(dir);
        const Ran run = assay_binary({"run", "--problems", (dir / "problems").string(), "--db",
                                      (dir / "a.db").string(), "--out", (dir / "out").string(),
                                      "--benchmarks", (dir / "nope.jsonl").string()});
        CHECK(run.exit_code == 2);
        CHECK(run.err.find("nope.jsonl") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(dir / "a.db"));
    }
}
