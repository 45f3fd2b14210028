#include "pipeline/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

namespace assay::pipeline {

namespace {
double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
std::mutex progress_mutex;
} // namespace

Progress::Progress(std::string label, std::size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && total > 0),
      terminal_(::isatty(STDERR_FILENO) != 0), started_(now_seconds()) {}

void Progress::tick(bool success) {
    std::lock_guard lock(progress_mutex);
    ++done_;
    ok_ += success ? 1 : 0;
    if (enabled_) draw(false);
}

void Progress::finish() {
    std::lock_guard lock(progress_mutex);
    if (enabled_) draw(true);
}

void Progress::draw(bool final) {
    const double elapsed = now_seconds() - started_;
    const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
    if (terminal_) {
        constexpr int width = 30;
        const int filled = static_cast<int>(width * done_ / std::max<std::size_t>(total_, 1));
        fmt::print(stderr, "\r{} [{}{}] {}/{} ok {} | {:.0f}/s | ETA {:.0f}s ", label_,
                   std::string(static_cast<std::size_t>(filled), '#'),
                   std::string(static_cast<std::size_t>(width - filled), '.'), done_, total_, ok_,
                   rate, eta);
        if (final) fmt::print(stderr, "\n");
        return;
    }
    if (final ? last_logged_ == done_
              : done_ - last_logged_ < std::max<std::size_t>(total_ / 10, 1) && done_ != total_)
        return;
    last_logged_ = done_;
    fmt::print(stderr, "{}: {}/{} done, {} ok, {:.0f}/s\n", label_, done_, total_, ok_, rate);
}

void parallel_for(int threads, std::size_t count, const std::function<void(std::size_t)>& body) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++)
            body(i);
    };
    const auto n = static_cast<std::size_t>(std::max(1, threads));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < std::min(n, count); ++t)
        pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool)
        t.join();
}

} // namespace assay::pipeline
