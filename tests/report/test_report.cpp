// The page over a store filled by hand: every section, every chart, the worst problems linked to
// their sections, and every text from the database escaped.
#include "report/report.hpp"
#include "store/exclusions.hpp"
#include "store/llm_calls.hpp"
#include "support/llm_store.hpp"
#include "support/process.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <regex>
#include <set>

using namespace assay;
using assay::testing::TempDir;

namespace {
const std::string kHostileId = "<script>alert(1)</script>";

// A problem whose id, title and bug label are markup, a model named in markup, and a run.
void add_hostile(store::Store& db) {
    namespace ls = testing::llm_store;
    db.transaction([&] {
        const auto run = db.begin_run("run", "{}");
        Problem p = ls::problem(kHostileId, "python", "f", "Write f().",
                                {{"visible_0", "assert f() == 1", Visibility::visible}});
        p.title = "<img src=x onerror=alert(2)>";
        p.source = ProblemSource::bank;
        db.put_problem(p);
        const auto ref = db.put_candidate({p.id, store::CandidateKind::solution,
                                           store::Origin::seed, "def f():\n    return 1\n"});
        db.put_execution(ref, run, "hostile-ref",
                         ls::result(Verdict::ok, ls::all_passed({"visible_0"})));
        const auto bug = db.put_candidate({p.id, store::CandidateKind::bug, store::Origin::mutation,
                                           "def f():\n    return 2\n", ref, "<iframe src=//evil>",
                                           R"({"survivor":false})"});
        db.put_execution(bug, run, "hostile-bug",
                         ls::result(Verdict::ok, {{"visible_0", TestVerdict::failed,
                                                   "AssertionError: </td><script>x</script>"}}));
        db.put_problem_stats({p.id, run, true, "", 1, 1, 0});
    });
    store::put_llm_call(db, {"h1", "<b>model</b>", "{}", "reply", "", "stop", 100, 20, 350.0, 1});
    store::put_llm_call(db, {"h2", "<b>model</b>", "{}", "reply", "", "length", 90, 64, 900.0, 2});
}

std::set<std::string> matches(const std::string& html, const std::string& pattern) {
    std::set<std::string> out;
    const std::regex re(pattern);
    for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator();
         ++it)
        out.insert((*it)[1].str());
    return out;
}
} // namespace

TEST_CASE("report::build") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    testing::llm_store::fill(*db);
    add_hostile(*db);
    const auto html = report::build(*db);
    REQUIRE(html);

    SUBCASE("self-contained: no script, no address from elsewhere") {
        CHECK(html->starts_with("<!DOCTYPE html>"));
        CHECK(html->find("<script") == std::string::npos);
        CHECK(html->find("<iframe") == std::string::npos);
        CHECK(html->find("<img") == std::string::npos);
        CHECK(html->find("<b>model") == std::string::npos);
        for (const char* outside :
             {"http:", "https:", "src=\"", "<link", "<object", "<embed", "@import", "url("})
            CHECK_MESSAGE(html->find(outside) == std::string::npos, outside);
        for (const std::string& link : matches(*html, "href=\"([^\"]*)\""))
            CHECK_MESSAGE(link.starts_with("#"), link);
    }
    SUBCASE("every text from the database escaped") {
        CHECK(html->find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
        CHECK(html->find("&lt;img src=x onerror=alert(2)&gt;") != std::string::npos);
        CHECK(html->find("&lt;iframe src=//evil&gt;") != std::string::npos);
        CHECK(html->find("&lt;b&gt;model&lt;/b&gt;") != std::string::npos);
        CHECK(html->find("&lt;/td&gt;&lt;script&gt;x&lt;/script&gt;") != std::string::npos);
    }
    SUBCASE("every chart the data calls for") {
        const auto charts = matches(*html, "data-chart=\"([^\"]+)\"");
        for (const char* chart :
             {"verdicts", "pass-rate", "pass-rate-difficulty", "mutation-score", "bug-kinds",
              "reflexion-steps", "llm-tokens", "llm-finish", "llm-latency"})
            CHECK_MESSAGE(charts.count(chart) == 1, chart);
        CHECK(html->find("No refactoring is recorded in this database.") != std::string::npos);
        CHECK(html->find("Decontamination and deduplication are not recorded in this "
                         "database.") != std::string::npos);
    }
    SUBCASE("the worst problems link to their sections") {
        const auto links = matches(*html, "href=\"#([^\"]+)\"");
        CHECK(!links.empty());
        const auto ids = matches(*html, "id=\"([^\"]+)\"");
        CHECK(links.count("problem-1") == 1);
        for (const std::string& link : links)
            CHECK_MESSAGE(ids.count(link) == 1, link);
        // is_even passes none of its solutions: first; clamp passes half.
        const std::size_t first = html->find("<a href=\"#problem-1\">");
        REQUIRE(first != std::string::npos);
        const std::string expected = "<a href=\"#problem-1\">llm/is_even<";
        CHECK(html->compare(first, expected.size(), expected) == 0);
    }
    SUBCASE("decontamination: the stage's counts, matches by rule, each match") {
        const auto run = db->begin_run("run", "{}");
        store::replace_exclusions(
            *db, {{"llm/is_even", std::nullopt, "<u>x</u>", "HumanEval/3", 0.4, run},
                  {"llm/clamp", std::nullopt, "near_duplicate_prompt", "llm/abs_diff", 0.8, run},
                  {"llm/clamp", std::nullopt, "ngram_prompt", "MBPP/7", 0.5, run}});
        const auto again = report::build(
            *db,
            report::FinishingRun{run, R"({"decontamination":{"checked":3,"dropped":2,)"
                                      R"("benchmarks":919,"benchmark_files":["a","b","c","d"]}})"});
        REQUIRE(again);
        CHECK(matches(*again, "data-chart=\"([^\"]+)\"").count("exclusion-rules") == 1);
        CHECK(again->find("checked 3 problems against 919 benchmark problems in 4 files and left "
                          "2 out") != std::string::npos);
        CHECK(again->find("Matches by rule (2 problems excluded)") != std::string::npos);
        CHECK(again->find("<td>llm/clamp</td><td>ngram_prompt</td><td>MBPP/7</td><td>0.50</td>") !=
              std::string::npos);
        CHECK(again->find("&lt;u&gt;x&lt;/u&gt;") != std::string::npos);
        CHECK(again->find("<u>x</u>") == std::string::npos);
        CHECK(again->find("not recorded in this database") == std::string::npos);
    }
}

TEST_CASE("report::build on an empty database") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    const auto html = report::build(*db);
    REQUIRE(html);
    CHECK(html->find("data-chart=") == std::string::npos);
    CHECK(html->find("No execution is recorded in this database.") != std::string::npos);
    CHECK(html->find("No LLM call is recorded in this database") != std::string::npos);
}

TEST_CASE("report::write_file") {
    TempDir dir;
    REQUIRE(report::write_file(dir / "r.html", "<p>x</p>"));
    CHECK(testing::slurp(dir / "r.html") == "<p>x</p>");
    const auto failed = report::write_file(dir / "missing" / "r.html", "x");
    REQUIRE(!failed);
    CHECK(failed.error().kind == ErrorKind::environment);
}
