// Charts as inline SVG, each inside a <figure class="chart" id="chart-ID" data-chart="ID"> with
// its title as the caption: no script, no font or file from elsewhere. Labels and titles are
// escaped here (callers pass raw text); long labels are clipped, with the whole text in a
// <title> tooltip. Every chart draws its axis line even when every value is 0.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace assay::report {

struct ChartHead {
    std::string id;    // letters, digits and '-': the figure's id is "chart-" + id
    std::string title; // the caption
    double full = 0;   // the value of a full-length bar or column; 0: the largest value
};

// One bar (or column): its label, its length, and the text written beside it (the value itself
// when empty).
struct Bar {
    std::string label;
    double value = 0;
    std::string note;
};

// One horizontal bar made of one segment per series, in the series' order.
struct StackedBar {
    std::string label;
    std::vector<double> values;
};

// Horizontal bars, one row each, scaled to the largest value.
[[nodiscard]] std::string bar_chart(const ChartHead& head, const std::vector<Bar>& bars);

// Horizontal stacked bars with a legend of `series`; each bar's note is its total.
[[nodiscard]] std::string stacked_bar_chart(const ChartHead& head,
                                            const std::vector<std::string>& series,
                                            const std::vector<StackedBar>& bars);

// Vertical columns with their labels below (histograms), scaled to the largest value; `axis`
// names what the labels measure.
[[nodiscard]] std::string column_chart(const ChartHead& head, const std::vector<Bar>& columns,
                                       std::string_view axis);

// `values` counted into `bins` equal bins over [low, high] (the last bin closed; values outside
// go to the nearest bin), labelled by their lower bound with `decimals` digits.
[[nodiscard]] std::vector<Bar> histogram(const std::vector<double>& values, double low, double high,
                                         int bins, int decimals);

// The colour of series `index` (a fixed palette, repeating).
[[nodiscard]] std::string_view series_colour(std::size_t index);

} // namespace assay::report
