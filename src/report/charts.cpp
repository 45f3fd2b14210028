#include "report/charts.hpp"

#include "report/html.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

namespace assay::report {

namespace {

constexpr double kWidth = 560;
constexpr double kLabelWidth = 190; // horizontal charts: the labels' column
constexpr double kNoteWidth = 100;  // and the notes' column
constexpr double kRow = 22;
constexpr double kBarHeight = 14;
constexpr double kLegendRow = 20;
constexpr std::size_t kLabelBytes = 30;
constexpr std::string_view kBarColour = "#1565c0";

std::string open_figure(const ChartHead& head, double height) {
    return fmt::format("<figure class=\"chart\" id=\"chart-{0}\" data-chart=\"{0}\">"
                       "<figcaption>{1}</figcaption>"
                       "<svg class=\"chart-svg\" role=\"img\" aria-label=\"{1}\" width=\"{2}\" "
                       "height=\"{3}\" viewBox=\"0 0 {2} {3}\">",
                       escape(head.id), escape(head.title), kWidth, height);
}

constexpr std::string_view kCloseFigure = "</svg></figure>\n";

// A text element holding `label` clipped, with the whole label as its tooltip.
std::string label_text(double x, double y, std::string_view anchor, std::string_view label) {
    return fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\"><title>{}</title>{}</text>", x,
                       y, anchor, escape(label), escape(util::clip(label, kLabelBytes)));
}

std::string rect(double x, double y, double width, double height, std::string_view colour,
                 std::string_view tooltip) {
    return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                       "fill=\"{}\"><title>{}</title></rect>",
                       x, y, width, height, colour, escape(tooltip));
}

std::string value_text(double value) {
    return value == std::floor(value) ? number(value) : number(value, 2);
}

double scale_of(const ChartHead& head, double largest, double span) {
    const double full = head.full > 0 ? head.full : largest;
    return full > 0 ? span / full : 0;
}

} // namespace

std::string_view series_colour(std::size_t index) {
    static constexpr std::array<std::string_view, 10> kPalette{
        "#2e7d32", "#ef6c00", "#c62828", "#6a1b9a", "#1565c0",
        "#6d4c41", "#00838f", "#757575", "#ad1457", "#9e9d24"};
    return kPalette[index % kPalette.size()];
}

std::string bar_chart(const ChartHead& head, const std::vector<Bar>& bars) {
    const double height = 8 + kRow * static_cast<double>(std::max<std::size_t>(bars.size(), 1));
    const double span = kWidth - kLabelWidth - kNoteWidth;
    double largest = 0;
    for (const Bar& b : bars)
        largest = std::max(largest, b.value);
    const double scale = scale_of(head, largest, span);
    std::string out = open_figure(head, height);
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const Bar& b = bars[i];
        const double y = 4 + kRow * static_cast<double>(i);
        const std::string note = b.note.empty() ? value_text(b.value) : b.note;
        out += label_text(kLabelWidth - 6, y + 12, "end", b.label);
        out += rect(kLabelWidth, y + 2, std::max(0.0, b.value * scale), kBarHeight, kBarColour,
                    b.label + ": " + note);
        out += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>",
                           kLabelWidth + std::max(0.0, b.value * scale) + 4, y + 13, escape(note));
    }
    out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"2\" x2=\"{0}\" y2=\"{1}\"/>",
                       kLabelWidth, height - 2);
    return out + std::string(kCloseFigure);
}

std::string stacked_bar_chart(const ChartHead& head, const std::vector<std::string>& series,
                              const std::vector<StackedBar>& bars) {
    const double top = kLegendRow * std::ceil(static_cast<double>(series.size()) / 4.0) + 4;
    const double height =
        top + 4 + kRow * static_cast<double>(std::max<std::size_t>(bars.size(), 1));
    const double span = kWidth - kLabelWidth - kNoteWidth;
    double largest = 0;
    for (const StackedBar& b : bars)
        largest = std::max(largest, std::accumulate(b.values.begin(), b.values.end(), 0.0));
    const double scale = scale_of(head, largest, span);
    std::string out = open_figure(head, height);
    for (std::size_t s = 0; s < series.size(); ++s) {
        const double x = 8 + 138 * static_cast<double>(s % 4);
        const std::size_t row = s / 4; // four legend entries a row
        const double y = 4 + kLegendRow * static_cast<double>(row);
        out += rect(x, y + 2, 10, 10, series_colour(s), series[s]);
        out += label_text(x + 14, y + 11, "start", series[s]);
    }
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const StackedBar& b = bars[i];
        const double y = top + kRow * static_cast<double>(i);
        out += label_text(kLabelWidth - 6, y + 12, "end", b.label);
        double x = kLabelWidth;
        for (std::size_t s = 0; s < b.values.size() && s < series.size(); ++s) {
            if (b.values[s] <= 0) continue;
            out += rect(x, y + 2, b.values[s] * scale, kBarHeight, series_colour(s),
                        fmt::format("{}, {}: {}", b.label, series[s], value_text(b.values[s])));
            x += b.values[s] * scale;
        }
        const double total = std::accumulate(b.values.begin(), b.values.end(), 0.0);
        out +=
            fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>", x + 4, y + 13, value_text(total));
    }
    out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>",
                       kLabelWidth, top, height - 2);
    return out + std::string(kCloseFigure);
}

std::string column_chart(const ChartHead& head, const std::vector<Bar>& columns,
                         std::string_view axis) {
    constexpr double kHeight = 230;
    constexpr double kLeft = 36;
    constexpr double kTop = 18;
    constexpr double kBottom = 46; // labels and the axis name
    const double plot = kHeight - kTop - kBottom;
    const double slot =
        (kWidth - kLeft - 8) / static_cast<double>(std::max<std::size_t>(columns.size(), 1));
    double largest = 0;
    for (const Bar& c : columns)
        largest = std::max(largest, c.value);
    const double scale = scale_of(head, largest, plot);
    std::string out = open_figure(head, kHeight);
    const double base = kTop + plot;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const Bar& c = columns[i];
        const double x = kLeft + slot * static_cast<double>(i);
        const double h = std::max(0.0, c.value * scale);
        const std::string note = c.note.empty() ? value_text(c.value) : c.note;
        out += rect(x + slot * 0.1, base - h, slot * 0.8, h, kBarColour, c.label + ": " + note);
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
                           x + slot / 2, base - h - 3, escape(note));
        out += label_text(x + slot / 2, base + 14, "middle", c.label);
    }
    out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>", kLeft,
                       base, kWidth - 8);
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       kLeft + (kWidth - kLeft) / 2, kHeight - 8, escape(axis));
    return out + std::string(kCloseFigure);
}

std::vector<Bar> histogram(const std::vector<double>& values, double low, double high, int bins,
                           int decimals) {
    bins = std::max(bins, 1);
    const double width = high > low ? (high - low) / bins : 1;
    std::vector<Bar> out;
    out.reserve(static_cast<std::size_t>(bins));
    for (int i = 0; i < bins; ++i)
        out.push_back({number(low + width * i, decimals), 0, ""});
    for (double v : values) {
        const int bin = static_cast<int>(std::floor((v - low) / width));
        out[static_cast<std::size_t>(std::clamp(bin, 0, bins - 1))].value += 1;
    }
    return out;
}

} // namespace assay::report
