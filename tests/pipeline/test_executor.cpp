// JailExecutor in real jails: a job whose process is killed from outside (not by the supervisor,
// not by itself) is run again in fresh jails, and its true verdict is the one reported, once.
#include "core/language.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/verify.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace assay;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

pid_t parent_of(pid_t pid) {
    const std::string stat = read_text(fs::path("/proc") / std::to_string(pid) / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    return parent;
}

bool descends_from(pid_t pid, pid_t ancestor) {
    for (int depth = 0; pid > 1 && depth < 64; ++depth) {
        pid = parent_of(pid);
        if (pid == ancestor) return true;
    }
    return false;
}

// A job's runner process: forked by this process's runner zygote, with the zygote's command
// line. 0 when there is none.
pid_t job_runner() {
    const std::string needle = std::string("zygote.py") + '\0' + "runner";
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t pid = std::stoi(name);
        if (read_text(entry.path() / "cmdline").find(needle) == std::string::npos) continue;
        const pid_t parent = parent_of(pid);
        if (read_text(fs::path("/proc") / std::to_string(parent) / "cmdline").find(needle) ==
                std::string::npos ||
            !descends_from(pid, ::getpid()))
            continue;
        return pid;
    }
    return 0;
}

// A job running `code` on one test, `assert f() == 1`.
sandbox::HarnessJob job_of(const std::string& code, const Language& language) {
    Problem problem;
    problem.id = "p";
    problem.language = "python";
    problem.entry_point = "f";
    problem.tests = {{"t0", "assert f() == 1"}};
    return pipeline::make_job(problem, code, language.limits);
}

} // namespace

TEST_CASE("pipeline::JailExecutor runs a job killed from outside again and reports it once") {
    const auto language = load_language("python");
    REQUIRE(language);
    const std::vector<sandbox::HarnessJob> jobs{
        job_of("import time\n\ndef f():\n    time.sleep(1.5)\n    return 1\n", *language)};

    pipeline::JailExecutor executor(*language, 1, false);
    std::atomic<bool> killed{false};
    std::atomic<bool> over{false};
    std::thread killer([&] {
        // Once the job's runner has been up a moment, SIGKILL it: someone else's kill.
        for (int i = 0; i < 500 && !over && !killed; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            if (const pid_t runner = job_runner(); runner > 0 && i > 30)
                killed = ::kill(runner, SIGKILL) == 0;
        }
    });
    std::vector<sandbox::JobResult> reported;
    const auto ran = executor.run(jobs, {0}, {}, [&](std::size_t i, sandbox::JobResult result) {
        CHECK(i == 0);
        reported.push_back(std::move(result));
    });
    over = true;
    killer.join();
    REQUIRE(ran);
    REQUIRE(killed);
    REQUIRE(reported.size() == 1);
    INFO(reported[0].message);
    CHECK(reported[0].verdict == Verdict::ok);
    CHECK(reported[0].all_passed());
    CHECK_FALSE(reported[0].run_again);
}

TEST_CASE("pipeline::JailExecutor: a job that kills itself fails after its second run") {
    const auto language = load_language("python");
    REQUIRE(language);
    const std::vector<sandbox::HarnessJob> jobs{job_of(
        "import os, signal\n\ndef f():\n    os.kill(os.getpid(), signal.SIGKILL)\n", *language)};
    pipeline::JailExecutor executor(*language, 1, false);
    std::vector<sandbox::JobResult> reported;
    REQUIRE(executor.run(jobs, {0}, {}, [&](std::size_t, sandbox::JobResult result) {
        reported.push_back(std::move(result));
    }));
    REQUIRE(reported.size() == 1);
    CHECK(reported[0].verdict == Verdict::runtime_error);
    CHECK(reported[0].message == "the program was killed by SIGKILL");
    CHECK_FALSE(reported[0].all_passed());
}

TEST_CASE("pipeline::JailExecutor: string hashes and set order are the same in every pool") {
    // Python seeds str hashes per process unless told not to; a candidate's failure then reads
    // differently on each run. Two executors start two zygote pools: the same failure, twice.
    const auto language = load_language("python");
    REQUIRE(language);
    const std::vector<sandbox::HarnessJob> jobs{
        job_of("def f():\n    return (hash('assay'), ','.join({'apple', 'pear', 'fig', 'kiwi'}))\n",
               *language)};
    std::vector<std::string> messages;
    for (int pool = 0; pool < 2; ++pool) {
        pipeline::JailExecutor executor(*language, 1, false);
        REQUIRE(executor.run(jobs, {0}, {}, [&](std::size_t, sandbox::JobResult result) {
            CHECK(result.verdict == Verdict::ok);
            REQUIRE(result.cases.size() == 1);
            CHECK(result.cases[0].verdict == TestVerdict::failed);
            messages.push_back(result.cases[0].message);
        }));
    }
    REQUIRE(messages.size() == 2);
    INFO(messages[0]);
    CHECK(messages[0].find("apple") != std::string::npos);
    CHECK(messages[0] == messages[1]);
}
