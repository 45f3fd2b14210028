// The hostile corpus through the fast path: each program is loaded as a candidate by one
// long-lived zygote pool, once with a case the judge splits (the candidate's side runs in the
// runner) and once with a case that runs whole in the runner. After every
// hostile job a clean job on the same pool must pass and find a clean namespace (no leftover
// file or process), forbidden calls must be named as in the cold path, and the supervisor's
// secret must appear in no output.
#include "core/language.hpp"
#include "sandbox/harness.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace assay;

namespace {

constexpr const char* kSecret = "sk-test-fast-path-hostile-secret";

std::string header_value(const std::string& code, const std::string& key) {
    std::istringstream in(code);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("# " + key + ": ", 0) == 0) return line.substr(key.size() + 4);
    return {};
}

sandbox::HarnessJob candidate_job(std::string code, int wall_ms) {
    sandbox::HarnessJob job;
    job.code = std::move(code);
    job.entry_point = "f";
    job.cases = {{"c0", "assert f(1) == 2"}};
    job.limits.wall_ms = wall_ms;
    job.limits.cpu_ms = 1000;
    job.limits.memory_mb = 256;
    job.limits.output_bytes = 1 << 16;
    return job;
}

const char* kCleanCheck = R"(import os
leftovers = [d + '/' + n for d in ('/work', '/tmp', '/dev/shm') for n in os.listdir(d)]
def f(x):
    # At call time the zygote and this runner exist (the judge lives in another jail), and
    # nothing else may.
    pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
    assert not leftovers, leftovers
    assert len(pids) == 2, pids
    return x + 1
)";

} // namespace

TEST_SUITE("hostile") {
    TEST_CASE("hostile corpus through the fast path") {
        ::setenv("ASSAY_API_KEY", kSecret, 1);
        auto lang = load_language("python");
        REQUIRE(lang);
        sandbox::ZygotePool pool(lang->spawn_spec(lang->zygote), 1);
        REQUIRE(pool.start());
        REQUIRE(pool.run(candidate_job(kCleanCheck, 5000)).all_passed());
        std::vector<fs::path> programs;
        for (const auto& entry : fs::directory_iterator(project_root() / "tests" / "hostile"))
            if (entry.path().extension() == ".py") programs.push_back(entry.path());
        std::sort(programs.begin(), programs.end());
        REQUIRE(programs.size() >= 40);
        for (const fs::path& program : programs) {
            std::ifstream in(program);
            std::stringstream text;
            text << in.rdbuf();
            const std::string code = text.str();
            CAPTURE(program.filename().string());
            // A case the judge splits, then one that runs whole next to the candidate.
            for (const char* test : {"assert f(1) == 2", "for x in [1]:\n    assert f(x) == 2"}) {
                CAPTURE(test);
                auto job = candidate_job(code, 3000);
                job.cases = {{"c0", test}};
                const auto hostile = pool.run(job);
                CAPTURE(hostile.message);
                CHECK_FALSE(hostile.all_passed());
                CHECK(hostile.stdout_text.find(kSecret) == std::string::npos);
                CHECK(hostile.stderr_text.find(kSecret) == std::string::npos);
                for (const auto& c : hostile.cases)
                    CHECK(c.message.find(kSecret) == std::string::npos);
                const bool uses_argv = code.find("sys.argv") != std::string::npos;
                if (header_value(code, "expect") == "forbidden_syscall" && !uses_argv) {
                    CHECK(hostile.verdict == Verdict::forbidden_syscall);
                    const std::string name = header_value(code, "syscall");
                    if (!name.empty()) CHECK(hostile.forbidden_syscall == name);
                }
                const auto clean = pool.run(candidate_job(kCleanCheck, 5000));
                CAPTURE(clean.message);
                CHECK(clean.all_passed());
            }
        }
        ::unsetenv("ASSAY_API_KEY");
    }
}
