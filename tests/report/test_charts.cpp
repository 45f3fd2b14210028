#include "report/charts.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace assay;

namespace {
int occurrences(const std::string& text, const std::string& what) {
    int n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}
} // namespace

TEST_CASE("report::bar_chart") {
    const std::string svg = report::bar_chart(
        {"kinds", "Kinds <b>"}, {{"<img src=x onerror=alert(1)>", 3, ""}, {"b", 0, "none"}});
    CHECK(svg.starts_with("<figure class=\"chart\" id=\"chart-kinds\" data-chart=\"kinds\">"));
    CHECK(svg.find("<figcaption>Kinds &lt;b&gt;</figcaption>") != std::string::npos);
    CHECK(svg.find("<img") == std::string::npos);
    CHECK(svg.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
    CHECK(occurrences(svg, "<rect") == 2);
    CHECK(svg.find(">none</text>") != std::string::npos);
    CHECK(svg.find("class=\"axis\"") != std::string::npos);
    SUBCASE("every value 0 still draws the axis") {
        const std::string zero = report::bar_chart({"z", "Z"}, {{"a", 0, ""}});
        CHECK(zero.find("class=\"axis\"") != std::string::npos);
    }
}

TEST_CASE("report::stacked_bar_chart") {
    const std::string svg = report::stacked_bar_chart({"v", "Verdicts"}, {"passed", "failed"},
                                                      {{"verify", {3, 1}}, {"mutate", {0, 5}}});
    // Two legend swatches and the three non-zero segments.
    CHECK(occurrences(svg, "<rect") == 5);
    CHECK(svg.find(report::series_colour(0)) != std::string::npos);
    CHECK(svg.find("verify, passed: 3") != std::string::npos);
    CHECK(svg.find(">6</text>") == std::string::npos);
    CHECK(svg.find(">5</text>") != std::string::npos);
}

TEST_CASE("report::histogram and column_chart") {
    const auto bins = report::histogram({0, 0.05, 0.5, 1.0, 1.2, -3}, 0, 1, 10, 1);
    REQUIRE(bins.size() == 10);
    CHECK(bins[0].label == "0.0");
    CHECK(bins[0].value == 3); // 0, 0.05 and -3 (below the range)
    CHECK(bins[5].value == 1);
    CHECK(bins[9].label == "0.9");
    CHECK(bins[9].value == 2); // 1.0 (the last bin is closed) and 1.2
    const std::string svg = report::column_chart({"h", "Histogram"}, bins, "score & more");
    CHECK(occurrences(svg, "<rect") == 10);
    CHECK(svg.find("score &amp; more") != std::string::npos);
}
