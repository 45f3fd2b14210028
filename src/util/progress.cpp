#include "util/progress.hpp"

#include "util/utf8.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>
#include <sys/ioctl.h>
#include <unistd.h>

namespace assay::util {

namespace {
constexpr int kBarWidth = 20;
constexpr double kMinRedraw = 0.1;    // terminal: at most ten bars a second
constexpr double kMinLogGap = 1.0;    // log: at most one 10% line a second
constexpr double kTimerSeconds = 1.0; // the timer thread's poll

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

ProgressOptions stderr_progress(std::string label, std::size_t total, bool enabled) {
    ProgressOptions o;
    o.label = std::move(label);
    o.total = total;
    if (const char* heartbeat = std::getenv("ASSAY_HEARTBEAT_SECONDS"); heartbeat != nullptr) {
        char* end = nullptr;
        const double seconds = std::strtod(heartbeat, &end);
        if (end != heartbeat && *end == '\0' && seconds > 0) o.heartbeat_seconds = seconds;
    }
    if (!enabled) return o;
    if (::isatty(STDERR_FILENO) == 0) {
        o.mode = ProgressMode::log;
        return o;
    }
    o.mode = ProgressMode::terminal;
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0) o.width = size.ws_col;
    return o;
}

std::string format_duration(double seconds) {
    const auto s = static_cast<long long>(std::llround(std::max(seconds, 0.0)));
    if (s < 60) return fmt::format("{}s", s);
    if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

Progress::Progress(ProgressOptions options)
    : options_(std::move(options)),
      active_(options_.mode != ProgressMode::off && options_.total > 0) {
    if (!options_.clock) options_.clock = steady_seconds;
    if (options_.out == nullptr) options_.out = &std::cerr;
    started_at_ = options_.clock();
    last_write_ = started_at_;
    if (active_ && options_.timer) timer_ = std::thread([this] { run_timer(); });
}

Progress::~Progress() {
    end();
}

void Progress::started() {
    const std::lock_guard lock(mutex_);
    ++in_flight_;
    if (active_ && options_.mode == ProgressMode::terminal && !ended_) {
        const double t = now();
        if (t - last_write_ >= kMinRedraw) write_bar(t, false);
    }
}

void Progress::finished(Outcome outcome, From from) {
    const std::lock_guard lock(mutex_);
    ++done_;
    ok_ += outcome == Outcome::ok ? 1 : 0;
    cached_ += from == From::cache ? 1 : 0;
    instant_ += from == From::flight ? 0 : 1;
    if (from == From::flight && in_flight_ > 0) --in_flight_;
    if (!active_ || ended_) return;
    const double t = now();
    if (options_.mode == ProgressMode::terminal) {
        if (t - last_write_ >= kMinRedraw || done_ == options_.total) write_bar(t, false);
        return;
    }
    poll_locked(t);
}

void Progress::poll() {
    const std::lock_guard lock(mutex_);
    if (active_ && !ended_) poll_locked(now());
}

void Progress::end() {
    {
        const std::lock_guard lock(mutex_);
        if (ended_) return;
        ended_ = true;
        stopping_ = true;
        if (active_) {
            if (options_.mode == ProgressMode::terminal)
                write_bar(now(), true);
            else
                write_line(now(), true);
        }
    }
    stop_.notify_all();
    if (timer_.joinable()) timer_.join();
}

std::size_t Progress::done() const {
    const std::lock_guard lock(mutex_);
    return done_;
}

std::size_t Progress::in_flight() const {
    const std::lock_guard lock(mutex_);
    return in_flight_;
}

double Progress::now() const {
    return options_.clock();
}

void Progress::poll_locked(double now) {
    if (options_.mode == ProgressMode::terminal) {
        write_bar(now, false);
        return;
    }
    const std::size_t step = std::max<std::size_t>(options_.total / 10, 1);
    const bool stepped = done_ < options_.total && done_ - last_logged_done_ >= step &&
                         now - last_write_ >= kMinLogGap;
    if (stepped || now - last_write_ >= options_.heartbeat_seconds) write_line(now, false);
}

std::string Progress::counts(bool with_in_flight) const {
    std::string out = fmt::format("{}/{} done", done_, options_.total);
    if (with_in_flight) out += fmt::format(", {} in flight", in_flight_);
    if (options_.shown == Shown::ok)
        out += fmt::format(", {} {}", ok_, options_.ok_word);
    else if (done_ > ok_)
        out += fmt::format(", {} failed", done_ - ok_);
    if (cached_ > 0) out += fmt::format(", {} cached", cached_);
    return out;
}

std::string Progress::rate(double now) const {
    const double elapsed = now - started_at_;
    const std::size_t live = done_ - instant_;
    if (live == 0 || elapsed <= 0) return "-/s";
    const double per_second = static_cast<double>(live) / elapsed;
    return per_second < 10 ? fmt::format("{:.1f}/s", per_second)
                           : fmt::format("{:.0f}/s", per_second);
}

std::string Progress::eta(double now) const {
    const std::size_t left = options_.total - std::min(done_, options_.total);
    if (left == 0) return "0s";
    const double elapsed = now - started_at_;
    const std::size_t live = done_ - instant_;
    if (live == 0 || elapsed <= 0) return "?";
    return format_duration(static_cast<double>(left) * elapsed / static_cast<double>(live));
}

void Progress::write_bar(double now, bool last) {
    const std::size_t total = options_.total;
    const auto filled = static_cast<std::size_t>(kBarWidth) * std::min(done_, total) / total;
    std::string line = fmt::format("{} [{}{}] {} | {} | ", options_.label, std::string(filled, '#'),
                                   std::string(static_cast<std::size_t>(kBarWidth) - filled, '.'),
                                   counts(true), rate(now));
    line += last ? (done_ < total ? "stopped after " : "took ") + format_duration(now - started_at_)
                 : "ETA " + eta(now);
    if (options_.width > 1)
        line = std::string(utf8_prefix(line, static_cast<std::size_t>(options_.width - 1)));
    emit("\r" + line + "\x1b[K" + (last ? "\n" : ""), now);
}

void Progress::write_line(double now, bool last) {
    last_logged_done_ = done_;
    const std::string elapsed = format_duration(now - started_at_);
    if (!last) {
        emit(fmt::format("{}: {}, {}, ETA {}, {} elapsed\n", options_.label, counts(true),
                         rate(now), eta(now), elapsed),
             now);
    } else if (done_ < options_.total) {
        emit(fmt::format("{}: stopped at {}, {}, after {}\n", options_.label, counts(true),
                         rate(now), elapsed),
             now);
    } else {
        emit(
            fmt::format("{}: {}, {}, took {}\n", options_.label, counts(false), rate(now), elapsed),
            now);
    }
}

void Progress::emit(const std::string& text, double now) {
    last_write_ = now;
    *options_.out << text << std::flush;
}

void Progress::run_timer() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        stop_.wait_for(lock, std::chrono::duration<double>(kTimerSeconds));
        if (!stopping_ && !ended_) poll_locked(now());
    }
}

} // namespace assay::util
