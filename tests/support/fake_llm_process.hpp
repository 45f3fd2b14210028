// The built `assay-fake-llm` as a child process on a free loopback port, for black-box tests.
#pragma once

#include <boost/process.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <signal.h>
#include <string>
#include <vector>

namespace assay::testing {

// Runs assay-fake-llm until destroyed (SIGTERM, then a bounded wait).
class FakeLlm {
  public:
    explicit FakeLlm(std::vector<std::string> args) {
        namespace bp = boost::process;
        args.insert(args.begin(), {"--port", "0"});
        child_ = bp::child(std::string(ASSAY_FAKE_LLM_BINARY), bp::args(args), bp::std_out > out_,
                           bp::std_err > bp::null, bp::std_in < bp::null);
        std::string line;
        REQUIRE(std::getline(out_, line));
        const std::string prefix = "listening on ";
        REQUIRE(line.starts_with(prefix));
        url_ = line.substr(prefix.size());
        port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
    }
    FakeLlm(const FakeLlm&) = delete;
    FakeLlm& operator=(const FakeLlm&) = delete;
    ~FakeLlm() {
        if (child_.running()) stop();
    }

    // Stops it with SIGTERM; returns its exit code (-1 if it had to be killed).
    int stop() {
        ::kill(child_.id(), SIGTERM);
        if (!child_.wait_for(std::chrono::seconds(10))) {
            child_.terminate();
            return -1;
        }
        return child_.exit_code();
    }

    [[nodiscard]] const std::string& url() const { return url_; }
    [[nodiscard]] int port() const { return port_; }

  private:
    boost::process::ipstream out_;
    boost::process::child child_;
    std::string url_;
    int port_ = 0;
};

} // namespace assay::testing
