// Black-box: one `assay run` over problems in Python, C++ and JavaScript: each language's
// problems run with their own descriptor and jail, the exports and `assay stats` say which
// language every row and figure is in, and --languages picks some.
#include "support/jsonl.hpp"
#include "support/process.hpp"
#include "support/run_assay.hpp"
#include "support/small_problems.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::read_jsonl;
using assay::testing::TempDir;
using nlohmann::json;

namespace {

constexpr const char* kCppProblem = R"toml(
id = "t/cpp/run_length"
language = "cpp"
title = "Run-length encoding"
entry_point = "run_length"
prompt = "Write `std::string run_length(const std::string& text)`: each run of a character as its length then the character."
solution = '''
#include <string>

std::string run_length(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t j = i;
        while (j < text.size() && text[j] == text[i]) ++j;
        out += std::to_string(j - i);
        out += text[i];
        i = j;
    }
    return out;
}
'''
visible = ['assert(run_length("aaabcc") == "3a1b2c");', 'assert(run_length("") == "");']
hidden = ['assert(run_length("abc") == "1a1b1c");', "assert(run_length(std::string(12, 'z')) == \"12z\");"]
)toml";

constexpr const char* kJsProblem = R"toml(
id = "t/js/pairwise_sums"
language = "javascript"
title = "Sums of neighbours"
entry_point = "pairwiseSums"
prompt = "Write `pairwiseSums(xs)`: the array of xs[i] + xs[i + 1]."
solution = '''
function pairwiseSums(xs) {
  const out = [];
  for (let i = 0; i + 1 < xs.length; i++) {
    out.push(xs[i] + xs[i + 1]);
  }
  return out;
}
'''
visible = ['assert.deepStrictEqual(pairwiseSums([1, 2, 3]), [3, 5]);', 'assert.deepStrictEqual(pairwiseSums([]), []);']
hidden = ['assert.deepStrictEqual(pairwiseSums([5]), []);', 'assert.deepStrictEqual(pairwiseSums([-1, 1, 4, 0]), [0, 5, 4]);']
)toml";

std::vector<std::string> run_args(const TempDir& dir, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"run", "--problems", (dir / "problems").string(), "--db",
                                  (dir / "a.db").string(), "--out", (dir / "out").string(),
                                  "--seed", "1", "--json",
                                  // a run-length problem is near enough to MBPP's to be dropped
                                  "--no-decontaminate"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

std::map<std::string, int> rows_by_language(const std::filesystem::path& file) {
    std::map<std::string, int> out;
    for (const json& row : read_jsonl(file))
        ++out[row.at("language").get<std::string>()];
    return out;
}

} // namespace

TEST_CASE("assay run: problems in three languages, each in its own jail") {
    TempDir dir;
    dir.write("problems/running_max.toml", assay::testing::kRunningMax);
    dir.write("problems/cpp/run_length.toml", kCppProblem);
    dir.write("problems/javascript/pairwise_sums.toml", kJsProblem);

    SUBCASE("every language's reference passes and gives rows") {
        const Ran ran = assay_binary(run_args(dir));
        REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
        const json summary = json::parse(ran.out);
        CHECK(summary["problems"] == 3);
        CHECK(summary["references_passed"] == 3);
        for (const std::string language : {"cpp", "javascript", "python"}) {
            CHECK_MESSAGE(summary["languages"][language]["problems"] == 1, language);
            CHECK_MESSAGE(summary["languages"][language]["references_passed"] == 1, language);
        }
        CHECK(rows_by_language(dir / "out" / "sft.jsonl") ==
              std::map<std::string, int>{{"cpp", 1}, {"javascript", 1}, {"python", 1}});
        // Mutants of each language that a test caught: each bug fails a test.
        const auto bugs = rows_by_language(dir / "out" / "bugfix.jsonl");
        for (const std::string language : {"cpp", "javascript", "python"})
            CHECK_MESSAGE(bugs.contains(language), language);
        CHECK(summary["mutants"]["comparison_swap"]["killed"].get<int>() > 0);

        const Ran stats = assay_binary({"stats", "--db", (dir / "a.db").string(), "--json"});
        REQUIRE_MESSAGE(stats.exit_code == 0, stats.err);
        const json counted = json::parse(stats.out);
        for (const std::string language : {"cpp", "javascript", "python"}) {
            CHECK_MESSAGE(counted["by_language"][language]["problems"]["bank"] == 1, language);
            CHECK_MESSAGE(counted["by_language"][language]["candidates"]["solution/seed"] == 1,
                          language);
            CHECK_MESSAGE(counted["by_language"][language]["trajectories"]["bugfix/solved"] > 0,
                          language);
        }
        const Ran text = assay_binary({"stats", "--db", (dir / "a.db").string()});
        CHECK(text.out.find("\ncpp:\n  candidates bug/mutation") != std::string::npos);

        const Ran report = assay_binary(
            {"report", "--db", (dir / "a.db").string(), "--out", (dir / "r.html").string()});
        REQUIRE_MESSAGE(report.exit_code == 0, report.err);
        const std::string html = assay::testing::slurp(dir / "r.html");
        const auto section = html.find("<section id=\"languages\">");
        REQUIRE(section != std::string::npos);
        const std::string table = html.substr(section, html.find("</section>", section) - section);
        for (const std::string language : {"cpp", "javascript", "python"})
            CHECK_MESSAGE(table.find("<tr><td>" + language + "</td><td>1</td><td>1</td>") !=
                              std::string::npos,
                          table);
    }
    SUBCASE("--languages keeps the problems of the languages named") {
        const Ran ran = assay_binary(run_args(dir, {"--languages", "cpp, javascript"}));
        REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
        const json summary = json::parse(ran.out);
        CHECK(summary["problems"] == 2);
        CHECK_FALSE(summary["languages"].contains("python"));
        CHECK(rows_by_language(dir / "out" / "sft.jsonl") ==
              std::map<std::string, int>{{"cpp", 1}, {"javascript", 1}});
    }
    SUBCASE(
        "--languages naming an unknown language, or one no problem is in: exit 2, nothing made") {
        for (const auto& [list, message] :
             {std::pair<std::string, std::string>{"cpp,cobol",
                                                  "--languages: unknown language 'cobol' (known: "},
              {"python,../x", "--languages: unknown language '../x'"}}) {
            const Ran ran = assay_binary(run_args(dir, {"--languages", list}));
            CHECK(ran.exit_code == 2);
            CHECK_MESSAGE(ran.err.find(message) != std::string::npos, ran.err);
            CHECK_FALSE(std::filesystem::exists(dir / "a.db"));
            CHECK_FALSE(std::filesystem::exists(dir / "out"));
        }
        std::filesystem::remove(dir / "problems" / "cpp" / "run_length.toml");
        const Ran ran = assay_binary(run_args(dir, {"--languages", "cpp"}));
        CHECK(ran.exit_code == 2);
        CHECK_MESSAGE(ran.err.find("--languages: no problem given is in cpp") != std::string::npos,
                      ran.err);
    }
}
