// The verdict logic of the fast path, fed the result lines and observations it would get.
#include "sandbox/harness.hpp"

#include <csignal>
#include <doctest/doctest.h>

using namespace assay;
using nlohmann::json;
using sandbox::Observed;

namespace {
sandbox::HarnessJob two_cases() {
    sandbox::HarnessJob job;
    job.code = "def f(x): return x";
    job.entry_point = "f";
    job.cases = {{"a", "assert f(1) == 1"}, {"b", "assert f(2) == 2"}};
    job.limits.cpu_ms = 1000;
    return job;
}

std::string line(const std::string& nonce, int i, const std::string& verdict,
                 const std::string& message = "", json flags = json::object()) {
    flags.update(json{{"nonce", nonce}, {"i", i}, {"verdict", verdict}, {"message", message}});
    return flags.dump() + "\n";
}

// The done record of the judge's contract: `load_failure` ("compile", "timeout", "error") is
// decided by the harness when the program did not load.
std::string done(const std::string& nonce, int count, const std::string& load_failure = "") {
    json d = {{"nonce", nonce}, {"done", true}, {"count", count}};
    if (!load_failure.empty()) {
        d["load"] = "error";
        d["load_failure"] = load_failure;
        d["message"] = "load failed: " + load_failure;
    } else {
        d["load"] = "ok";
    }
    return d.dump() + "\n";
}

Observed finished(json runner = {{"state", "exited"}, {"code", 0}}) {
    Observed seen;
    seen.runner_reply = {{"done", true},
                         {"child", runner},
                         {"cpu_ms", 8},
                         {"peak_rss_kb", 9000},
                         {"stdout", {{"text", "hi"}, {"total", 10}}}};
    seen.judge_reply = {{"done", true},
                        {"child", {{"state", "exited"}, {"code", 0}}},
                        {"cpu_ms", 4},
                        {"peak_rss_kb", 8000}};
    return seen;
}
} // namespace

