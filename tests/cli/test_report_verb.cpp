// Black-box: `assay run` against assay-fake-llm writes report.html into --out; `assay report`
// writes the same kind of page from the database; headless Chromium lays it out and paints it,
// and every chart has a size, drawn elements and painted pixels.
#include "core/language.hpp"
#include "support/chromium.hpp"
#include "support/fake_llm_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <set>

using assay::testing::assay_binary;
using assay::testing::FakeLlm;
using assay::testing::Ran;
using assay::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// An LLM run on a few bank problems: every stage, so every chart has data. The first bank problem
// is also the benchmark decontamination checks against, so the run leaves it out, recorded.
void llm_run(const TempDir& dir) {
    FakeLlm server({"--seed", "3"});
    const fs::path bank = assay::project_root() / "problems" / "python";
    const Ran run =
        assay_binary({"run", "--problems", bank.string(), "--llm-url", server.url(), "--model",
                      "fake-model", "--limit", "4", "--seed", "1", "--db", (dir / "a.db").string(),
                      "--out", (dir / "out").string(), "--json", "--benchmarks",
                      (bank / "add_binary_strings.toml").string()});
    REQUIRE_MESSAGE(run.exit_code == 0, run.err);
}

// Checks the page in the browser: every chart laid out with drawn elements, and painted.
void check_in_browser(const fs::path& html, const std::set<std::string>& expected) {
    const std::string binary = assay::testing::chromium_binary();
    if (binary.empty()) {
        REQUIRE_MESSAGE(!assay::testing::chromium_required(),
                        "ASSAY_REQUIRE_CHROMIUM is set and there is no chromium on PATH "
                        "(scripts/setup installs it)");
        MESSAGE("skipped: no chromium on PATH (scripts/setup installs it; ASSAY_REQUIRE_CHROMIUM=1 "
                "makes this a failure)");
        return;
    }
    assay::testing::Chromium chromium(binary);
    const assay::testing::Probe probe = chromium.probe(html);
    std::set<std::string> seen;
    double bottom = 0;
    for (const auto& chart : probe.charts) {
        INFO("chart ", chart.name);
        seen.insert(chart.name);
        CHECK(chart.width >= 100);
        CHECK(chart.height >= 20);
        CHECK(chart.drawn >= 2);
        CHECK(chart.bars >= 1);
        bottom = std::max(bottom, chart.y + chart.height);
    }
    for (const std::string& name : expected)
        CHECK_MESSAGE(seen.count(name) == 1, "chart missing: ", name);
    REQUIRE(bottom > 0);

    const int height = static_cast<int>(std::min(bottom + 40, 16000.0));
    const assay::testing::Png png = chromium.screenshot(html, 1200, height);
    REQUIRE(png.width == 1200);
    REQUIRE(png.height == height);
    const auto page = assay::testing::count_pixels(png, 0, 0, png.width, png.height);
    const double area = static_cast<double>(png.width) * png.height;
    MESSAGE("page ", png.width, "x", png.height, ": ", page.not_white, " pixels not white, ",
            page.coloured, " coloured; ", probe.charts.size(), " charts");
    CHECK(page.not_white > area * 0.02); // not blank
    for (const auto& chart : probe.charts) {
        const auto painted =
            assay::testing::count_pixels(png, chart.x, chart.y, chart.width, chart.height);
        INFO("chart ", chart.name, " at ", chart.x, ",", chart.y);
        CHECK(painted.coloured >= 30);
        CHECK(painted.not_white >= 100);
    }
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::report renders in headless Chromium with every chart") {
        TempDir dir;
        llm_run(dir);
        REQUIRE(fs::is_regular_file(dir / "out" / "report.html"));
        const std::string written = assay::testing::slurp(dir / "out" / "report.html");
        CHECK(written.find("<svg") != std::string::npos);
        // Written after the decontaminate stage: its exclusions are on the page.
        CHECK(written.find("data-chart=\"exclusion-rules\"") != std::string::npos);
        CHECK(written.find("<td>bank/add_binary_strings</td>") != std::string::npos);

        const fs::path html = dir / "report.html";
        const Ran report =
            assay_binary({"report", "--db", (dir / "a.db").string(), "--out", html.string()});
        REQUIRE_MESSAGE(report.exit_code == 0, report.err);
        CHECK(report.out == html.string() + "\n");
        const std::string page = assay::testing::slurp(html);
        for (const char* outside : {"<script", "<link", "src=\"", "http:", "https:", "url("})
            CHECK_MESSAGE(page.find(outside) == std::string::npos, outside);
        check_in_browser(html,
                         {"verdicts", "pass-rate", "pass-rate-difficulty", "measured-difficulty",
                          "mutation-score", "bug-kinds", "refactor-kinds", "reflexion-steps",
                          "llm-tokens", "llm-finish", "llm-latency", "exclusion-rules"});
    }

    TEST_CASE("cli::report bad input") {
        TempDir dir;
        const Ran missing = assay_binary(
            {"report", "--db", (dir / "none.db").string(), "--out", (dir / "r.html").string()});
        CHECK(missing.exit_code == 2);
        CHECK(missing.err.find("none.db") != std::string::npos);
        CHECK(!fs::exists(dir / "r.html"));
        dir.write("not.db", "this is not a database, it is text long enough to be read\n");
        const Ran not_db = assay_binary(
            {"report", "--db", (dir / "not.db").string(), "--out", (dir / "r.html").string()});
        CHECK(not_db.exit_code == 2);
        const Ran no_out = assay_binary({"report", "--db", (dir / "not.db").string()});
        CHECK(no_out.exit_code == 2);
        const Ran out_dir = assay_binary(
            {"report", "--db", (dir / "not.db").string(), "--out", dir.path().string()});
        CHECK(out_dir.exit_code == 2);
    }
}
