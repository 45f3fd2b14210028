// The decontaminate stage: copies of a benchmark problem (verbatim, renamed, reworded) are left
// out of the exports by the rule that caught them, one of a near-duplicate pair is kept, clean
// problems are untouched, and --no-decontaminate (ExportOptions::decontaminate) keeps them all.
#include "pipeline/stages/decontaminate.hpp"
#include "store/exclusions.hpp"
#include "store/stats.hpp"
#include "support/contaminated_problems.hpp"
#include "support/stage_fixture.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <map>
#include <set>

using namespace assay;
using namespace assay::testing;

namespace {

std::map<std::string, store::Exclusion> by_problem(store::Store& db) {
    std::map<std::string, store::Exclusion> out;
    const auto recorded = store::exclusions(db);
    REQUIRE_MESSAGE(recorded, recorded.error().message);
    for (const store::Exclusion& e : *recorded)
        out[e.problem_id] = e;
    return out;
}

std::set<std::string> exported_problems(StageFixture& f, exports::ExportOptions options) {
    const auto file = f.dir / "sft.jsonl";
    REQUIRE(exports::export_jsonl(f.db, options, file));
    std::set<std::string> out;
    for (const nlohmann::json& row : read_jsonl(file))
        out.insert(row["problem_id"].get<std::string>());
    return out;
}

} // namespace

TEST_CASE("pipeline::decontaminate: benchmark copies and near-duplicates") {
    StageFixture f([](const sandbox::HarnessJob& job) { return passing(job); },
                   [](const llm::ChatRequest&) { return failure("no model in this test"); });
    write_contaminated(f.dir);
    write_near_duplicates(f.dir);
    auto all = dataset::load_problems(f.dir / "problems", dataset::Format::assay);
    REQUIRE_MESSAGE(all, all.error().message);
    f.problems = *all;
    (void)f.references();

    pipeline::DecontaminateOptions options;
    options.benchmarks = {write_benchmark(f.dir)};
    const auto benchmarks = pipeline::load_benchmarks(options);
    REQUIRE_MESSAGE(benchmarks, benchmarks.error().message);
    CHECK(benchmarks->size() == 2);
    pipeline::RunSummary summary;
    REQUIRE(pipeline::decontaminate(f.db, f.driver->run_id(), *benchmarks, options, summary));

    const auto excluded = by_problem(f.db);
    REQUIRE(excluded.size() == 4);
    CHECK(excluded.at("c/verbatim").rule == "exact_solution");
    CHECK(excluded.at("c/verbatim").against == "Bench/0");
    CHECK(excluded.at("c/renamed").rule == "ast_solution");
    CHECK(excluded.at("c/renamed").against == "Bench/0");
    const std::string reworded = excluded.at("c/reworded").rule;
    CHECK((reworded == "ngram_prompt" || reworded == "similar_prompt"));
    CHECK(excluded.at("c/reworded").against == "Bench/0");
    CHECK(excluded.at("n/second").rule.starts_with("near_duplicate_"));
    CHECK(excluded.at("n/second").against == "n/first");
    CHECK(excluded.at("n/second").score >= 0.7);
    CHECK(excluded.at("n/second").run == f.run);

    REQUIRE(summary.decontamination);
    CHECK(summary.decontamination->total() == 4);
    CHECK(summary.decontamination->checked == 9);
    CHECK(summary.decontamination->benchmarks == 2);
    CHECK(summary.describe().find("decontamination: dropped 4 of 9 problems") != std::string::npos);
    const auto stats = store::database_stats(f.db);
    REQUIRE(stats);
    CHECK(stats->exclusions.at("exact_solution") == 1);

    const std::set<std::string> kept{"n/first", "t/evens_squared", "t/middle", "t/running_max",
                                     "t/sign_label"};
    CHECK(exported_problems(f, {exports::Kind::sft, "", {}}) == kept);
    exports::ExportOptions everything{exports::Kind::sft, "", {}};
    everything.decontaminate = false;
    CHECK(exported_problems(f, everything).size() == 9);

    SUBCASE("a rerun replaces the exclusions, and without benchmarks only duplicates go") {
        pipeline::RunSummary again;
        REQUIRE(pipeline::decontaminate(f.db, f.driver->run_id(), {}, {}, again));
        const auto now = by_problem(f.db);
        CHECK(now.contains("n/second"));
        CHECK_FALSE(now.contains("c/verbatim"));
    }
}