TEST_CASE("sandbox::interpret") {
    const auto job = two_cases();
    const std::string n = "nonce-1";

    SUBCASE("every case passed") {
        auto r = sandbox::interpret(
            job, n, line(n, 0, "passed") + line(n, 1, "passed") + done(n, 2), finished());
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.all_passed());
        CHECK(r.cpu_ms == 12);
        CHECK(r.stdout_text == "hi");
        CHECK(r.stdout_truncated);
    }
    SUBCASE("a failed case keeps its message") {
        auto r = sandbox::interpret(
            job, n, line(n, 0, "passed") + line(n, 1, "failed", "AssertionError: x") + done(n, 2),
            finished());
        CHECK(r.verdict == Verdict::ok);
        CHECK_FALSE(r.all_passed());
        CHECK(r.passed() == 1);
        CHECK(r.message == "AssertionError: x");
    }
    SUBCASE("lines with another nonce are ignored") {
        auto r = sandbox::interpret(
            job, n, line("forged", 0, "passed") + line("forged", 1, "passed") + done("forged", 2),
            finished());
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.passed() == 0);
    }
    SUBCASE("a repeated index cannot overwrite the first report") {
        auto r = sandbox::interpret(
            job, n, line(n, 0, "failed") + line(n, 0, "passed") + line(n, 1, "passed") + done(n, 2),
            finished());
        CHECK(r.cases[0].verdict == TestVerdict::failed);
    }
    SUBCASE("no done record: not every case was reported") {
        auto r =
            sandbox::interpret(job, n, line(n, 0, "passed") + line(n, 1, "passed"), finished());
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK_FALSE(r.all_passed());
    }
    SUBCASE("a done record with the wrong count") {
        auto r = sandbox::interpret(job, n, line(n, 0, "passed") + done(n, 1), finished());
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.cases[1].verdict == TestVerdict::error);
    }
    SUBCASE("a load failure the harness calls compile is compile_error") {
        auto r =
            sandbox::interpret(job, n,
                               line(n, 0, "error", "SyntaxError: bad") +
                                   line(n, 1, "error", "SyntaxError: bad") + done(n, 2, "compile"),
                               finished());
        CHECK(r.verdict == Verdict::compile_error);
        CHECK(r.message == "load failed: compile");
    }
    SUBCASE("the candidate's exception name never picks the category") {
        // A SyntaxError (or an exception named Timeout) raised at run time: the old field that
        // carried the exception's name is not read any more.
        for (const char* type : {"SyntaxError", "Timeout", "MemoryError"}) {
            CAPTURE(type);
            json d = {{"nonce", n},
                      {"done", true},
                      {"count", 2},
                      {"load", "error"},
                      {"load_error_type", type},
                      {"message", type}};
            auto r = sandbox::interpret(
                job, n, line(n, 0, "error", type) + line(n, 1, "error", type) + d.dump() + "\n",
                finished());
            CHECK(r.verdict == Verdict::runtime_error);
        }
        auto e = sandbox::interpret(
            job, n, line(n, 0, "error", "x") + line(n, 1, "error", "x") + done(n, 2, "error"),
            finished());
        CHECK(e.verdict == Verdict::runtime_error);
    }
    SUBCASE("a load timeout is a timeout only when the supervisor saw the time run out") {
        const std::string lines =
            line(n, 0, "timeout", "t") + line(n, 1, "timeout", "t") + done(n, 2, "timeout");
        CHECK(sandbox::interpret(job, n, lines, finished()).verdict == Verdict::runtime_error);
        Observed spent = finished();
        spent.cpu_ms = 950; // within the tick margin of the 1000 ms limit
        CHECK(sandbox::interpret(job, n, lines, spent).verdict == Verdict::timeout);
        Observed late = finished();
        late.runner_reply["timed_out"] = true;
        CHECK(sandbox::interpret(job, n, lines, late).verdict == Verdict::timeout);
    }
    SUBCASE("a MemoryError flag does not pick memory_limit; the cgroup's OOM counter does") {
        auto lines = line(n, 0, "error", "MemoryError: \nTraceback", {{"memory_error", true}}) +
                     line(n, 1, "passed") + done(n, 2);
        auto r = sandbox::interpret(job, n, lines, finished());
        CHECK(r.verdict == Verdict::ok);
        CHECK_FALSE(r.all_passed());
        Observed oom = finished();
        oom.oom = true;
        CHECK(sandbox::interpret(job, n, lines, oom).verdict == Verdict::memory_limit);
    }
    SUBCASE("self-sent signals are runtime errors; the supervisor's CPU kill is a timeout") {
        const std::string lines = line(n, 0, "error", "x", {{"runner_died", true}}) +
                                  line(n, 1, "error", "x") + done(n, 2);
        for (int sig : {SIGXCPU, SIGSYS, SIGKILL}) {
            CAPTURE(sig);
            auto r = sandbox::interpret(job, n, lines,
                                        finished({{"state", "signaled"}, {"signal", sig}}));
            CHECK(r.verdict == Verdict::runtime_error);
            CHECK(r.forbidden_syscall.empty());
        }
        Observed kills = finished({{"state", "signaled"}, {"signal", SIGSYS}});
        kills.seccomp_kills = true; // a host without the listener: the policy's SIGSYS
        CHECK(sandbox::interpret(job, n, lines, kills).verdict == Verdict::forbidden_syscall);
        Observed cpu = finished();
        cpu.runner_reply = nullptr; // the supervisor killed the runner's jail
        cpu.cpu_limit_hit = true;
        cpu.cpu_ms = 1010;
        auto t = sandbox::interpret(job, n, "", cpu);
        CHECK(t.verdict == Verdict::timeout);
        CHECK(t.cpu_ms == 1010);
        CHECK(t.message == "CPU time limit of 1000 ms");
    }
    SUBCASE("the job's CPU is the cgroup count, not the zygotes' sum") {
        Observed seen = finished();
        seen.cpu_ms = 321;
        auto r = sandbox::interpret(job, n,
                                    line(n, 0, "passed") + line(n, 1, "passed") + done(n, 2), seen);
        CHECK(r.all_passed());
        CHECK(r.cpu_ms == 321);
    }
    SUBCASE("a runner killed after using its CPU time is a timeout") {
        auto r = sandbox::interpret(
            job, n,
            line(n, 0, "error", "the candidate's process exited", {{"runner_died", true}}) +
                line(n, 1, "error", "not run") + done(n, 2),
            [] {
                auto seen = finished({{"state", "signaled"}, {"signal", SIGKILL}});
                seen.runner_reply["cpu_ms"] = 1000;
                return seen;
            }());
        CHECK(r.verdict == Verdict::timeout);
        CHECK(r.cases[0].verdict == TestVerdict::timeout);
        CHECK(r.cases[1].verdict == TestVerdict::error);
    }
    SUBCASE("the seccomp listener's report wins") {
        Observed seen = finished();
        seen.forbidden_syscall = "ptrace";
        auto r = sandbox::interpret(job, n, "", seen);
        CHECK(r.verdict == Verdict::forbidden_syscall);
        CHECK(r.forbidden_syscall == "ptrace");
        CHECK(r.cases.size() == 2);
    }
    SUBCASE("output and wall limits") {
        Observed seen = finished();
        seen.runner_reply["output_limit"] = true;
        CHECK(sandbox::interpret(job, n, "", seen).verdict == Verdict::output_limit);
        seen = finished();
        seen.judge_reply["timed_out"] = true;
        CHECK(sandbox::interpret(job, n, "", seen).verdict == Verdict::timeout);
    }
    SUBCASE("a worker that never replied fails the job") {
        Observed seen = finished();
        seen.judge_reply = nullptr;
        auto r = sandbox::interpret(job, n,
                                    line(n, 0, "passed") + line(n, 1, "passed") + done(n, 2), seen);
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK_FALSE(r.all_passed());
    }
    SUBCASE("message text cannot pick the verdict") {
        auto r = sandbox::interpret(job, n,
                                    line(n, 0, "error", "MemoryError: raised by the candidate") +
                                        line(n, 1, "passed") + done(n, 2),
                                    finished());
        CHECK(r.verdict == Verdict::ok);
        CHECK_FALSE(r.all_passed());
    }
    SUBCASE("garbage lines are ignored") {
        auto r = sandbox::interpret(job, n, "not json\n{\"i\": 0}\n\xff\xfe\n5\n[1]\n", finished());
        CHECK(r.verdict == Verdict::runtime_error);
    }
}

