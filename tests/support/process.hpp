// Running a program for a black-box test (Boost.Process): its exit code, stdout and stderr
// (through files, so neither pipe can fill up), killed after a timeout.
#pragma once

#include "support/temp_dir.hpp"

#include <boost/process.hpp>
#include <chrono>
#include <fstream>
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

// Runs `program` with `args` and extra environment variables `env`.
inline Ran run_process(const std::string& program, const std::vector<std::string>& args,
                       std::chrono::seconds timeout = std::chrono::seconds(300),
                       const std::vector<std::pair<std::string, std::string>>& env = {}) {
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
    while (child.running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            child.terminate();
            ran.timed_out = true;
            break;
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
                        const std::vector<std::pair<std::string, std::string>>& env = {}) {
    return run_process(ASSAY_BINARY, args, std::chrono::seconds(300), env);
}

} // namespace assay::testing
