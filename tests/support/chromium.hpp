// A page seen by a real browser: Debian's headless Chromium lays out and paints an HTML file.
// `probe` asks the browser where each chart (<figure class="chart">) is and how many of its SVG
// elements have a size (it runs a script in a copy of the page, which the page itself never
// holds, and reads the DOM the browser dumps); `screenshot` paints the page into a PNG, decoded
// with libpng, so a test can count the pixels a chart painted.
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <png.h>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace assay::testing {

// The `chromium` on PATH, or "" when there is none.
inline std::string chromium_binary() {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t end = std::min(dirs.find(':', start), dirs.size());
        const auto candidate = std::filesystem::path(dirs.substr(start, end - start)) / "chromium";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
        start = end + 1;
    }
    return {};
}

// Whether the browser tests must run: set by scripts/test (and so CI), where a missing
// chromium is a failure rather than a skip.
inline bool chromium_required() {
    const char* value = std::getenv("ASSAY_REQUIRE_CHROMIUM");
    return value != nullptr && *value != '\0' && std::string(value) != "0";
}

struct ChartBox {
    std::string name;                           // data-chart
    double x = 0, y = 0, width = 0, height = 0; // the <svg>, in page pixels
    int drawn = 0; // rect, line, path, circle, polyline and polygon elements with a size
    int bars = 0;  // rect elements with both a width and a height
};

struct Probe {
    std::vector<ChartBox> charts;
    double page_height = 0;
    std::string dom; // as the browser dumped it
};

struct Png {
    int width = 0;
    int height = 0;
    std::vector<unsigned char> rgb; // row-major, 3 bytes a pixel

    [[nodiscard]] const unsigned char* at(int x, int y) const {
        return &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                     static_cast<std::size_t>(x)) *
                    3];
    }
};

class Chromium {
  public:
    explicit Chromium(std::string binary) : binary_(std::move(binary)) {}

    // Loads `html` (a copy with the probe script added, in the scratch directory) and reads
    // what the script wrote into the dumped DOM.
    Probe probe(const std::filesystem::path& html) {
        std::string page = slurp(html);
        const std::size_t body = page.rfind("</body>");
        if (body == std::string::npos) throw std::runtime_error("no </body> in " + html.string());
        page.insert(body, std::string("<script>") + kProbeScript + "</script>");
        const auto copy = scratch_.write("probe.html", page);
        const Ran ran = run({"--dump-dom", "--window-size=1200,900", "file://" + copy.string()});
        Probe out;
        out.dom = ran.out;
        const std::string open = "<pre id=\"assay-probe\">";
        const std::size_t start = ran.out.find(open);
        const std::size_t end = ran.out.find("</pre>", start);
        if (start == std::string::npos || end == std::string::npos)
            throw std::runtime_error("chromium did not run the probe: " + ran.err.substr(0, 2000));
        const auto found = nlohmann::json::parse(
            unescape(ran.out.substr(start + open.size(), end - start - open.size())));
        out.page_height = found["height"].get<double>();
        for (const auto& c : found["charts"])
            out.charts.push_back({c["name"].get<std::string>(), c["x"].get<double>(),
                                  c["y"].get<double>(), c["width"].get<double>(),
                                  c["height"].get<double>(), c["drawn"].get<int>(),
                                  c["bars"].get<int>()});
        return out;
    }

    // Paints `html` in a window `width` x `height` and decodes the PNG.
    Png screenshot(const std::filesystem::path& html, int width, int height) {
        const auto png = scratch_ / "shot.png";
        std::filesystem::remove(png);
        const Ran ran =
            run({"--screenshot=" + png.string(),
                 "--window-size=" + std::to_string(width) + "," + std::to_string(height),
                 "file://" + html.string()});
        if (!std::filesystem::exists(png))
            throw std::runtime_error("chromium wrote no screenshot: " + ran.err.substr(0, 2000));
        return decode(png);
    }

  private:
    // Each chart's <svg> box in page coordinates, and its drawn elements.
    static constexpr const char* kProbeScript = R"js(
(() => {
  const sized = e => { const b = e.getBoundingClientRect(); return b.width > 0 || b.height > 0; };
  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const r = svg ? svg.getBoundingClientRect() : {left: 0, top: 0, width: 0, height: 0};
    const shapes = svg ? [...svg.querySelectorAll('rect,line,path,circle,polyline,polygon')] : [];
    const bars = shapes.filter(e => {
      const b = e.getBoundingClientRect();
      return e.tagName === 'rect' && b.width > 0 && b.height > 0;
    });
    return {name: f.dataset.chart || '', x: r.left + window.scrollX, y: r.top + window.scrollY,
            width: r.width, height: r.height, drawn: shapes.filter(sized).length,
            bars: bars.length};
  });
  const pre = document.createElement('pre');
  pre.id = 'assay-probe';
  pre.textContent = JSON.stringify({charts, height: document.documentElement.scrollHeight});
  document.body.appendChild(pre);
})();
)js";

    Ran run(std::vector<std::string> args) {
        // Root needs --no-sandbox; the profile lives in the scratch directory.
        std::vector<std::string> all{"--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--no-first-run",
                                     "--hide-scrollbars",
                                     "--force-device-scale-factor=1",
                                     "--user-data-dir=" + (scratch_ / "profile").string()};
        all.insert(all.end(), args.begin(), args.end());
        return run_process(binary_, all, std::chrono::seconds(120));
    }

    static std::string unescape(std::string text) {
        for (const auto& [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"},
                                       {"&gt;", ">"},
                                       {"&quot;", "\""},
                                       {"&amp;", "&"}}) {
            std::size_t at = 0;
            while ((at = text.find(from, at)) != std::string::npos) {
                text.replace(at, from.size(), to);
                at += to.size();
            }
        }
        return text;
    }

    static Png decode(const std::filesystem::path& file) {
        png_image image{};
        image.version = PNG_IMAGE_VERSION;
        if (png_image_begin_read_from_file(&image, file.c_str()) == 0)
            throw std::runtime_error("not a PNG: " + file.string());
        image.format = PNG_FORMAT_RGB;
        Png out{static_cast<int>(image.width), static_cast<int>(image.height), {}};
        out.rgb.resize(PNG_IMAGE_SIZE(image));
        if (png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr) == 0)
            throw std::runtime_error("cannot decode " + file.string());
        return out;
    }

    std::string binary_;
    TempDir scratch_;
};

// How many pixels of `png` inside the box are coloured (a channel spread over 40: bars, not
// black or grey text or white), and how many are not white.
struct PixelCount {
    long coloured = 0;
    long not_white = 0;
};

inline PixelCount count_pixels(const Png& png, double x, double y, double width, double height) {
    PixelCount out;
    const int x0 = std::max(0, static_cast<int>(x));
    const int y0 = std::max(0, static_cast<int>(y));
    const int x1 = std::min(png.width, static_cast<int>(x + width));
    const int y1 = std::min(png.height, static_cast<int>(y + height));
    for (int py = y0; py < y1; ++py)
        for (int px = x0; px < x1; ++px) {
            const unsigned char* p = png.at(px, py);
            const int high = std::max({p[0], p[1], p[2]});
            const int low = std::min({p[0], p[1], p[2]});
            out.coloured += high - low > 40 ? 1 : 0;
            out.not_white += low < 235 ? 1 : 0;
        }
    return out;
}

} // namespace assay::testing
