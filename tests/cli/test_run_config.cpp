// `assay run --config FILE`: the parser of the file (unit), and the verb through the built
// binary (suite cli): values take effect, the command line wins, bad files stop before any work.
#include "cli/run_config.hpp"
#include "cli/verb.hpp"
#include "support/jsonl.hpp"
#include "support/process.hpp"
#include "support/small_problems.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <array>
#include <doctest/doctest.h>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

using assay::cli::ConfigKey;
using assay::cli::ConfigValue;
using assay::cli::parse_config;
using assay::cli::ValueKind;
using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::TempDir;
using nlohmann::json;

namespace {

const std::vector<ConfigKey> kKeys{
    {"problems", ValueKind::list, true},          {"db", ValueKind::text, true},
    {"limit", ValueKind::count, false},           {"jobs", ValueKind::integer, false},
    {"max-similarity", ValueKind::number, false}, {"json", ValueKind::flag, false},
    {"stages", ValueKind::text_list, false},      {"model", ValueKind::text, false}};

std::map<std::string, ConfigValue> by_name(const std::vector<ConfigValue>& values) {
    std::map<std::string, ConfigValue> out;
    for (const ConfigValue& v : values)
        out[v.name] = v;
    return out;
}

constexpr std::array<std::string_view, 3> kPaths{"problems", "db", "out"};
constexpr std::array<std::string_view, 1> kCommas{"stages"};

} // namespace

TEST_CASE("cli::parse_config") {
    SUBCASE("values as the command line would give them, paths from the file's directory") {
        const auto parsed = parse_config(R"(problems = ["bank", "/abs/more"]
db = "x.db"
limit = 3
max-similarity = 0.25
json = true
stages = ["verify", "export"]
model = "m"
jobs = 4
)",
                                         "/etc/conf/run.toml", kKeys);
        REQUIRE_MESSAGE(parsed, parsed.error().describe());
        REQUIRE(parsed->size() == 8);
        CHECK((*parsed)[0].name == "problems"); // the order of the file
        const auto v = by_name(*parsed);
        CHECK(v.at("problems").values == std::vector<std::string>{"/etc/conf/bank", "/abs/more"});
        CHECK(v.at("db").values == std::vector<std::string>{"/etc/conf/x.db"});
        CHECK(v.at("limit").values == std::vector<std::string>{"3"});
        CHECK(v.at("limit").where == "/etc/conf/run.toml:3");
        CHECK(v.at("max-similarity").values == std::vector<std::string>{"0.25"});
        CHECK(v.at("json").values == std::vector<std::string>{"true"});
        CHECK(v.at("stages").values == std::vector<std::string>{"verify,export"});
        CHECK(v.at("model").values == std::vector<std::string>{"m"});
        CHECK(v.at("jobs").values == std::vector<std::string>{"4"});
    }
    SUBCASE("a relative file's directory, a bare file name, a single string as a list") {
        const auto a = parse_config("problems = \"bank\"\n", "conf/run.toml", kKeys);
        REQUIRE(a);
        CHECK((*a)[0].values == std::vector<std::string>{"conf/bank"});
        const auto b = parse_config("db = \"x.db\"\n", "run.toml", kKeys);
        REQUIRE(b);
        CHECK((*b)[0].values == std::vector<std::string>{"x.db"});
        const auto c = parse_config("json = false\nmax-similarity = 1\n", "run.toml", kKeys);
        REQUIRE(c);
        CHECK((*c)[0].values == std::vector<std::string>{"false"});
        CHECK((*c)[1].values == std::vector<std::string>{"1"});
    }
    SUBCASE("an unknown key: its line, and the key it most likely meant") {
        const auto r = parse_config("limit = 1\n\nlimt = 2\n", "run.toml", kKeys);
        REQUIRE(!r);
        CHECK(r.error().where == "run.toml:3");
        CHECK(r.error().message.starts_with("unknown key 'limt' (did you mean 'limit'?)"));
        CHECK(r.error().exit_code() == assay::ExitCode::bad_input);
        const auto far = parse_config("temperature = 0.5\n", "run.toml", kKeys);
        REQUIRE(!far);
        CHECK(far.error().message.starts_with("unknown key 'temperature' (the keys are"));
    }
    SUBCASE("a table is not read") {
        const auto r = parse_config("[run]\nlimit = 1\n", "run.toml", kKeys);
        REQUIRE(!r);
        CHECK(r.error().where == "run.toml:1");
        CHECK(r.error().message.starts_with("unknown table [run]"));
    }
    SUBCASE("a value of the wrong type names its line") {
        const std::vector<std::pair<std::string, std::string>> cases{
            {"limit = \"3\"", "'limit' must be an integer >= 0, not a string"},
            {"limit = -1", "'limit' must not be negative, not -1"},
            {"jobs = 1.5", "'jobs' must be an integer, not a float"},
            {"json = 1", "'json' must be true or false, not an integer"},
            {"problems = 3", "'problems' must be an array of strings, not an integer"},
            {"problems = [\"a\", 2]", "'problems' must be an array of strings; an item is an "
                                      "integer"},
            {"max-similarity = \"x\"", "'max-similarity' must be a number, not a string"},
            {"model = 3", "'model' must be a string, not an integer"},
            {"stages = [1]", "'stages' must be an array of strings; an item is an integer"},
        };
        for (const auto& [line, message] : cases) {
            const auto r = parse_config("db = \"x.db\"\n" + line + "\n", "run.toml", kKeys);
            REQUIRE(!r);
            CHECK(r.error().where == "run.toml:2");
            CHECK_MESSAGE(r.error().message == message, r.error().message);
        }
    }
    SUBCASE("a TOML syntax error: line, column and toml++'s reason") {
        const auto r = parse_config("limit = 3\njobs = = 2\n", "run.toml", kKeys);
        REQUIRE(!r);
        CHECK(r.error().where.starts_with("run.toml:2:"));
        CHECK(r.error().where.size() > std::string("run.toml:2:").size());
        CHECK(!r.error().message.empty());
        CHECK(r.error().exit_code() == assay::ExitCode::bad_input);
    }
}