TEST_CASE("sandbox::interpret: malformed result lines are internal_error, never an exception") {
    const auto job = two_cases();
    const std::string n = "nonce-1";
    const std::string good = line(n, 0, "passed") + line(n, 1, "passed") + done(n, 2);
    auto malformed = [&](const json& record) {
        CAPTURE(record.dump());
        sandbox::JobResult r;
        REQUIRE_NOTHROW(r = sandbox::interpret(job, n, record.dump() + "\n" + good, finished()));
        CHECK(r.verdict == Verdict::internal_error);
        CHECK(r.message.rfind("malformed result line: ", 0) == 0);
        CHECK_FALSE(r.all_passed());
        return r;
    };
    const json c = {{"nonce", n},    {"i", 0},    {"name", "a"},         {"verdict", "passed"},
                    {"message", ""}, {"ms", 1.5}, {"runner_died", false}};
    const json d = {{"nonce", n}, {"done", true}, {"count", 2}, {"load", "ok"}};
    auto with = [](json record, const char* key, json value) {
        record[key] = std::move(value);
        return record;
    };
    CHECK(malformed(with(c, "nonce", 5)).message.find("'nonce' is number") != std::string::npos);
    malformed(with(d, "nonce", 5));
    malformed(with(c, "nonce", nullptr));
    CHECK(malformed(with(c, "i", "0")).message.find("'i' is string") != std::string::npos);
    malformed(with(c, "i", 0.5));
    malformed(with(c, "verdict", 1));
    malformed(with(c, "verdict", "maybe"));
    malformed(with(c, "message", json::object({{"x", 1}})));
    malformed(with(c, "name", 3));
    malformed(with(c, "ms", "fast"));
    malformed(with(c, "runner_died", "yes"));
    malformed(with(c, "done", 1));
    malformed(with(d, "done", "true"));
    malformed(with(d, "count", "2"));
    malformed(with(d, "message", json::array()));
    malformed(with(d, "load", 0));
    malformed(with(d, "load_failure", 7));
    malformed(with(d, "load_failure", "SyntaxError"));
    json no_index = c;
    no_index.erase("i");
    malformed(no_index);
    // The problem file's one line: a nonce that is a number.
    sandbox::JobResult only;
    REQUIRE_NOTHROW(only = sandbox::interpret(job, n, "{\"nonce\": 5}\n", finished()));
    CHECK(only.verdict == Verdict::internal_error);
    // Another job's records are not this job's business, whatever their shape.
    auto foreign = sandbox::interpret(
        job, n, with(c, "i", "0").dump() + "\n" + with(c, "nonce", "other").dump() + "\n" + good,
        finished());
    CHECK(foreign.verdict == Verdict::internal_error); // this job's own malformed line
    auto other = sandbox::interpret(
        job, n, json({{"nonce", "other"}, {"i", "x"}}).dump() + "\n" + good, finished());
    CHECK(other.all_passed());
}

TEST_CASE("sandbox::interpret: malformed zygote replies never throw") {
    const auto job = two_cases();
    const std::string n = "nonce-1";
    const std::string good = line(n, 0, "passed") + line(n, 1, "passed") + done(n, 2);
    for (const json& bad : {json(5), json("x"), json::array(),
                            json({{"child", 5},
                                  {"cpu_ms", "9"},
                                  {"stdout", "x"},
                                  {"timed_out", 1},
                                  {"output_limit", "yes"},
                                  {"wall_ms", "1"},
                                  {"peak_rss_kb", 1.5}}),
                            json({{"child", {{"state", 1}, {"signal", "KILL"}, {"code", "0"}}},
                                  {"stdout", {{"text", 5}, {"total", "many"}}}})}) {
        CAPTURE(bad.dump());
        Observed seen = finished();
        seen.runner_reply = bad;
        sandbox::JobResult r;
        REQUIRE_NOTHROW(r = sandbox::interpret(job, n, good, seen));
        seen = finished();
        seen.judge_reply = bad;
        REQUIRE_NOTHROW(r = sandbox::interpret(job, n, good, seen));
    }
}
