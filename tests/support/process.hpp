// Running a program for a black-box test (Boost.Process): its exit code, stdout and stderr
// (through files, so neither pipe can fill up), killed after a timeout.
#pragma once

#include "support/temp_dir.hpp"

#include <boost/process.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace assay::testing {

struct Ran {
    int exit_code = -1;
    std::string out;
    std::string err;
    bool timed_out = false;
};

inline std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Asked every 20 ms while the program runs: a signal to send it now, or 0. Each signal it
// returns is sent once (a later different one is sent too).
using Signaller = std::function<int()>;

// Runs `program` with `args` and extra environment variables `env`.
inline Ran run_process(const std::string& program, const std::vector<std::string>& args,
                       std::chrono::seconds timeout = std::chrono::seconds(300),
                       const std::vector<std::pair<std::string, std::string>>& env = {},
                       const Signaller& signaller = {}) {
    namespace bp = boost::process;
    TempDir scratch;
    bp::environment environment = boost::this_process::environment();
    for (const auto& [key, value] : env)
        environment[key] = value;
    bp::child child(program, bp::args(args), bp::std_out > (scratch / "out").string(),
                    bp::std_err > (scratch / "err").string(), bp::std_in < bp::null, environment);
    // Polled rather than child.wait_for(), which in Boost 1.74 can sleep the whole timeout when
    // the child has already exited.
    Ran ran;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto polled = std::chrono::steady_clock::now();
    int sent = 0;
    while (child.running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            child.terminate();
            ran.timed_out = true;
            break;
        }
        if (signaller &&
            std::chrono::steady_clock::now() - polled > std::chrono::milliseconds(20)) {
            polled = std::chrono::steady_clock::now();
            if (const int signal = signaller(); signal != 0 && signal != sent) {
                ::kill(child.id(), signal);
                sent = signal;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!ran.timed_out) ran.exit_code = child.exit_code();
    ran.out = slurp(scratch / "out");
    ran.err = slurp(scratch / "err");
    return ran;
}

// Runs the built `assay` binary.
inline Ran assay_binary(const std::vector<std::string>& args,
                        const std::vector<std::pair<std::string, std::string>>& env = {},
                        const Signaller& signaller = {}) {
    return run_process(ASSAY_BINARY, args, std::chrono::seconds(300), env, signaller);
}

} // namespace assay::testing
