// The verdict logic of the fast path, fed the result lines and observations it would get.
#include "sandbox/harness.hpp"

#include <doctest/doctest.h>

#include <csignal>

using namespace assay;
using sandbox::Observed;
using nlohmann::json;

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

std::string done(const std::string& nonce, int count, const std::string& load_failure = "") {
    json d = {{"nonce", nonce}, {"done", true}, {"count", count}};
    if (!load_failure.empty()) {
        d["load"] = "error";
        d["load_failure"] = load_failure;
    }
    return d.dump() + "\n";
}

Observed finished(json runner = {{"state", "exited"}, {"code", 0}}) {
    Observed seen;
    seen.runner_reply = {{"done", true}, {"child", runner}, {"cpu_ms", 8}, {"peak_rss_kb", 9000},
                         {"stdout", {{"text", "hi"}, {"total", 10}}}};
    seen.judge_reply = {{"done", true}, {"child", {{"state", "exited"}, {"code", 0}}},
                        {"cpu_ms", 4}, {"peak_rss_kb", 8000}};
    return seen;
}
} // namespace

TEST_CASE("sandbox::interpret") {
    const auto job = two_cases();
    const std::string n = "nonce-1";

    SUBCASE("every case passed") {
        auto r = sandbox::interpret(job, n, line(n, 0, "passed") + line(n, 1, "passed") + done(n, 2),
                                    finished());
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
        auto r = sandbox::interpret(job, n,
                                    line("forged", 0, "passed") + line("forged", 1, "passed") +
                                        done("forged", 2),
                                    finished());
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.passed() == 0);
    }
    SUBCASE("a repeated index cannot overwrite the first report") {
        auto r = sandbox::interpret(job, n,
                                    line(n, 0, "failed") + line(n, 0, "passed") +
                                        line(n, 1, "passed") + done(n, 2),
                                    finished());
        CHECK(r.cases[0].verdict == TestVerdict::failed);
    }
    SUBCASE("no done record: not every case was reported") {
        auto r = sandbox::interpret(job, n, line(n, 0, "passed") + line(n, 1, "passed"), finished());
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK_FALSE(r.all_passed());
    }
    SUBCASE("a done record with the wrong count") {
        auto r = sandbox::interpret(job, n, line(n, 0, "passed") + done(n, 1), finished());
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.cases[1].verdict == TestVerdict::error);
    }
    SUBCASE("a compile failure the harness saw is compile_error") {
        auto r = sandbox::interpret(job, n,
                                    line(n, 0, "error", "SyntaxError: bad") +
                                        line(n, 1, "error", "SyntaxError: bad") +
                                        done(n, 2, "compile"),
                                    finished());
        CHECK(r.verdict == Verdict::compile_error);
    }
    SUBCASE("a load error is a runtime_error whatever the exception's name") {
        for (const char* failure : {"error", "SyntaxError", "Timeout", "MemoryError"}) {
            CAPTURE(failure);
            auto r = sandbox::interpret(job, n,
                                        line(n, 0, "error", "SyntaxError: raised at run time") +
                                            line(n, 1, "error", "x") + done(n, 2, failure),
                                        finished());
            CHECK(r.verdict == Verdict::runtime_error);
        }
    }
    SUBCASE("a MemoryError the candidate raised is not memory_limit") {
        auto r = sandbox::interpret(job, n,
                                    line(n, 0, "error", "MemoryError: \nTraceback",
                                         {{"memory_error", true}}) +
                                        line(n, 1, "passed") + done(n, 2),
                                    finished());
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.cases[0].verdict == TestVerdict::error);
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
        auto r = sandbox::interpret(job, n, line(n, 0, "passed") + line(n, 1, "passed") + done(n, 2),
                                    seen);
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
        auto r = sandbox::interpret(job, n, "not json\n{\"i\": 0}\n\xff\xfe\n", finished());
        CHECK(r.verdict == Verdict::runtime_error);
    }
}
