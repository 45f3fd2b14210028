// assay-fake-llm: an OpenAI-compatible server that answers like a model, for tests and benches.
//   assay-fake-llm --port N [--host H] [--seed S] [--fault-rate F] [--latency-ms MS] [--threads T]
//                  [--log FILE] [--reasoning [think|field|both]] [--problems PATH]...
//                  [--inventions PATH]...
// It knows the problems of --problems (default: the project's problems/) and offers the problems
// of --inventions (default: tests/fake_llm/inventions/) as new ones; both defaults are found as
// core/language.cpp finds the project ($ASSAY_HOME, else the source tree) and skipped with a
// warning when missing. Prints "listening on http://H:PORT" once ready (--port 0 picks a free
// port); stops on SIGINT or SIGTERM.
#include "core/language.hpp"
#include "tools/fake_llm_server.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
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
    app.add_option("--log", options.log,
                   "append one JSON line per chat request: its body's hash, which arrival of "
                   "that body it is, and the outcome (answered or the fault)");
    std::string reasoning;
    auto* reasoning_option =
        app.add_option("--reasoning", reasoning,
                       "answer as a reasoning model: think (a think block before each answer; "
                       "the default when no value is given), field (reasoning_content) or both "
                       "(either, per reply)")
            ->expected(0, 1);
    std::vector<std::string> problems;
    std::vector<std::string> inventions;
    app.add_option("--problems", problems,
                   "problems it knows: a file or directory in any format `assay verify` reads "
                   "(repeatable; default: the project's problems/)");
    app.add_option("--inventions", inventions,
                   "native-format problems it offers as new exercises (repeatable; default: "
                   "tests/fake_llm/inventions/)");
    CLI11_PARSE(app, argc, argv);
    if (reasoning_option->count() > 0) {
        const auto mode =
            assay::tools::parse_reasoning_mode(reasoning.empty() ? "think" : reasoning);
        if (!mode) {
            fmt::print(stderr, "assay-fake-llm: --reasoning: {}\n", mode.error().message);
            return 2;
        }
        options.reasoning = *mode;
    }

    const auto paths = [](const std::vector<std::string>& given, const char* fallback) {
        std::vector<std::filesystem::path> out(given.begin(), given.end());
        if (out.empty()) {
            const auto path = assay::project_root() / fallback;
            if (std::filesystem::exists(path))
                out.push_back(path);
            else
                fmt::print(stderr, "assay-fake-llm: {} not found; skipped\n", path.string());
        }
        return out;
    };
    auto model = assay::tools::FakeModel::load(paths(problems, "problems"),
                                               paths(inventions, "tests/fake_llm/inventions"));
    if (!model) {
        fmt::print(stderr, "assay-fake-llm: {}\n", model.error().describe());
        return 2;
    }
    fmt::print(stderr, "assay-fake-llm: knows {} problems, {} of them invented\n",
               model->known_count(), model->invention_count());

    // Block the stop signals in every thread; one thread waits for them and stops the server.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    assay::tools::FakeLlmServer server(options, std::move(*model));
    const auto bound = server.bind(host, port);
    if (!bound) {
        fmt::print(stderr, "assay-fake-llm: {}\n", bound.error().describe());
        return static_cast<int>(bound.error().exit_code());
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
