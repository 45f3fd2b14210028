// Black-box: `assay run` and `assay export` through the built binary, and the exported bug/fix
// pairs re-checked under plain python3.
#include "store/store.hpp"
#include "support/jsonl.hpp"
#include "support/process.hpp"
#include "support/run_assay.hpp"
#include "support/small_problems.hpp"
#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <fstream>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::read_jsonl;
using assay::testing::TempDir;
using nlohmann::json;

namespace {

// Exit code of `code` run as plain python3 alone in the jail (-1 when it had to be stopped).
int python_exit(const TempDir& dir, const std::string& code) {
    return assay::testing::run_jailed(dir.write("check.py", code));
}

std::vector<std::string> run_args(const TempDir& dir) {
    return {"run",
            "--problems",
            (dir / "problems").string(),
            "--db",
            (dir / "a.db").string(),
            "--out",
            (dir / "out").string(),
            "--jobs",
            "2",
            "--seed",
            "1",
            "--json"};
}
} // namespace

namespace {
// A loopback server that accepts connections and never answers, until destroyed.
class SilentServer {
  public:
    SilentServer() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) == 0);
        REQUIRE(::listen(listener_, 16) == 0);
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) == 0);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] {
            while (!over_) {
                const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
                if (client >= 0) held_.push_back(client);
            }
        });
    }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;
    ~SilentServer() {
        over_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        thread_.join();
        ::close(listener_);
        for (const int client : held_)
            ::close(client);
    }
    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
    }

  private:
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> over_{false};
    std::vector<int> held_;
    std::thread thread_;
};
} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run stopped by SIGINT while a server keeps it waiting exits 130 at once") {
        // The pre-flight's GET /models waits up to 30 s for an answer; SIGINT must not.
        TempDir dir;
        assay::testing::write_small_problems(dir);
        SilentServer server;
        const auto started = std::chrono::steady_clock::now();
        const Ran stopped = assay_binary(
            {"run", "--problems", (dir / "problems").string(), "--db", (dir / "a.db").string(),
             "--out", (dir / "out").string(), "--llm-url", server.url(), "--model", "m"},
            {}, [&] {
                return std::chrono::steady_clock::now() - started > std::chrono::seconds(1) ? SIGINT
                                                                                            : 0;
            });
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        INFO(stopped.err);
        CHECK(stopped.exit_code == 130);
        CHECK(seconds < 10);
        CHECK(stopped.err.find("to resume, run the same command again") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(dir / "out" / "sft.jsonl"));
    }

    TEST_CASE("cli::run and export") {
        TempDir dir;
        assay::testing::write_small_problems(dir);
        const Ran run = assay_binary(run_args(dir));
        REQUIRE_MESSAGE(run.exit_code == 0, run.err);
        const json summary = json::parse(run.out);
        CHECK(summary["problems"] == 4);
        CHECK(summary["references_passed"] == 4);
        CHECK(summary["exported"]["bugfix.jsonl"].get<int>() >= 8);

        SUBCASE("bugfix rows re-verify under plain python3") {
            const Ran e = assay_binary({"export", "bugfix", "--db", (dir / "a.db").string(),
                                        "--out", (dir / "bugfix.jsonl").string()});
            REQUIRE_MESSAGE(e.exit_code == 0, e.err);
            const auto rows = read_jsonl(dir / "bugfix.jsonl");
            REQUIRE(rows.size() >= 8);
            for (std::size_t i = 0; i < rows.size(); i += 2) {
                const json& row = rows[i];
                for (const char* key :
                     {"origin", "problem_id", "language", "prompt", "buggy_code", "fixed_code",
                      "test_code", "failing_tests", "bug_kind", "diff"})
                    CHECK(row.contains(key));
                CHECK(!row["failing_tests"].empty());
                const std::string tests = "\n\n" + row["test_code"].get<std::string>();
                CHECK(python_exit(dir, row["fixed_code"].get<std::string>() + tests) == 0);
                CHECK(python_exit(dir, row["buggy_code"].get<std::string>() + tests) > 0);
            }
        }
        SUBCASE("stats counts what the run recorded") {
            const Ran st = assay_binary({"stats", "--db", (dir / "a.db").string(), "--json"});
            REQUIRE_MESSAGE(st.exit_code == 0, st.err);
            const json stats = json::parse(st.out);
            CHECK(stats["schema_version"] == assay::store::Store::kSchemaVersion);
            CHECK(stats["problems"]["bank"] == 4);
            CHECK(stats["candidates"]["solution/seed"] == 4);
            CHECK(stats["runs"]["run:done"] == 1);
            CHECK(stats["trajectories"]["bugfix/solved"].get<int>() ==
                  summary["exported"]["bugfix.jsonl"].get<int>());
            CHECK(stats["llm_calls"].empty());
            const Ran text = assay_binary({"stats", "--db", (dir / "a.db").string()});
            CHECK(text.exit_code == 0);
            CHECK(text.out.find("trajectories:") != std::string::npos);
            const Ran missing = assay_binary({"stats", "--db", (dir / "none.db").string()});
            CHECK(missing.exit_code == 2);
            CHECK(missing.err.find("none.db") != std::string::npos);
            CHECK(!std::filesystem::exists(dir / "none.db"));
        }
        SUBCASE("sft formats and filters") {
            for (const char* format : {"messages", "alpaca", "sharegpt"}) {
                const auto out = dir / (std::string(format) + ".jsonl");
                const Ran e = assay_binary({"export", "sft", "--db", (dir / "a.db").string(),
                                            "--out", out.string(), "--format", format});
                REQUIRE_MESSAGE(e.exit_code == 0, e.err);
                const auto rows = read_jsonl(out);
                // 4 references + their refactorings that are other programs (a renaming of
                // locals is the reference's program: its row stands for it).
                CHECK(rows.size() >= 6);
                std::set<std::string> programs;
                for (const json& row : rows) {
                    const json& code = row.contains("output") ? row["output"]
                                       : row.contains("messages")
                                           ? row["messages"][1]["content"]
                                           : row["conversations"][1]["value"];
                    programs.insert(row["problem_id"].get<std::string>() + "\n" +
                                    code.get<std::string>());
                }
                CHECK(programs.size() == rows.size());
                CHECK(rows[0]["origin"] == "seed");
            }
            const auto out = dir / "renames.jsonl";
            const Ran e = assay_binary({"export", "refactor", "--db", (dir / "a.db").string(),
                                        "--out", out.string(), "--kind", "rename_locals",
                                        "--language", "python", "--min-pass-rate", "0"});
            REQUIRE_MESSAGE(e.exit_code == 0, e.err);
            const auto rows = read_jsonl(out);
            CHECK(rows.size() == 2); // the others only had parameters to rename
            for (const json& row : rows)
                CHECK(row["refactor_kind"] == "rename_locals");
        }
        SUBCASE("bad export flags exit 2 and write nothing") {
            const std::string db = (dir / "a.db").string();
            const std::string out = (dir / "bad.jsonl").string();
            for (const auto& args : std::vector<std::vector<std::string>>{
                     {"export", "grpo", "--db", db, "--out", out},
                     {"export", "sft", "--db", db, "--out", out, "--format", "chatml"},
                     {"export", "bugfix", "--db", db, "--out", out, "--format", "alpaca"},
                     {"export", "sft", "--db", db, "--out", out, "--min-pass-rate", "1.5"},
                     {"export", "sft", "--db", (dir / "none.db").string(), "--out", out},
                     {"export", "sft", "--out", out}}) {
                CHECK(assay_binary(args).exit_code == 2);
                CHECK(!std::filesystem::exists(out));
            }
            CHECK(!std::filesystem::exists(dir / "none.db"));
        }
    }
    TEST_CASE("cli::run where every reference fails exits 1 and says why") {
        TempDir dir;
        std::string wrong = assay::testing::kRunningMax;
        const std::string right = "if best is None or x > best:";
        wrong.replace(wrong.find(right), right.size(), "if best is None or x < best:");
        dir.write("problems/running_max.toml", wrong);
        const Ran r = assay_binary(run_args(dir));
        CHECK(r.exit_code == 1);
        const auto summary = nlohmann::json::parse(r.out);
        CHECK(summary["references_passed"] == 0);
        CHECK(summary["references_failed"].contains("t/running_max"));
        CHECK(r.err.find("no reference solution passed its tests") != std::string::npos);
    }
    TEST_CASE("cli::run bad input exits 2 and creates no database") {
        TempDir dir;
        SUBCASE("missing problems") {
            const Ran r = assay_binary(run_args(dir));
            CHECK(r.exit_code == 2);
            CHECK(r.err.find((dir / "problems").string()) != std::string::npos);
        }
        SUBCASE("malformed TOML names file and line") {
            assay::testing::write_small_problems(dir);
            dir.write("problems/bad.toml", "id = \"t/bad\"\nlanguage = \"python\"\ntitle = [\n");
            const Ran r = assay_binary(run_args(dir));
            CHECK(r.exit_code == 2);
            CHECK(r.err.find("bad.toml:3") != std::string::npos);
        }
        SUBCASE("unknown stage") {
            assay::testing::write_small_problems(dir);
            auto args = run_args(dir);
            args.insert(args.end(), {"--stages", "verify,fuzz"});
            const Ran r = assay_binary(args);
            CHECK(r.exit_code == 2);
            CHECK_MESSAGE(
                r.err.find("--stages: unknown stage 'fuzz' (expected instruct, verify, "
                           "mutate, refactor, solve, bugs, reflexion, decontaminate, export)") !=
                    std::string::npos,
                r.err);
        }
        SUBCASE("bad LLM usage") {
            assay::testing::write_small_problems(dir);
            const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
                {{"--llm-url", "http://127.0.0.1:9"}, "needs --model"},
                {{"--llm-url", "ftp://127.0.0.1:9", "--model", "m"}, "must start with http"},
                {{"--llm-url", "http://", "--model", "m"}, "is not a URL"},
                {{"--llm-url", "http://127.0.0.1:99999", "--model", "m"}, "is not a URL"},
                {{"--llm-url", "http://local host:8000", "--model", "m"}, "is not a URL"},
                {{"--model", "m"}, "--model needs an LLM"},
                {{"--stages", "verify,solve"}, "stage 'solve' needs an LLM"},
                {{"--llm-url", "http://127.0.0.1:9", "--model", "m", "--max-steps", "0"},
                 "--max-steps"},
                {{"--llm-url", "http://127.0.0.1:9", "--model", "m", "--llm-stall-timeout", "0"},
                 "--llm-stall-timeout must be at least 1"},
            };
            for (const auto& [extra, expected] : cases) {
                auto args = run_args(dir);
                args.insert(args.end(), extra.begin(), extra.end());
                const Ran r = assay_binary(args);
                CHECK(r.exit_code == 2);
                CHECK_MESSAGE(r.err.find(expected) != std::string::npos, r.err);
            }
            const Ran env = assay_binary(run_args(dir), {{"ASSAY_LLM_URL", "http://127.0.0.1:9"}});
            CHECK(env.exit_code == 2);
            CHECK(env.err.find("needs --model") != std::string::npos);
        }
        SUBCASE("bad --jobs, --out and --db are found before any work") {
            assay::testing::write_small_problems(dir);
            const auto file = dir.write("a-file", "not a directory\n");
            const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
                {{"--jobs", "0"}, "--jobs"},
                {{"--jobs", "-3"}, "--jobs"},
                {{"--out", file.string()}, "--out " + file.string() + ": not a directory"},
                {{"--out", (file / "sub").string()},
                 "--out " + (file / "sub").string() + ": cannot be created: " + file.string() +
                     " is not a directory"},
                {{"--db", dir.path().string()}, "is a directory, not a database file"},
            };
            for (const auto& [extra, expected] : cases) {
                auto args = run_args(dir);
                // The flag given replaces run_args' own.
                const auto own = std::find(args.begin(), args.end(), extra[0]);
                if (own != args.end()) args.erase(own, own + 2);
                args.insert(args.end(), extra.begin(), extra.end());
                const Ran r = assay_binary(args);
                CHECK(r.exit_code == 2);
                CHECK_MESSAGE(r.err.find(expected) != std::string::npos, r.err);
            }
        }
        CHECK(!std::filesystem::exists(dir / "a.db"));
        CHECK(!std::filesystem::exists(dir / "out"));
    }
}
