// Measures the cold path against a bare fork+exec of the same interpreter, in one invocation
// (README.md "Measurements": always a ratio against a baseline run).
#include "sandbox/jail.hpp"
#include "tests/sandbox/jail_test_support.hpp"

#include <algorithm>
#include <chrono>
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double median_ms(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double bare_run_ms() {
    const auto start = Clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const char* argv[] = {"/usr/bin/python3", "-I", "-S", "-c", "pass", nullptr};
        ::execv(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

TEST_SUITE("slow") {
    TEST_CASE("sandbox::run cold-path overhead against a bare exec") {
        constexpr int kRuns = 50;
        auto spec = assay::test::python_spec("");
        spec.argv = {"/usr/bin/python3", "-I", "-S", "-c", "pass"};
        (void)assay::sandbox::run(spec); // warm the host probe and the policy cache
        std::vector<double> bare, jailed;
        for (int i = 0; i < kRuns; ++i) {
            bare.push_back(bare_run_ms());
            const auto start = Clock::now();
            const auto r = assay::sandbox::run(spec);
            jailed.push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - start).count());
            REQUIRE(r.verdict == assay::Verdict::ok);
        }
        const double b = median_ms(bare);
        const double j = median_ms(jailed);
        MESSAGE("python3 -I -S -c pass, median of " << kRuns << ": bare " << b << " ms, jailed "
                                                    << j << " ms, overhead " << j - b
                                                    << " ms, ratio " << j / b);
        CHECK(j - b < 50.0);
    }
}
