// Running independent work items on a fixed number of threads, with an optional progress line.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace assay::pipeline {

// Counts finished items and, when enabled, redraws one status line on stderr: on a terminal a
// bar with counts, rate and ETA; otherwise a plain log line every 10%.
class Progress {
  public:
    Progress(std::string label, std::size_t total, bool enabled);
    void tick(bool success);
    void finish();

  private:
    void draw(bool final);
    std::string label_;
    std::size_t total_;
    bool enabled_;
    bool terminal_;
    std::size_t done_ = 0;
    std::size_t ok_ = 0;
    std::size_t last_logged_ = 0;
    double started_;
};

// Calls body(i) for i in [0, count) on `threads` threads; returns when all are done. body must
// not throw (a throwing body terminates).
void parallel_for(int threads, std::size_t count, const std::function<void(std::size_t)>& body);

} // namespace assay::pipeline
