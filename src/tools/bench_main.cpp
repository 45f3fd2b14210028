// assay-bench: the measurements scripts/bench reports, each against a baseline measured in the
// same invocation.
//   assay-bench bare --problems FILE [--format F] [--repeat N] [--jobs N]
//       HumanEval's way with no isolation: one fresh `python3 -I -S` per sample (program + tests),
//       N at a time.
//   assay-bench overhead [--runs N]
//       per-run cost of a bare exec, the jail's cold path, and the fast path.
//   assay-bench parse --problems FILE [--format F]
//       tree-sitter parse throughput over the problems' prompts and solutions.
//   assay-bench llm [--calls N] [--in-flight N] [--latency-ms MS]
//       LLM-call throughput of the HTTP client against an in-process fake server that takes MS
//       per call, as a fraction of the ideal in_flight / latency.
#include "core/language.hpp"
#include "dataset/problem_files.hpp"
#include "llm/client.hpp"
#include "pipeline/parallel.hpp"
#include "sandbox/harness.hpp"
#include "sandbox/jail.hpp"
#include "syntax/syntax_tree.hpp"
#include "tools/fake_llm_server.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/process.hpp>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace {

using namespace assay;
namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

// The problem's tests as one plain script after `program`: setup, then every case with
// `candidate` bound to the entry point. Exit status 0 means every case passed.
std::string plain_script(const Problem& p, const std::string& program) {
    std::string script =
        program + "\n\n" + p.test_setup + "\n\ncandidate = " + p.entry_point + "\n";
    for (const TestCase& t : p.tests)
        script += t.code + "\n";
    return script;
}

std::vector<Problem> load(const std::string& path, const std::string& format) {
    const auto fmt = format.empty() ? dataset::detect_format(path) : dataset::parse_format(format);
    return value_or_throw(dataset::load_problems(path, value_or_throw(fmt)));
}

int bare(const std::string& problems_path, const std::string& format, int repeat, int jobs) {
    const auto problems = load(problems_path, format);
    const auto dir =
        std::filesystem::temp_directory_path() / fmt::format("assay-bench-{}", ::getpid());
    std::filesystem::create_directories(dir);
    std::vector<std::filesystem::path> files;
    for (int r = 0; r < repeat; ++r)
        for (const Problem& p : problems) {
            files.push_back(dir / fmt::format("s{}.py", files.size()));
            std::ofstream(files.back()) << plain_script(p, p.solution);
        }
    std::atomic<int> passed{0};
    const auto start = Clock::now();
    pipeline::parallel_for(jobs, files.size(), [&](std::size_t i) {
        bp::child child("/usr/bin/python3", "-I", "-S", files[i].string(), bp::std_out > bp::null,
                        bp::std_err > bp::null, bp::std_in < bp::null);
        child.wait();
        passed += child.exit_code() == 0 ? 1 : 0;
    });
    const double elapsed = seconds_since(start);
    std::filesystem::remove_all(dir);
    fmt::print("{}\n", nlohmann::json{{"samples", files.size()},
                                      {"passed", passed.load()},
                                      {"seconds", elapsed},
                                      {"per_second", static_cast<double>(files.size()) / elapsed}}
                           .dump());
    return 0;
}

int overhead(int runs) {
    const Language lang = value_or_throw(load_language("python"));
    std::vector<double> bare_ms, cold_ms, fast_ms;
    for (int i = 0; i < runs; ++i) {
        auto start = Clock::now();
        bp::child child("/usr/bin/python3", "-I", "-S", "-c", "pass", bp::std_out > bp::null,
                        bp::std_err > bp::null);
        child.wait();
        bare_ms.push_back(seconds_since(start) * 1000);

        sandbox::SpawnSpec spec = lang.spawn_spec({"/usr/bin/python3", "-I", "-S", "-c", "pass"});
        start = Clock::now();
        const auto r = sandbox::run(spec);
        cold_ms.push_back(seconds_since(start) * 1000);
        if (r.verdict != Verdict::ok) throw std::runtime_error("cold path failed: " + r.message);
    }
    sandbox::Zygote zygote(lang.spawn_spec(lang.zygote));
    value_or_throw(zygote.ensure_started());
    sandbox::HarnessJob job;
    job.code = "def f(x):\n    return x\n";
    job.entry_point = "f";
    job.cases = {{"c", "assert f(1) == 1"}};
    job.limits = lang.limits;
    for (int i = 0; i < runs; ++i) {
        const auto start = Clock::now();
        const auto r = zygote.run(job);
        fast_ms.push_back(seconds_since(start) * 1000);
        if (!r.all_passed()) throw std::runtime_error("fast path failed: " + r.message);
    }
    fmt::print("{}\n", nlohmann::json{{"runs", runs},
                                      {"bare_exec_ms", median(bare_ms)},
                                      {"cold_path_ms", median(cold_ms)},
                                      {"fast_path_job_ms", median(fast_ms)}}
                           .dump());
    return 0;
}

