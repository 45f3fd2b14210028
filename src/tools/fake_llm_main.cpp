// assay-fake-llm: an OpenAI-compatible server that answers like a model, for tests and benches.
//   assay-fake-llm --port N [--host H] [--seed S] [--fault-rate F] [--latency-ms MS] [--threads T]
// Prints "listening on http://H:PORT" once ready (--port 0 picks a free port); stops on SIGINT or
// SIGTERM.
#include "tools/fake_llm_server.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <signal.h>
#include <thread>
#include <unistd.h>

int main(int argc, char** argv) {
    CLI::App app{"assay-fake-llm: a deterministic stand-in for an OpenAI-compatible server"};
    assay::tools::FakeLlmOptions options;
    std::string host = "127.0.0.1";
    int port = 0;
    app.add_option("--port", port, "port to listen on (0: any free port)")->required();
    app.add_option("--host", host, "address to listen on");
    app.add_option("--seed", options.seed, "varies the replies");
    app.add_option("--fault-rate", options.fault_rate, "share of calls that fail")
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--latency-ms", options.latency_ms, "added to every answer");
    app.add_option("--slow-ms", options.slow_ms, "how late a slow fault answers");
    app.add_option("--threads", options.threads, "handler threads (one per open connection)");
    CLI11_PARSE(app, argc, argv);

    // Block the stop signals in every thread; one thread waits for them and stops the server.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    assay::tools::FakeLlmServer server(options);
    const auto bound = server.bind(host, port);
    if (!bound) {
        fmt::print(stderr, "assay-fake-llm: {}\n", bound.error().describe());
        return 2;
    }
    std::thread stopper([&] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        server.stop();
    });
    fmt::print("listening on http://{}:{}\n", host, *bound);
    std::fflush(stdout);
    server.serve();
    // serve() also returns if listening fails; wake the stopper so it can be joined.
    ::kill(::getpid(), SIGTERM);
    stopper.join();
    return 0;
}
