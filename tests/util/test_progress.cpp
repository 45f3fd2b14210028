#include "util/progress.hpp"

#include <chrono>
#include <doctest/doctest.h>
#include <sstream>
#include <thread>

using assay::util::format_duration;
using assay::util::From;
using assay::util::Outcome;
using assay::util::Progress;
using assay::util::ProgressMode;
using assay::util::ProgressOptions;
using assay::util::Shown;

namespace {

// A progress line over a clock the test moves and a stream it reads, without the timer thread.
struct Bench {
    double now = 100; // any start: lines count from construction
    std::ostringstream out;

    ProgressOptions options(ProgressMode mode, std::size_t total, Shown shown = Shown::ok) {
        ProgressOptions o;
        o.label = "jobs";
        o.total = total;
        o.mode = mode;
        o.shown = shown;
        o.out = &out;
        o.clock = [this] { return now; };
        o.timer = false;
        return o;
    }
    // What was written since the last call.
    std::string take() {
        std::string text = out.str();
        out.str("");
        return text;
    }
};

void finish(Progress& p, int n, Outcome outcome = Outcome::ok, From from = From::flight) {
    for (int i = 0; i < n; ++i)
        p.finished(outcome, from);
}

} // namespace

TEST_CASE("util::format_duration") {
    CHECK(format_duration(0) == "0s");
    CHECK(format_duration(-3) == "0s");
    CHECK(format_duration(59.4) == "59s");
    CHECK(format_duration(185) == "3m05s");
    CHECK(format_duration(7620) == "2h07m");
}

TEST_CASE("util::Progress in a log") {
    Bench b;
    SUBCASE("a line per 10% step, at most one a second, and the last line") {
        Progress p(b.options(ProgressMode::log, 20));
        for (int i = 0; i < 3; ++i)
            p.started();
        b.now += 2;
        finish(p, 1);
        CHECK(b.take().empty()); // 1 of 20 is not a step
        finish(p, 1);
        CHECK(b.take() == "jobs: 2/20 done, 1 in flight, 2 ok, 1.0/s, ETA 18s, 2s elapsed\n");
        b.now += 0.5;
        p.started();
        p.started();
        finish(p, 2, Outcome::failed);
        CHECK(b.take().empty()); // a step, but half a second after the last line
        b.now += 0.5;
        p.poll();
        CHECK(b.take() == "jobs: 4/20 done, 1 in flight, 2 ok, 1.3/s, ETA 12s, 3s elapsed\n");
        p.poll();
        CHECK(b.take().empty()); // nothing new
        for (int i = 0; i < 16; ++i)
            p.started();
        b.now += 7;
        finish(p, 16);
        // 18 ok of 20 in 10 s. The 100% line is the last one, written by end().
        CHECK(b.take() == "jobs: 6/20 done, 15 in flight, 4 ok, 0.6/s, ETA 23s, 10s elapsed\n");
        p.end();
        CHECK(b.take() == "jobs: 20/20 done, 18 ok, 2.0/s, took 10s\n");
        p.end();
        p.poll();
        CHECK(b.take().empty());
    }
    SUBCASE("the items that ended ok under the batch's own word") {
        ProgressOptions o = b.options(ProgressMode::log, 2);
        o.ok_word = "survived";
        Progress p(o);
        p.started();
        p.started();
        b.now += 1;
        finish(p, 1, Outcome::failed);
        finish(p, 1);
        p.end();
        const std::string text = b.take();
        CHECK(text.find("jobs: 2/2 done, 1 survived, ") != std::string::npos);
        CHECK(text.find(" ok") == std::string::npos);
    }
    SUBCASE("a heartbeat while nothing finishes") {
        ProgressOptions o = b.options(ProgressMode::log, 10);
        o.heartbeat_seconds = 30;
        Progress p(o);
        p.started();
        p.started();
        b.now += 29;
        p.poll();
        CHECK(b.take().empty());
        b.now += 1;
        p.poll();
        CHECK(b.take() == "jobs: 0/10 done, 2 in flight, 0 ok, -/s, ETA ?, 30s elapsed\n");
        b.now += 29;
        p.poll();
        CHECK(b.take().empty());
        b.now += 1;
        p.poll();
        CHECK(b.take() == "jobs: 0/10 done, 2 in flight, 0 ok, -/s, ETA ?, 1m00s elapsed\n");
        // A step line restarts the silence.
        b.now += 10;
        finish(p, 1);
        CHECK(b.take() == "jobs: 1/10 done, 1 in flight, 1 ok, 0.0/s, ETA 10m30s, 1m10s elapsed\n");
        b.now += 29;
        p.poll();
        CHECK(b.take().empty());
    }
    SUBCASE("a batch that ends early says where it stopped, once") {
        {
            Progress p(b.options(ProgressMode::log, 10));
            for (int i = 0; i < 5; ++i)
                p.started();
            b.now += 5;
            finish(p, 3);
            (void)b.take();
        } // an error unwinds past it
        CHECK(b.take() == "jobs: stopped at 3/10 done, 2 in flight, 3 ok, 0.6/s, after 5s\n");
    }
    SUBCASE("an LLM batch: failures, answers from the cache, requests never sent") {
        Progress p(b.options(ProgressMode::log, 10, Shown::failed));
        finish(p, 4, Outcome::ok, From::cache);
        CHECK(b.take().empty()); // a step, but no second has passed
        p.started();
        p.started();
        p.started();
        b.now += 5;
        finish(p, 1, Outcome::failed);
        // The cached four are done but not in the rate: 1 answered in 5 s, 5 left.
        CHECK(b.take() == "jobs: 5/10 done, 2 in flight, 1 failed, 4 cached, 0.2/s, ETA 25s, 5s "
                          "elapsed\n");
        finish(p, 1);
        finish(p, 3, Outcome::failed, From::not_sent); // a budget spent
        CHECK(p.in_flight() == 1);
        finish(p, 1);
        CHECK(p.in_flight() == 0);
        CHECK(b.take().empty());
        p.end();
        CHECK(b.take() == "jobs: 10/10 done, 4 failed, 4 cached, 0.6/s, took 5s\n");
    }
    SUBCASE("an LLM batch without a failure does not name failures") {
        Progress p(b.options(ProgressMode::log, 2, Shown::failed));
        p.started();
        b.now += 1;
        finish(p, 1);
        CHECK(b.take() == "jobs: 1/2 done, 0 in flight, 1.0/s, ETA 1s, 1s elapsed\n");
        finish(p, 1, Outcome::ok, From::cache);
        p.end();
        CHECK(b.take() == "jobs: 2/2 done, 1 cached, 1.0/s, took 1s\n");
    }
    SUBCASE("off, or nothing to do: nothing written") {
        {
            Progress off(b.options(ProgressMode::off, 10));
            off.started();
            finish(off, 1);
            b.now += 100;
            off.poll();
            CHECK(off.done() == 1);
        }
        {
            Progress empty(b.options(ProgressMode::log, 0));
            b.now += 100;
            empty.poll();
        }
        CHECK(b.take().empty());
    }
}

