// Black-box: the client against the built `assay-fake-llm`, as benches and later stages use it.
#include "core/language.hpp"
#include "dataset/problem_files.hpp"
#include "llm/client.hpp"
#include "llm/reply_parser.hpp"
#include "support/fake_llm.hpp"
#include "support/fake_llm_process.hpp"
#include "support/process.hpp"
#include "support/run_assay.hpp"
#include "support/temp_dir.hpp"

#include <boost/process.hpp>
#include <doctest/doctest.h>
#include <fstream>
#include <httplib.h>
#include <signal.h>
#include <sstream>
#include <toml++/toml.h>

using assay::llm::ChatRequest;
using nlohmann::json;
namespace bp = boost::process;
using assay::testing::FakeLlm;

namespace {

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

// The rendered solve prompt of `p`, `count` times with seeds 0, 1, ….
std::vector<ChatRequest> solve_requests(const assay::Problem& p, int count) {
    std::vector<ChatRequest> out;
    for (int i = 0; i < count; ++i) {
        const json body = assay::testing::prompt_request(
            "solve", {{"entry_point", p.entry_point}, {"prompt", p.prompt}}, i, 1024);
        ChatRequest r{"fake-model", {}, 0.8, 1024, static_cast<std::uint64_t>(i)};
        for (const json& m : body["messages"])
            r.messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
        out.push_back(std::move(r));
    }
    return out;
}

std::string with_newline(std::string text) {
    if (text.empty() || text.back() != '\n') text += '\n';
    return text;
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

    TEST_CASE("cli::assay-fake-llm answers the pipeline's prompts from the bank by default") {
        FakeLlm server({"--seed", "5"});
        auto client = client_for(server);
        const assay::Problem& p = assay::testing::known_problem("merge_intervals");
        const auto replies = client->complete(solve_requests(p, 24));
        int defined = 0;
        int reference = 0;
        for (const auto& reply : replies) {
            REQUIRE(reply);
            const auto code = assay::llm::extract_code(reply->content, {"python", p.entry_point});
            REQUIRE(code);
            defined += code->defines_entry_point ? 1 : 0;
            reference += with_newline(code->code) == with_newline(p.solution) ? 1 : 0;
        }
        MESSAGE(defined, " of 24 define merge_intervals, ", reference, " are the reference");
        CHECK(defined >= 20);
        CHECK(reference >= 6);
        CHECK(server.stop() == 0);
    }

    TEST_CASE("cli::assay-fake-llm --problems replaces the bank") {
        assay::testing::TempDir dir;
        const std::string solution = "def shout(text):\n    return text.upper() + '!'\n";
        dir.write("mine/shout.toml",
                  "id = \"mine/shout\"\nlanguage = \"python\"\ntitle = \"Shout\"\n"
                  "entry_point = \"shout\"\nprompt = \"Write `shout(text)`.\"\n"
                  "solution = '''\n" +
                      solution + "'''\nvisible = [\"assert shout('a') == 'A!'\"]\n");
        FakeLlm server({"--problems", (dir / "mine").string()});
        auto client = client_for(server);
        assay::Problem shout;
        shout.entry_point = "shout";
        shout.prompt = "Write `shout(text)`.";
        int reference = 0;
        for (const auto& reply : client->complete(solve_requests(shout, 12))) {
            REQUIRE(reply);
            if (const auto code = assay::llm::extract_code(reply->content, {"python", "shout"}))
                reference += with_newline(code->code) == solution ? 1 : 0;
        }
        CHECK(reference >= 3);
        // The bank is not loaded: a bank problem gets canned code, never its reference.
        const assay::Problem& bank = assay::testing::known_problem("merge_intervals");
        for (const auto& reply : client->complete(solve_requests(bank, 12))) {
            REQUIRE(reply);
            CHECK(reply->content.find("def merge_intervals(*args)") != std::string::npos);
            if (const auto code =
                    assay::llm::extract_code(reply->content, {"python", bank.entry_point}))
                CHECK(with_newline(code->code) != with_newline(bank.solution));
        }
        CHECK(server.stop() == 0);
    }

    TEST_CASE("cli::assay-fake-llm refuses a --problems path it cannot read") {
        const auto ran = assay::testing::run_process(
            ASSAY_FAKE_LLM_BINARY, {"--port", "0", "--problems", "/nonexistent/problems.toml"},
            std::chrono::seconds(30));
        CHECK(ran.exit_code == 2);
        CHECK(ran.err.find("/nonexistent/problems.toml") != std::string::npos);
    }

    TEST_CASE("cli::every invention of assay-fake-llm passes its tests in the jail") {
        const auto ran = assay::testing::run_assay(
            {"verify", "--json", "--jobs", "2", "--format", "assay", "--canonical", "--problems",
             (assay::project_root() / "tests/fake_llm/inventions").string()});
        INFO(ran.err);
        REQUIRE(ran.exit_code == 0);
        const json report = json::parse(ran.out);
        std::string failures;
        for (const json& r : report["results"])
            if (!r["passed"].get<bool>())
                failures +=
                    r["task_id"].get<std::string>() + ": " + r["message"].get<std::string>() + "\n";
        INFO(failures);
        CHECK(report["total"].get<int>() >= 24);
        CHECK(report["passed"] == report["total"]);
        for (const json& r : report["results"]) {
            CHECK(r["tests_total"].get<int>() >= 6);
            CHECK(r["tests_total"].get<int>() <= 10);
        }
    }
}

namespace {

// The `## Heading` sections of an exercise reply.
std::map<std::string, std::string> sections_of(const std::string& reply) {
    std::map<std::string, std::string> sections;
    std::string current;
    std::istringstream lines(reply);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("## "))
            current = line.substr(3);
        else if (!current.empty())
            sections[current] += line + "\n";
    }
    return sections;
}

