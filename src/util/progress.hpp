// One status line for a batch of work (jail jobs, LLM requests): done / in flight / total, a
// count of the outcome that matters, the rate and the ETA. On a terminal it is a bar redrawn in
// place; in a log (CI, nohup) it is a plain line now and then, and a heartbeat while nothing
// finishes, so that a stall shows.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>

namespace assay::util {

enum class ProgressMode {
    off,      // nothing is written
    terminal, // one line redrawn in place (\r), at most ten times a second and once a second
    log,      // whole lines: one per ~10% done (at most one a second), a heartbeat, the last
};

// The count a line names besides done: `ok` (jail batches: jobs that passed every test) or
// `failed` (LLM batches: requests that failed after every retry; named only when there are some).
enum class Shown { ok, failed };

// In log mode, the longest silence: after this many seconds without a line, one is written even
// if nothing finished meanwhile (long enough not to flood a log, short enough that a stalled
// server or jail shows within a minute).
constexpr double kHeartbeatSeconds = 30;

// How an item ended, and where from (only items that came `from_flight` were in flight).
enum class Outcome { ok, failed };
enum class From {
    flight,   // it was started() and is no longer in flight
    cache,    // answered from a cache: never in flight, and not counted in the rate
    not_sent, // ended before it was started (an LLM budget spent)
};

struct ProgressOptions {
    std::string label; // starts every line: "verify", "llm: solve"
    std::size_t total = 0;
    ProgressMode mode = ProgressMode::off;
    Shown shown = Shown::ok;
    // What Shown::ok calls the items that ended ok ("survived" for mutants, which pass).
    std::string ok_word = "ok";
    std::ostream* out = nullptr; // not owned; null: std::cerr
    // Seconds on a monotonic clock; empty: std::chrono::steady_clock.
    std::function<double()> clock;
    double heartbeat_seconds = kHeartbeatSeconds; // log mode: the longest silence
    // The terminal's width in columns: a bar line is cut to one column less (a line that wraps
    // cannot be redrawn with \r). 0: never cut.
    int width = 0;
    // A thread that calls poll() every second, so that heartbeats and the bar's clock run while
    // nothing finishes. Tests turn it off and call poll() themselves.
    bool timer = true;
};

// Options for a line on stderr: ProgressMode::terminal (with the terminal's width) when stderr is
// a terminal, ProgressMode::log otherwise, ProgressMode::off when not `enabled`. The heartbeat is
// $ASSAY_HEARTBEAT_SECONDS when that is a positive number.
[[nodiscard]] ProgressOptions stderr_progress(std::string label, std::size_t total, bool enabled);

// "12s", "3m05s", "2h07m": a duration for people.
[[nodiscard]] std::string format_duration(double seconds);

// Thread-safe: items may start and finish on any thread. Writing nothing when the mode is off or
// the total is 0. The destructor ends the line as end() does (with a newline on a terminal), so a
// batch that ends early through an error or an interruption never leaves a message of its own
// at the end of an unterminated bar.
class Progress {
  public:
    explicit Progress(ProgressOptions options);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // One item went in flight.
    void started();
    // One item ended.
    void finished(Outcome outcome, From from = From::flight);
    // Redraws the bar, or writes a log line that is due (a 10% step held back by the one-a-second
    // limit, a heartbeat). The timer thread calls it every second.
    void poll();
    // The last line: the whole count and the time taken, or, when not everything is done, where
    // the batch stopped. Stops the timer thread. Later calls (and the destructor) do nothing.
    void end();

    // Counts so far.
    [[nodiscard]] std::size_t done() const;
    [[nodiscard]] std::size_t in_flight() const;

  private:
    // Under mutex_:
    [[nodiscard]] double now() const;
    void poll_locked(double now);
    void write_bar(double now, bool last);
    void write_line(double now, bool last);
    void emit(const std::string& text, double now);
    [[nodiscard]] std::string counts(bool with_in_flight) const;
    [[nodiscard]] std::string rate(double now) const;
    [[nodiscard]] std::string eta(double now) const;

    void run_timer();

    ProgressOptions options_;
    bool active_;
    mutable std::mutex mutex_;
    std::size_t done_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t ok_ = 0;
    std::size_t cached_ = 0;
    std::size_t instant_ = 0; // From::cache and From::not_sent: not in the rate
    bool ended_ = false;
    double started_at_ = 0;
    double last_write_ = 0;            // when the last bar or line was written
    std::size_t last_logged_done_ = 0; // done_ in the last log line
    std::condition_variable stop_;
    bool stopping_ = false;
    std::thread timer_;
};

} // namespace assay::util