int parse(const std::string& problems_path, const std::string& format) {
    const auto problems = load(problems_path, format);
    std::size_t bytes = 0;
    int rounds = 0;
    const auto start = Clock::now();
    while (seconds_since(start) < 2.0) {
        for (const Problem& p : problems) {
            std::string text = p.prompt + "\n" + p.solution;
            bytes += text.size();
            value_or_throw(syntax::SyntaxTree::parse("python", std::move(text)));
        }
        ++rounds;
    }
    const double elapsed = seconds_since(start);
    fmt::print("{}\n", nlohmann::json{{"bytes", bytes},
                                      {"rounds", rounds},
                                      {"seconds", elapsed},
                                      {"mb_per_second", static_cast<double>(bytes) / 1e6 / elapsed}}
                           .dump());
    return 0;
}

int llm_throughput(int calls, int in_flight, int latency_ms) {
    tools::FakeLlmOptions server_options;
    server_options.latency_ms = latency_ms;
    server_options.threads = static_cast<std::size_t>(in_flight) + 8;
    tools::FakeLlmServer server(server_options);
    const int port = value_or_throw(server.bind("127.0.0.1", 0));
    std::thread serving([&] { server.serve(); });
    llm::HttpClientOptions options;
    options.base_url = fmt::format("http://127.0.0.1:{}", port);
    options.max_in_flight = in_flight;
    auto client = value_or_throw(llm::HttpClient::create(options));
    std::vector<llm::ChatRequest> requests;
    requests.reserve(calls);
    for (int i = 0; i < calls; ++i)
        requests.push_back({"fake-model",
                            {{"user", fmt::format("ENTRY_POINT: f{}", i)}},
                            0.8,
                            512,
                            static_cast<std::uint64_t>(i)});
    const auto start = Clock::now();
    const auto results = client->complete(requests);
    const double elapsed = seconds_since(start);
    client.reset(); // closes its kept-alive connections, which would hold stop() for seconds
    server.stop();
    serving.join();
    const auto ok =
        std::count_if(results.begin(), results.end(), [](const auto& r) { return r.has_value(); });
    const double per_second = static_cast<double>(calls) / elapsed;
    const double ideal = in_flight / (latency_ms / 1000.0);
    fmt::print("{}\n", nlohmann::json{{"calls", calls},
                                      {"ok", ok},
                                      {"in_flight", in_flight},
                                      {"latency_ms", latency_ms},
                                      {"seconds", elapsed},
                                      {"per_second", per_second},
                                      {"ideal_per_second", ideal},
                                      {"fraction_of_ideal", per_second / ideal}}
                           .dump());
    return ok == calls ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"assay-bench: measurements for scripts/bench"};
    app.require_subcommand(1);
    std::string problems, format;
    int repeat = 1, jobs = 2, runs = 50;
    auto* bare_cmd = app.add_subcommand("bare", "bare python3 per sample, no isolation");
    bare_cmd->add_option("--problems", problems)->required();
    bare_cmd->add_option("--format", format);
    bare_cmd->add_option("--repeat", repeat);
    bare_cmd->add_option("--jobs", jobs);
    auto* overhead_cmd = app.add_subcommand("overhead", "per-run cost: bare, cold path, fast path");
    overhead_cmd->add_option("--runs", runs);
    auto* parse_cmd = app.add_subcommand("parse", "tree-sitter parse throughput");
    parse_cmd->add_option("--problems", problems)->required();
    parse_cmd->add_option("--format", format);
    int calls = 640, in_flight = 64, latency_ms = 200;
    auto* llm_cmd = app.add_subcommand("llm", "LLM-call throughput against a fake server");
    llm_cmd->add_option("--calls", calls);
    llm_cmd->add_option("--in-flight", in_flight)->check(CLI::PositiveNumber);
    llm_cmd->add_option("--latency-ms", latency_ms)->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    try {
        if (*bare_cmd) return bare(problems, format, repeat, jobs);
        if (*overhead_cmd) return overhead(runs);
        if (*llm_cmd) return llm_throughput(calls, in_flight, latency_ms);
        return parse(problems, format);
    } catch (const std::exception& error) {
        fmt::print(stderr, "assay-bench: {}\n", error.what());
        return 3;
    }
}