TEST_CASE("pipeline::decontaminate: options and benchmark files") {
    pipeline::DecontaminateOptions options;
    options.benchmarks = {"/nonexistent/bench.jsonl"};
    auto missing = pipeline::load_benchmarks(options);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("no such benchmark file") != std::string::npos);
    options.benchmarks.clear();
    options.dedup_threshold = 1.5;
    CHECK_FALSE(pipeline::load_benchmarks(options));
}

// Reads ../shared/data (HumanEval, MBPP, HumanEval-X): skipped, with tests/main.cpp's message,
// where a clone has none.
TEST_CASE("pipeline::decontaminate: the bank against the default benchmarks" *
          doctest::skip(no_shared_data())) {
    pipeline::DecontaminateOptions options;
    options.benchmarks = pipeline::default_benchmarks();
    CHECK(options.benchmarks.size() == 4);
    const auto benchmarks = pipeline::load_benchmarks(options);
    REQUIRE_MESSAGE(benchmarks, benchmarks.error().message);
    CHECK(benchmarks->size() == 164 + 427 + 164 + 164);
    const auto bank = dataset::load_problems(project_root() / "problems", dataset::Format::assay);
    REQUIRE(bank);
    CHECK(bank->size() >= 170); // Python, C++ and JavaScript
    std::vector<pipeline::Subject> subjects;
    for (const Problem& p : *bank)
        subjects.push_back({&p, {}});
    const pipeline::Decontaminator checker(
        *benchmarks, {{"python", "python"}, {"cpp", "cpp"}, {"javascript", "javascript"}}, options);
    const auto flagged = checker.check(subjects);
    std::string names;
    for (const auto& e : flagged)
        names += e.problem_id + " " + e.rule + " " + e.against + "\n";
    INFO(names);
    CHECK(flagged.empty()); // no false positive in the bank

    // HumanEval's own problems, as `run --problems HumanEval.jsonl.gz` stores them.
    const auto humaneval =
        dataset::load_problems(shared_data() / "HumanEval.jsonl.gz", dataset::Format::humaneval);
    REQUIRE(humaneval);
    subjects.clear();
    for (const Problem& p : *humaneval)
        subjects.push_back({&p, {}});
    CHECK(checker.check(subjects).size() == 164);

    // MBPP statements with their common words swapped for others, each with a program of its
    // own: no n-gram or word triple is left, the rare words are.
    const auto paraphrase = [](std::string id, std::string entry, std::string prompt,
                               std::string solution) {
        Problem p;
        p.id = std::move(id);
        p.language = "python";
        p.entry_point = std::move(entry);
        p.prompt = std::move(prompt);
        p.solution = std::move(solution);
        return p;
    };
    const std::vector<Problem> reworded{
        paraphrase("r/largest", "top_n",
                   "Create a routine to compute the n largest integers out of a provided list of "
                   "numbers, handed back in descending order.",
                   "def top_n(xs, n):\n    return sorted(xs, reverse=True)[:n]\n"),
        paraphrase("r/bit", "one_bit_apart",
                   "Code a helper to test if two numbers differ at one single bit position only.",
                   "def one_bit_apart(a, b):\n    return bin(a ^ b).count('1') == 1\n"),
        // Not a benchmark's: a statement of its own sharing a few common words.
        paraphrase("r/own", "merge_intervals",
                   "Merge overlapping closed intervals given as pairs and return them sorted "
                   "by start.",
                   "def merge_intervals(xs):\n    return xs\n")};
    subjects.clear();
    for (const Problem& p : reworded)
        subjects.push_back({&p, {}});
    std::map<std::string, store::Exclusion> found;
    std::string seen;
    for (const store::Exclusion& e : checker.check(subjects)) {
        found[e.problem_id] = e;
        seen += fmt::format("{} {} {} {:.2f}\n", e.problem_id, e.rule, e.against, e.score);
    }
    INFO(seen);
    REQUIRE(found.count("r/largest") == 1);
    CHECK(found.at("r/largest").rule == "similar_prompt_words");
    CHECK(found.at("r/largest").against == "Mbpp/4");
    REQUIRE(found.count("r/bit") == 1);
    CHECK(found.at("r/bit").rule == "similar_prompt_words");
    CHECK(found.at("r/bit").against == "Mbpp/6");
    CHECK(found.count("r/own") == 0);
}
