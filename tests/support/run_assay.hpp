// Runs the built `assay` binary (black-box tests) with Boost.Process, capturing both streams.
#pragma once

#include <boost/process.hpp>

#include <string>
#include <vector>

namespace assay::testing {

struct Ran {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs ASSAY_BINARY with `args` (no shell) and waits for it.
inline Ran run_assay(const std::vector<std::string>& args) {
    namespace bp = boost::process;
    bp::ipstream out;
    bp::ipstream err;
    bp::child child(std::string(ASSAY_BINARY), bp::args(args), bp::std_out > out,
                    bp::std_err > err, bp::std_in < bp::null);
    // Read both pipes concurrently enough for test-sized output: stderr is drained first into a
    // string on a second pass only after stdout closed, so keep stderr small in tests.
    Ran ran;
    std::string line;
    while (std::getline(out, line)) ran.out += line + "\n";
    while (std::getline(err, line)) ran.err += line + "\n";
    child.wait();
    ran.exit_code = child.exit_code();
    return ran;
}

// Runs any program, for checks under plain execution; returns its exit code.
inline int run_program(const std::string& program, const std::vector<std::string>& args,
                       int timeout_seconds = 30) {
    namespace bp = boost::process;
    bp::child child(program, bp::args(args), bp::std_out > bp::null, bp::std_err > bp::null,
                    bp::std_in < bp::null);
    if (!child.wait_for(std::chrono::seconds(timeout_seconds))) {
        child.terminate();
        return -1;
    }
    return child.exit_code();
}

} // namespace assay::testing