TEST_CASE("cli::apply_config") {
    TempDir dir;
    CLI::App app;
    std::string config;
    std::vector<std::string> problems;
    std::optional<std::size_t> limit;
    int jobs = 2;
    bool json_flag = false;
    std::string stages;
    app.add_option("--config", config);
    app.add_option("--problems", problems);
    app.add_option("--limit", limit);
    app.add_option("--jobs,-j", jobs)->check(assay::cli::at_least_one());
    app.add_flag("--json", json_flag);
    app.add_option("--stages", stages);
    const assay::cli::ConfigShape shape{kPaths, kCommas};

    SUBCASE("the kinds come from the options") {
        const auto keys = assay::cli::config_keys(app, shape);
        std::map<std::string, ConfigKey> k;
        for (const auto& key : keys)
            k[key.name] = key;
        CHECK(k.size() == 5); // neither help nor config
        CHECK(k.at("problems").kind == ValueKind::list);
        CHECK(k.at("problems").path);
        CHECK(k.at("limit").kind == ValueKind::count);
        CHECK(k.at("jobs").kind == ValueKind::integer);
        CHECK(k.at("json").kind == ValueKind::flag);
        CHECK(k.at("stages").kind == ValueKind::text_list);
        CHECK(!k.at("stages").path);
    }
    SUBCASE("the file fills what the command line left unset") {
        const auto file = dir.write("run.toml", "limit = 4\njobs = 3\njson = true\n"
                                                "problems = [\"p\"]\nstages = [\"verify\"]\n");
        app.parse("--limit 2", false);
        REQUIRE(assay::cli::apply_config(app, file, shape));
        CHECK(limit == 2u);
        CHECK(jobs == 3);
        CHECK(json_flag);
        CHECK(problems == std::vector<std::string>{(dir / "p").string()});
        CHECK(stages == "verify");
    }
    SUBCASE("an option's own check refuses a value at its line") {
        const auto file = dir.write("run.toml", "limit = 4\njobs = 0\n");
        app.parse("", false);
        const auto r = assay::cli::apply_config(app, file, shape);
        REQUIRE(!r);
        CHECK(r.error().where == file.string() + ":2");
        CHECK_MESSAGE(r.error().message.starts_with("--jobs: "), r.error().message);
        CHECK(r.error().message.find("at least 1") != std::string::npos);
    }
    SUBCASE("a missing file or a directory is bad input naming the path") {
        app.parse("", false);
        const auto missing = assay::cli::apply_config(app, dir / "nope.toml", shape);
        REQUIRE(!missing);
        CHECK(missing.error().where == (dir / "nope.toml").string());
        CHECK(missing.error().message == "--config: no such file");
        const auto directory = assay::cli::apply_config(app, dir.path(), shape);
        REQUIRE(!directory);
        CHECK(directory.error().exit_code() == assay::ExitCode::bad_input);
        CHECK(directory.error().message == "--config: is a directory");
    }
}