// Runs `assay verify --json` and returns its report.
json verify(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"verify", "--json", "--jobs", "2"};
    full.insert(full.end(), args.begin(), args.end());
    const auto ran = assay::testing::run_assay(full);
    INFO(ran.err);
    REQUIRE(ran.exit_code == 0);
    return json::parse(ran.out);
}

} // namespace

TEST_SUITE("slow") {
    // What the pipeline will see: the fake's answers, verified in the jail.
    TEST_CASE("cli::assay-fake-llm solve replies pass in the jail at the stated rate") {
        const auto& model = assay::testing::default_fake_model();
        const auto bank = assay::dataset::load_problems(
            assay::project_root() / "problems" / "python", assay::dataset::Format::assay);
        REQUIRE(bank);
        assay::testing::TempDir dir;
        std::ofstream samples(dir / "solve.jsonl");
        int total = 0;
        int truncated = 0;
        for (const assay::Problem& p : *bank) {
            for (int seed = 0; seed < 4; ++seed) {
                ++total;
                const auto reply = model.reply(
                    0, assay::testing::prompt_request(
                           "solve", {{"entry_point", p.entry_point}, {"prompt", p.prompt}}, seed,
                           1024));
                const auto code =
                    assay::llm::extract_code(reply.content, {"python", p.entry_point});
                if (!code || reply.finish_reason == "length") {
                    ++truncated;
                    continue;
                }
                samples << json{{"task_id", p.id}, {"solution", code->code}}.dump() << "\n";
            }
        }
        samples.close();
        const json report =
            verify({"--problems", (assay::project_root() / "problems" / "python").string(),
                    "--solutions", (dir / "solve.jsonl").string()});
        const double rate = report["passed"].get<double>() / total;
        MESSAGE("solve: ", report["passed"].get<int>(), " of ", total, " samples pass (", truncated,
                " truncated): ", rate);
        CHECK(rate >= 0.55);
        CHECK(rate <= 0.80);
    }

    TEST_CASE("cli::assay-fake-llm bug replies break the program, except the stated share") {
        const auto& model = assay::testing::default_fake_model();
        const auto bank = assay::dataset::load_problems(
            assay::project_root() / "problems" / "python", assay::dataset::Format::assay);
        REQUIRE(bank);
        const auto categories = assay::testing::prompt_list("bug", "categories", "name");
        assay::testing::TempDir dir;
        std::ofstream samples(dir / "bugs.jsonl");
        int total = 0;
        int unchanged = 0;
        for (const assay::Problem& p : *bank) {
            for (int seed = 0; seed < 3; ++seed) {
                const std::string category = categories[(total + seed) % categories.size()];
                const auto reply =
                    model.reply(0, assay::testing::prompt_request("bug",
                                                                  {{"entry_point", p.entry_point},
                                                                   {"prompt", p.prompt},
                                                                   {"code", p.solution},
                                                                   {"category", category},
                                                                   {"category_description", "…"}},
                                                                  seed, 1024));
                const auto code =
                    assay::llm::extract_code(reply.content, {"python", p.entry_point});
                REQUIRE(code);
                ++total;
                unchanged += with_newline(code->code) == with_newline(p.solution) ? 1 : 0;
                samples << json{{"task_id", p.id}, {"solution", code->code}}.dump() << "\n";
            }
        }
        samples.close();
        const json report =
            verify({"--problems", (assay::project_root() / "problems" / "python").string(),
                    "--solutions", (dir / "bugs.jsonl").string()});
        const int passing = report["passed"].get<int>();
        MESSAGE("bug: ", total - passing, " of ", total, " replies fail a test; ", passing,
                " pass (", unchanged, " of them unchanged, the rest surviving mutants)");
        CHECK(passing >= unchanged);
        CHECK(static_cast<double>(total - passing) / total >= 0.75);
    }

    TEST_CASE("cli::assay-fake-llm instruct replies pass their own tests at the stated rate") {
        const auto& model = assay::testing::default_fake_model();
        const auto topics = assay::testing::prompt_list("instruct", "topics");
        assay::testing::TempDir dir;
        std::filesystem::create_directories(dir / "instruct");
        int complete = 0;
        for (int seed = 0; seed < 200; ++seed) {
            const auto reply = model.reply(
                0, assay::testing::prompt_request("instruct",
                                                  {{"topic", topics[seed % topics.size()]},
                                                   {"difficulty", "easy"},
                                                   {"examples", "(none)"}},
                                                  seed));
            auto sections = sections_of(reply.content);
            if (sections.size() < 5) continue;
            const auto solution = assay::llm::fenced_blocks(sections["Solution"]);
            const auto tests = assay::llm::fenced_blocks(sections["Tests"]);
            REQUIRE(!solution.empty());
            REQUIRE(!tests.empty());
            std::string ep = sections["Entry point"];
            std::erase_if(ep, [](char c) { return c == '`' || c == '\n' || c == ' '; });
            toml::array visible;
            std::istringstream asserts(tests[0].code);
            for (std::string line; std::getline(asserts, line);)
                if (!line.empty()) visible.push_back(line);
            const toml::table problem{{"id", "gen/" + std::to_string(seed)},
                                      {"language", "python"},
                                      {"title", "generated"},
                                      {"entry_point", ep},
                                      {"prompt", sections["Problem"]},
                                      {"solution", solution[0].code},
                                      {"visible", visible}};
            std::ofstream(dir / "instruct" / (std::to_string(seed) + ".toml")) << problem << "\n";
            ++complete;
        }
        const json report =
            verify({"--format", "assay", "--canonical", "--problems", (dir / "instruct").string()});
        const double rate = report["passed"].get<double>() / complete;
        MESSAGE("instruct: ", complete, " of 200 replies complete; ", report["passed"].get<int>(),
                " pass their own tests: ", rate);
        CHECK(complete >= 180);
        CHECK(rate >= 0.80);
        CHECK(rate <= 0.97);
    }
}
