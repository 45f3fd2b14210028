// Black-box: `assay export reflexion|dpo` through the built binary, over a store filled by hand
// as the LLM pipeline leaves it (tests/support/llm_store.hpp); no jail involved.
#include "support/jsonl.hpp"
#include "support/llm_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::read_jsonl;
using assay::testing::TempDir;
using nlohmann::json;
namespace llm = assay::testing::llm_store;

namespace {

// A database holding the LLM pipeline's record, closed again before the binary opens it.
std::string llm_database(const TempDir& dir) {
    const auto path = dir / "llm.db";
    auto db = assay::store::Store::open(path);
    REQUIRE(db);
    llm::fill(*db);
    return path.string();
}
} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::export reflexion and dpo") {
        TempDir dir;
        const std::string db = llm_database(dir);
        const auto out = [&](const char* name) { return (dir / name).string(); };

        SUBCASE("reflexion") {
            const Ran e =
                assay_binary({"export", "reflexion", "--db", db, "--out", out("r.jsonl")});
            REQUIRE_MESSAGE(e.exit_code == 0, e.err);
            CHECK(e.out == "4 rows → " + out("r.jsonl") + "\n");
            const auto rows = read_jsonl(out("r.jsonl"));
            REQUIRE(rows.size() == 4);
            CHECK(rows[0]["key"] == "reflexion:llm/abs_diff:11");
            CHECK(rows[0]["num_steps"] == 3);
            json messages = llm::abs_diff_messages(); // weighted: only the passing attempt
            for (const std::size_t i : {2, 4, 6})
                messages[i]["weight"] = i == 6 ? 1 : 0;
            CHECK(rows[0]["messages"] == messages);
            const Ran solved =
                assay_binary({"export", "reflexion", "--db", db, "--out", out("s.jsonl"), "--kind",
                              "solved", "--language", "python"});
            REQUIRE_MESSAGE(solved.exit_code == 0, solved.err);
            const auto kept = read_jsonl(out("s.jsonl"));
            REQUIRE(kept.size() == 1);
            CHECK(kept[0]["solved"] == true);
            CHECK(kept[0]["final"]["tests_total"] == 3);
        }
        SUBCASE("dpo, both formats") {
            const Ran e = assay_binary({"export", "dpo", "--db", db, "--out", out("d.jsonl")});
            REQUIRE_MESSAGE(e.exit_code == 0, e.err);
            const auto rows = read_jsonl(out("d.jsonl"));
            REQUIRE(rows.size() == 8);
            CHECK(rows[0]["prompt"] == llm::kPrompt);
            CHECK(rows[0]["chosen"] == llm::kGood1);
            CHECK(rows[0]["rejected"] == llm::kWrong);
            const Ran m = assay_binary({"export", "dpo", "--db", db, "--out", out("m.jsonl"),
                                        "--format", "messages", "--kind", "reflexion"});
            REQUIRE_MESSAGE(m.exit_code == 0, m.err);
            const auto conv = read_jsonl(out("m.jsonl"));
            REQUIRE(conv.size() == 2);
            CHECK(conv[0]["source"] == "reflexion");
            CHECK(conv[0]["prompt"][0]["role"] == "user");
            CHECK(conv[0]["chosen"][0] == json{{"role", "assistant"}, {"content", llm::kGood1}});
            CHECK(conv[0]["rejected"][0]["content"] == llm::kUnclosed);
        }
        SUBCASE("bad flags exit 2 with a message, and leave the old file alone") {
            const auto old = dir.write("old.jsonl", "old\n");
            const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
                {{"--format", "chatml"},
                 "unknown dpo format 'chatml' (expected standard, messages, sharegpt or alpaca)"},
                {{"--format", "prompt-completion"}, "unknown dpo format 'prompt-completion'"},
                {{"--kind", "solved"},
                 "unknown dpo --kind 'solved' (expected samples or reflexion)"},
            };
            for (const auto& [flags, message] : cases) {
                std::vector<std::string> args{"export", "dpo", "--db", db, "--out", old.string()};
                args.insert(args.end(), flags.begin(), flags.end());
                const Ran r = assay_binary(args);
                CHECK(r.exit_code == 2);
                CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
                CHECK(assay::testing::slurp(old) == "old\n");
            }
            const Ran r = assay_binary(
                {"export", "reflexion", "--db", db, "--out", old.string(), "--format", "messages"});
            CHECK(r.exit_code == 2);
            CHECK_MESSAGE(r.err.find("unknown reflexion format 'messages' (expected standard)") !=
                              std::string::npos,
                          r.err);
            CHECK(assay::testing::slurp(old) == "old\n");
            const Ran k = assay_binary(
                {"export", "reflexion", "--db", db, "--out", old.string(), "--kind", "maybe"});
            CHECK(k.exit_code == 2);
            CHECK(assay::testing::slurp(old) == "old\n");
        }
        SUBCASE("a directory as --out is bad input, and leaves no file behind") {
            std::filesystem::create_directories(dir / "taken");
            const Ran r = assay_binary({"export", "dpo", "--db", db, "--out", out("taken")});
            CHECK(r.exit_code == 2);
            CHECK(r.err.find(out("taken") + ": --out is a directory") != std::string::npos);
            CHECK(std::filesystem::is_directory(dir / "taken"));
            for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
                CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
        }
        SUBCASE("a known filter value that matches nothing says so") {
            // wrong-operator is a bug category of the prompt book; this database has none.
            const Ran r = assay_binary({"export", "bugfix", "--db", db, "--out", out("none.jsonl"),
                                        "--kind", "wrong-operator"});
            CHECK_MESSAGE(r.exit_code == 0, r.err);
            CHECK(read_jsonl(dir / "none.jsonl").empty());
            CHECK(r.err.find("assay: warning: no bugfix row in " + db +
                             " matched --kind wrong-operator") != std::string::npos);
            // An AST operator no row has, on a kind that has rows.
            const Ran op = assay_binary({"export", "bugfix", "--db", db, "--out", out("op.jsonl"),
                                         "--kind", "negation_removal"});
            CHECK_MESSAGE(op.exit_code == 0, op.err);
            CHECK(op.err.find("matched --kind negation_removal") != std::string::npos);
            // The label the database holds, and a language only the database knows.
            const Ran label = assay_binary({"export", "bugfix", "--db", db, "--out",
                                            out("label.jsonl"), "--kind", "off_by_one"});
            CHECK_MESSAGE(label.exit_code == 0, label.err);
            const Ran js = assay_binary({"export", "dpo", "--db", db, "--out", out("js.jsonl"),
                                         "--language", "javascript"});
            CHECK_MESSAGE(js.exit_code == 0, js.err);
            CHECK(!read_jsonl(dir / "js.jsonl").empty());
        }
        SUBCASE("an unknown filter value is refused before anything is written") {
            const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
                {{"reflexion", "--language", "cobol"},
                 "unknown --language 'cobol' (known: cpp, javascript or python)"},
                {{"sft", "--language", "pyton"},
                 "unknown --language 'pyton' (did you mean 'python'? known: cpp, javascript "
                 "or python)"},
                {{"bugfix", "--kind", "of_by_one"},
                 "unknown bugfix --kind 'of_by_one' (did you mean 'off_by_one'? known: "},
                {{"refactor", "--kind", "nonsense"}, "unknown refactor --kind 'nonsense' (known: "},
                {{"sft", "--kind", "bug"},
                 "unknown sft --kind 'bug' (expected solution or refactor)"},
                {{"sftt"}, "unknown export kind 'sftt'"},
            };
            for (const auto& [flags, message] : cases) {
                std::vector<std::string> args{"export"};
                args.insert(args.end(), flags.begin(), flags.end());
                args.insert(args.end(), {"--db", db, "--out", out("x.jsonl")});
                const Ran r = assay_binary(args);
                INFO(flags[0]);
                CHECK(r.exit_code == 2);
                CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
                CHECK(r.out.empty());
                CHECK(!std::filesystem::exists(dir / "x.jsonl"));
            }
            // The bugfix list names the AST operators and the prompt book's categories.
            const Ran r = assay_binary(
                {"export", "bugfix", "--kind", "x", "--db", db, "--out", out("x.jsonl")});
            CHECK(r.err.find("negation_removal") != std::string::npos);
            CHECK(r.err.find("off-by-one") != std::string::npos);
        }
        SUBCASE("a stale temporary file of a killed export is removed by the next one") {
            // A pid no process has (above the kernel's pid_max).
            const auto stale = dir.write(".r.jsonl.tmp-99999999", "half a row");
            const auto mine = dir.write(".r.jsonl.tmp-" + std::to_string(::getpid()), "live");
            const Ran r =
                assay_binary({"export", "reflexion", "--db", db, "--out", out("r.jsonl")});
            CHECK(r.exit_code == 0);
            CHECK_FALSE(std::filesystem::exists(stale));
            CHECK(std::filesystem::exists(mine)); // a live process's file is left alone
        }
    }
}