TEST_SUITE("cli") {
    TEST_CASE("cli::run --config") {
        TempDir dir;
        assay::testing::write_small_problems(dir);
        const std::string base = "problems = [\"problems\"]\ndb = \"a.db\"\nout = \"out\"\n"
                                 "jobs = 2\njson = true\n";

        SUBCASE("the file's values take effect; flags override them") {
            const auto config =
                dir.write("run.toml", base + "limit = 2\nseed = 7\nmutants-per-problem = 2\n");
            const Ran r = assay_binary({"run", "--config", config.string()});
            REQUIRE_MESSAGE(r.exit_code == 0, r.err);
            CHECK(json::parse(r.out)["problems"] == 2);
            // Paths from the file's directory, not from the working directory.
            REQUIRE(std::filesystem::exists(dir / "a.db"));
            CHECK(std::filesystem::exists(dir / "out" / "bugfix.jsonl"));
            {
                assay::testing::Sql sql(dir / "a.db");
                CHECK(sql.texts("SELECT json_extract(args, '$.seed') || ' ' || "
                                "json_extract(args, '$.limit') || ' ' || "
                                "json_extract(args, '$.mutants_per_problem') FROM runs") ==
                      std::vector<std::string>{"7 2 2"});
            }

            const Ran o =
                assay_binary({"run", "--config", config.string(), "--limit", "3", "--seed", "9",
                              "--db", (dir / "b.db").string(), "--out", (dir / "out-b").string()});
            REQUIRE_MESSAGE(o.exit_code == 0, o.err);
            CHECK(json::parse(o.out)["problems"] == 3);
            {
                assay::testing::Sql sql(dir / "b.db");
                CHECK(sql.texts("SELECT json_extract(args, '$.seed') || ' ' || "
                                "json_extract(args, '$.limit') FROM runs") ==
                      std::vector<std::string>{"9 3"});
            }
            CHECK(std::filesystem::exists(dir / "out-b" / "bugfix.jsonl"));

            // The seed from the file gives the rows the same seed as a flag gives.
            const Ran f =
                assay_binary({"run", "--problems", (dir / "problems").string(), "--db",
                              (dir / "c.db").string(), "--out", (dir / "out-c").string(), "--limit",
                              "2", "--seed", "7", "--mutants-per-problem", "2", "--json"});
            REQUIRE_MESSAGE(f.exit_code == 0, f.err);
            const auto rows = assay::testing::read_jsonl(dir / "out" / "bugfix.jsonl");
            CHECK(!rows.empty());
            CHECK(rows == assay::testing::read_jsonl(dir / "out-c" / "bugfix.jsonl"));
        }
        SUBCASE("a bad file is exit 2 at FILE:LINE, and nothing is created") {
            // db and out come first: had they been applied, the run would create them.
            const std::string head = "db = \"bad.db\"\nout = \"bad-out\"\n";
            const std::vector<std::pair<std::string, std::string>> cases{
                {"limit = 2\nlimt = 3\n", ":4: unknown key 'limt' (did you mean 'limit'?)"},
                {"limit = \"two\"\n", ":3: 'limit' must be an integer >= 0, not a string"},
                {"json = \"yes\"\n", ":3: 'json' must be true or false, not a string"},
                {"jobs = 0\n", ":3: --jobs: "},
                {"stages = \"verify,bogus\"\n", ":3: --stages: unknown stage 'bogus'"},
                {"limit = 2\nseed = = 3\n", ":4:"},
                {"[run]\nlimit = 2\n", ":3: unknown table [run]"},
                {"problems = [\"missing-dir\"]\n", "missing-dir: no such file or directory"},
            };
            for (const auto& [text, expected] : cases) {
                const auto config = dir.write("bad.toml", head + text);
                const Ran r = assay_binary({"run", "--config", config.string()});
                INFO(text);
                CHECK(r.exit_code == 2);
                CHECK_MESSAGE(r.err.find(expected) != std::string::npos, r.err);
                if (expected.starts_with(":"))
                    CHECK_MESSAGE(r.err.starts_with("assay: error: " + config.string() + expected),
                                  r.err);
                CHECK(!std::filesystem::exists(dir / "bad.db"));
                CHECK(!std::filesystem::exists(dir / "bad-out"));
            }
            const Ran missing = assay_binary({"run", "--config", (dir / "nope.toml").string()});
            CHECK(missing.exit_code == 2);
            CHECK(missing.err ==
                  "assay: error: " + (dir / "nope.toml").string() + ": --config: no such file\n");
            const Ran directory = assay_binary({"run", "--config", dir.path().string()});
            CHECK(directory.exit_code == 2);
            CHECK(directory.err.find(dir.path().string() + ": --config: is a directory") !=
                  std::string::npos);
        }
    }
    TEST_CASE("cli::run --help lists every stage, the LLM ones too") {
        const Ran r = assay_binary({"run", "--help"});
        REQUIRE(r.exit_code == 0);
        for (const char* stage :
             {"instruct", "verify", "mutate", "refactor", "solve", "bugs", "reflexion", "export"})
            CHECK_MESSAGE(r.out.find("\n  " + std::string(stage) + " ") != std::string::npos,
                          stage);
        CHECK(r.out.find("--config") != std::string::npos);
        CHECK(r.out.find("LLM: new problems") != std::string::npos);
    }
}