TEST_CASE("util::Progress on a terminal") {
    Bench b;
    SUBCASE("one line redrawn in place, ended with a newline") {
        Progress p(b.options(ProgressMode::terminal, 4));
        b.now += 1;
        p.started();
        CHECK(b.take() == "\rjobs [....................] 0/4 done, 1 in flight, 0 ok | -/s | ETA "
                          "?\x1b[K");
        p.started();
        CHECK(b.take().empty()); // at most ten bars a second
        b.now += 1;
        finish(p, 1);
        CHECK(b.take() == "\rjobs [#####...............] 1/4 done, 1 in flight, 1 ok | 0.5/s | "
                          "ETA 6s\x1b[K");
        b.now += 1;
        p.poll(); // the clock runs while nothing finishes
        CHECK(b.take() == "\rjobs [#####...............] 1/4 done, 1 in flight, 1 ok | 0.3/s | "
                          "ETA 9s\x1b[K");
        p.started();
        p.started();
        finish(p, 3, Outcome::failed); // the last one is drawn at once
        CHECK(b.take() == "\rjobs [####################] 4/4 done, 0 in flight, 1 ok | 1.3/s | "
                          "ETA 0s\x1b[K");
        p.end();
        CHECK(b.take() == "\rjobs [####################] 4/4 done, 0 in flight, 1 ok | 1.3/s | "
                          "took 3s\x1b[K\n");
    }
    SUBCASE("an early end still ends the line, so the next message starts on its own") {
        {
            Progress p(b.options(ProgressMode::terminal, 4));
            b.now += 1;
            p.started();
            finish(p, 1);
        } // an error or an interruption unwinds past it
        const std::string text = b.take();
        CHECK(text.ends_with("| 1.0/s | stopped after 1s\x1b[K\n"));
        CHECK(text.find('\n') == text.size() - 1);
    }
    SUBCASE("a line never wider than the terminal") {
        ProgressOptions o = b.options(ProgressMode::terminal, 4);
        o.width = 30;
        Progress p(o);
        p.started();
        b.now += 1;
        finish(p, 1);
        const std::string text = b.take();
        CHECK(text == "\rjobs [#####...............] 1\x1b[K");
        CHECK(text.size() - 4 == 29); // \r and \x1b[K take no column
    }
}

TEST_CASE("util::Progress's timer thread") {
    std::ostringstream out;
    ProgressOptions o;
    o.label = "slow";
    o.total = 3;
    o.mode = ProgressMode::log;
    o.out = &out;
    o.heartbeat_seconds = 0.5;
    const auto begin = std::chrono::steady_clock::now();
    {
        Progress p(o);
        p.started();
        // Nothing finishes: the thread writes the heartbeat on its own.
        std::this_thread::sleep_for(std::chrono::milliseconds(1300));
    }
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    CHECK(out.str().starts_with("slow: 0/3 done, 1 in flight, 0 ok, -/s, ETA ?, 1s elapsed\n"));
    CHECK(out.str().ends_with("slow: stopped at 0/3 done, 1 in flight, 0 ok, -/s, after 1s\n"));
    // It stops at the end of the batch instead of finishing its wait.
    CHECK(took < 1.6);
}
