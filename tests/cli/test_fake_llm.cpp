// Black-box: the client against the built `assay-fake-llm`, as benches and later stages use it.
#include "llm/client.hpp"
#include "llm/reply_parser.hpp"

#include <boost/process.hpp>
#include <doctest/doctest.h>
#include <httplib.h>
#include <signal.h>

using assay::llm::ChatRequest;
namespace bp = boost::process;

namespace {

// Runs assay-fake-llm on a free port until destroyed (SIGTERM, then a bounded wait).
class FakeLlm {
  public:
    explicit FakeLlm(std::vector<std::string> args) {
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
    bp::ipstream out_;
    bp::child child_;
    std::string url_;
    int port_ = 0;
};

std::unique_ptr<assay::llm::HttpClient> client_for(const FakeLlm& server, int max_attempts = 3) {
    assay::llm::HttpClientOptions options;
    options.base_url = server.url();
    options.max_attempts = max_attempts;
    options.backoff_base = std::chrono::milliseconds(20);
    options.backoff_cap = std::chrono::milliseconds(100);
    options.timeout = std::chrono::milliseconds(2000);
    options.max_in_flight = 8;
    auto client = assay::llm::HttpClient::create(options);
    REQUIRE(client);
    return std::move(*client);
}

std::vector<ChatRequest> requests(int count) {
    std::vector<ChatRequest> out;
    for (int i = 0; i < count; ++i)
        out.push_back({"fake-model",
                       {{"system", "Answer with Python."},
                        {"user", "Write it.\nENTRY_POINT: task_" + std::to_string(i)}},
                       0.8,
                       512,
                       static_cast<std::uint64_t>(i)});
    return out;
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::assay-fake-llm answers like a model, deterministically") {
        FakeLlm server({"--seed", "3"});
        auto client = client_for(server);
        const auto batch = requests(24);
        const auto first = client->complete(batch);
        const auto again = client->complete(batch);
        int defined = 0;
        int truncated = 0;
        for (std::size_t i = 0; i < first.size(); ++i) {
            REQUIRE(first[i]);
            REQUIRE(again[i]);
            CHECK(first[i]->content == again[i]->content);
            CHECK(first[i]->completion_tokens > 0);
            truncated += first[i]->finish_reason == "length" ? 1 : 0;
            const auto code = assay::llm::extract_code(first[i]->content,
                                                       {"python", "task_" + std::to_string(i)});
            REQUIRE(code);
            defined += code->defines_entry_point ? 1 : 0;
        }
        MESSAGE(defined, " of 24 replies define their entry point, ", truncated, " truncated");
        CHECK(defined >= 12);

        httplib::Client http("127.0.0.1", server.port());
        const auto models = http.Get("/v1/models");
        REQUIRE(models);
        CHECK(models->status == 200);
        CHECK(models->body.find("fake-model") != std::string::npos);
        CHECK(server.stop() == 0);
    }

    TEST_CASE("cli::assay-fake-llm faults are survived by retries") {
        FakeLlm server({"--fault-rate", "0.4", "--slow-ms", "2500", "--seed", "1"});
        auto client = client_for(server, 10);
        const auto results = client->complete(requests(16));
        int ok = 0;
        for (const auto& r : results)
            ok += r ? 1 : 0;
        CHECK(ok == 16);
        CHECK(client->calls_made() > 16);
        MESSAGE("16 requests took ", client->calls_made(), " calls at a 40% fault rate");
    }
}
