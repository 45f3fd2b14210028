// The progress lines of `assay run` as a log sees them (stderr not a terminal): every LLM batch
// and every jail batch ends with its count, a slow batch shows a heartbeat, a rerun says what the
// cache answered, and stdout stays the one JSON summary.
#include "core/language.hpp"
#include "support/fake_llm_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

using assay::testing::assay_binary;
using assay::testing::FakeLlm;
using assay::testing::Ran;
using assay::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

// One bank problem, solve only (which implies verify), one sample and one test reply.
std::vector<std::string> small_run(const std::string& url, const TempDir& dir,
                                   const std::string& db) {
    return {"run",
            "--problems",
            (assay::project_root() / "problems" / "python").string(),
            "--llm-url",
            url,
            "--model",
            "fake-model",
            "--limit",
            "1",
            "--stages",
            "solve",
            "--samples",
            "1",
            "--test-replies",
            "1",
            "--db",
            (dir / db).string(),
            "--out",
            (dir / (db + ".out")).string(),
            "--json"};
}

// The last line of each LLM batch, "llm: STAGE: N/N done[, F failed][, C cached], RATE, took T":
// per stage, the requests, failures and cache answers they count.
struct Ended {
    int requests = 0;
    int failed = 0;
    int cached = 0;
};
std::map<std::string, Ended> llm_batches(const std::vector<std::string>& lines) {
    static const std::regex last(
        R"(llm: (\w+): (\d+)/(\d+) done(, (\d+) failed)?(, (\d+) cached)?, [-0-9.]+/s, took \w+)");
    std::map<std::string, Ended> out;
    for (const std::string& line : lines) {
        std::smatch m;
        if (!std::regex_match(line, m, last)) continue;
        CHECK_MESSAGE(m[2] == m[3], line); // a batch that ended normally did all of it
        Ended& e = out[m[1]];
        e.requests += std::stoi(m[3]);
        e.failed += m[5].matched ? std::stoi(m[5]) : 0;
        e.cached += m[7].matched ? std::stoi(m[7]) : 0;
    }
    return out;
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run prints progress lines on stderr: counts, a heartbeat, the cache") {
        TempDir dir;
        // Every answer takes 1.5 s: long enough for a heartbeat a second.
        FakeLlm server({"--seed", "3", "--latency-ms", "1500"});
        const Ran first =
            assay_binary(small_run(server.url(), dir, "a.db"), {{"ASSAY_HEARTBEAT_SECONDS", "1"}});
        REQUIRE_MESSAGE(first.exit_code == 0, first.err);
        INFO(first.err);
        // stdout is the summary and nothing else.
        const json summary = json::parse(first.out);
        const json& calls = summary["llm"]["calls"];
        REQUIRE(!calls.empty());

        const auto lines = lines_of(first.err);
        const auto ended = llm_batches(lines);
        for (const auto& [stage, counts] : calls.items()) {
            CAPTURE(stage);
            REQUIRE(ended.contains(stage));
            CHECK(ended.at(stage).requests == counts["requests"].get<int>());
            CHECK(ended.at(stage).failed == counts["failed"].get<int>());
            CHECK(ended.at(stage).cached == 0);
        }
        CHECK(ended.size() == calls.size());
        // While the first answers are still coming, a heartbeat shows requests in flight.
        static const std::regex heartbeat(
            R"(llm: solve: 0/(\d+) done, [1-9]\d* in flight, -/s, ETA \?, \w+ elapsed)");
        CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
            return std::regex_match(line, heartbeat);
        }));
        // The jail batches have their last line too: the reference passed.
        static const std::regex verify_last(R"(verify: 1/1 done, 1 ok, [-0-9.]+/s, took \w+)");
        CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
            return std::regex_match(line, verify_last);
        }));
        // No bar and no control character in a log.
        CHECK(first.err.find('\r') == std::string::npos);
        CHECK(first.err.find('\x1b') == std::string::npos);

        // The same command on a copy with the server gone: every request from the cache.
        CHECK(server.stop() == 0);
        fs::copy_file(dir / "a.db", dir / "b.db");
        const Ran again = assay_binary(small_run(server.url(), dir, "b.db"));
        REQUIRE_MESSAGE(again.exit_code == 0, again.err);
        CHECK(json::parse(again.out)["llm"]["http_requests"] == 0);
        for (const auto& [stage, counts] : llm_batches(lines_of(again.err))) {
            CAPTURE(stage);
            CHECK(counts.cached == counts.requests);
            CHECK(counts.failed == 0);
            CHECK(counts.requests == calls[stage]["requests"].get<int>());
        }
        CHECK(again.err.find("llm: solve: ") != std::string::npos);
    }
}
