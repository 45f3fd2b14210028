// Black-box: every export kind and format as the trainers read them (tests/support/
// trainer_formats.hpp), over the files a real offline run on the bank writes and over the LLM
// pipeline's record (tests/support/llm_store.hpp); dataset_info.json and the dataset card
// beside a single export.
#include "core/language.hpp"
#include "store/exclusions.hpp"
#include "support/jsonl.hpp"
#include "support/llm_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/trainer_formats.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::read_jsonl;
using assay::testing::slurp;
using assay::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;
namespace fmts = assay::testing::formats;
namespace llm = assay::testing::llm_store;

namespace {

std::string llm_database(const TempDir& dir) {
    const auto path = dir / "llm.db";
    auto db = assay::store::Store::open(path);
    REQUIRE(db);
    llm::fill(*db);
    return path.string();
}

void check_none(const fmts::Problems& problems) {
    for (const std::string& p : problems)
        FAIL_CHECK(p);
}

// `assay export KIND --format FORMAT` from `db` into `out`.
Ran export_to(const std::string& db, const fs::path& out, const std::string& kind,
              const std::string& format, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"export", kind, "--db", db, "--out", out.string()};
    if (!format.empty()) args.insert(args.end(), {"--format", format});
    args.insert(args.end(), more.begin(), more.end());
    return assay_binary(args);
}

json read_json(const fs::path& file) {
    return json::parse(slurp(file));
}

// Every other format of each kind, exported beside the run's files as KIND-FORMAT.jsonl; each
// checked with the trainers that read it.
void export_every_format(const std::string& db, const fs::path& dir) {
    struct Format {
        const char* kind;
        const char* format;
        bool trl;
        bool axolotl;
    };
    for (const Format& f :
         std::initializer_list<Format>{{"sft", "alpaca", false, false},
                                       {"sft", "sharegpt", false, false},
                                       {"sft", "prompt-completion", true, false},
                                       {"bugfix", "prompt-completion", true, false},
                                       {"bugfix", "messages", true, true},
                                       {"refactor", "prompt-completion", true, false},
                                       {"refactor", "messages", true, true},
                                       {"dpo", "messages", true, false},
                                       {"dpo", "sharegpt", false, false},
                                       {"dpo", "alpaca", false, false},
                                       {"kto", "messages", true, false}}) {
        const fs::path out = dir / fmt::format("{}-{}.jsonl", f.kind, f.format);
        const Ran r = export_to(db, out, f.kind, f.format);
        INFO(f.kind, " ", f.format);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        if (f.trl) check_none(fmts::each_row(out, fmts::trl));
        if (f.axolotl) check_none(fmts::each_row(out, fmts::axolotl));
    }
    check_none(fmts::llama_factory(dir));
    const json info = read_json(dir / "dataset_info.json");
    CHECK(info.contains("assay_dpo-sharegpt") == false); // names are [A-Za-z0-9_] only
    CHECK(info["assay_dpo_sharegpt"]["ranking"] == true);
    CHECK(info["assay_dpo_alpaca"]["ranking"] == true);
    CHECK(info["assay_bugfix_messages"]["tags"]["role_tag"] == "role");
    CHECK_FALSE(info.contains("assay_dpo_messages"));
    CHECK_FALSE(info.contains("assay_kto_messages"));
    const auto front = fmts::card_front_matter(dir / "README.md");
    REQUIRE(std::holds_alternative<json>(front));
    CHECK(std::get<json>(front)["configs"].size() == 7 + 11);
}
} // namespace

TEST_SUITE("cli") {
    TEST_CASE("cli::run's exports and every format load as TRL, LLaMA-Factory and axolotl read "
              "them") {
        TempDir dir;
        const fs::path out = dir / "out";
        const Ran run = assay_binary({"run", "--problems",
                                      (assay::project_root() / "problems" / "python").string(),
                                      "--limit", "6", "--db", (dir / "a.db").string(), "--out",
                                      out.string(), "--jobs", "2", "--seed", "1", "--json"});
        REQUIRE_MESSAGE(run.exit_code == 0, run.err);
        const json summary = json::parse(run.out);
        CHECK(summary["exported"]["kto.jsonl"].get<int>() > 0);
        CHECK(summary["exported"]["tasks.jsonl"].get<int>() == summary["references_passed"]);
        check_none(fmts::run_directory(out));
        // kto: the references and refactorings true, the killed mutants false.
        std::set<bool> labels;
        for (const json& row : read_jsonl(out / "kto.jsonl"))
            labels.insert(row["label"].get<bool>());
        CHECK(labels == std::set<bool>{false, true});
        for (const json& row : read_jsonl(out / "tasks.jsonl")) {
            CHECK(row["sample_pass_rate"].is_null()); // offline: no model samples
            CHECK(row["test_list"].size() >= 1);
            CHECK(row["tests"].get<std::string>().find("candidate = ") != std::string::npos);
        }
        const std::string card = slurp(out / "README.md");
        CHECK(card.find("| `sft` | `sft.jsonl` | " +
                        std::to_string(summary["exported"]["sft.jsonl"].get<int>()) + " |") !=
              std::string::npos);
        export_every_format((dir / "a.db").string(), out);
    }

    TEST_CASE("cli::export formats over the LLM pipeline's record") {
        TempDir dir;
        const std::string db = llm_database(dir);
        const fs::path out = dir / "llm";
        for (const char* kind : {"sft", "bugfix", "refactor", "reflexion", "dpo", "kto", "tasks"}) {
            const Ran r = export_to(db, out / fmt::format("{}.jsonl", kind), kind, "");
            REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        }
        check_none(fmts::run_directory(out));
        CHECK(read_jsonl(out / "dpo.jsonl").size() == 8);
        export_every_format(db, out);
        const auto sharegpt = read_jsonl(out / "dpo-sharegpt.jsonl");
        REQUIRE(sharegpt.size() == 8);
        CHECK(sharegpt[0]["conversations"] ==
              json::array({{{"from", "human"}, {"value", llm::kPrompt}}}));
        CHECK(sharegpt[0]["chosen"] == json{{"from", "gpt"}, {"value", llm::kGood1}});
        CHECK(sharegpt[0]["rejected"] == json{{"from", "gpt"}, {"value", llm::kWrong}});
        const auto alpaca = read_jsonl(out / "dpo-alpaca.jsonl");
        CHECK(alpaca[0]["instruction"] == llm::kPrompt);
        CHECK(alpaca[0]["input"] == "");
        CHECK(alpaca[0]["chosen"] == llm::kGood1);
        // kto: failed samples and attempts are there, labelled false.
        int failed = 0;
        for (const json& row : read_jsonl(out / "kto.jsonl"))
            failed += row["source"] == "failed_sample" || row["source"] == "failed_attempt";
        CHECK(failed >= 6);
    }

    TEST_CASE("cli::export writes dataset_info.json and the card beside the file") {
        TempDir dir;
        const std::string db = llm_database(dir);
        const fs::path out = dir / "data";
        fs::create_directories(out);

        SUBCASE("dataset_info.json: this file's entry merged in, every other entry kept") {
            dir.write(
                "data/dataset_info.json",
                R"({"mine": {"file_name": "mine.json"}, "stale": {"file_name": "dpo.jsonl"}})");
            REQUIRE(export_to(db, out / "dpo.jsonl", "dpo", "sharegpt").exit_code == 0);
            REQUIRE(export_to(db, out / "kto.jsonl", "kto", "").exit_code == 0);
            const json info = read_json(out / "dataset_info.json");
            CHECK(info["mine"] == json{{"file_name", "mine.json"}});
            CHECK_FALSE(info.contains("stale"));
            CHECK(info["assay_dpo"]["formatting"] == "sharegpt");
            CHECK(info["assay_kto"]["columns"]["kto_tag"] == "label");
            // The card describes both files; a re-export replaces its own entry.
            const Ran again = export_to(db, out / "dpo.jsonl", "dpo", "", {"--kind", "samples"});
            REQUIRE(again.exit_code == 0);
            const json info2 = read_json(out / "dataset_info.json");
            CHECK(info2["assay_dpo"]["formatting"] == "alpaca");
            CHECK(info2.size() == 3);
            const auto front = fmts::card_front_matter(out / "README.md");
            REQUIRE(std::holds_alternative<json>(front));
            const json& configs = std::get<json>(front)["configs"];
            REQUIRE(configs.size() == 2);
            CHECK(configs[0]["config_name"] == "kto");
            CHECK(configs[1]["config_name"] == "dpo");
            CHECK(slurp(out / "README.md").find("`--kind samples`") != std::string::npos);
        }
        SUBCASE("a README.md a person wrote is never replaced") {
            const auto readme = dir.write("data/README.md", "# My dataset\n\nMy words.\n");
            const Ran r = export_to(db, out / "sft.jsonl", "sft", "");
            REQUIRE_MESSAGE(r.exit_code == 0, r.err);
            CHECK(slurp(readme) == "# My dataset\n\nMy words.\n");
            CHECK(r.err.find(readme.string() + " was not written by assay: left as it is") !=
                  std::string::npos);
            CHECK(read_json(out / "dataset_info.json").contains("assay_sft"));
        }
        SUBCASE("a dataset_info.json that does not read: exit 2 naming its line, nothing written") {
            const auto info = dir.write("data/dataset_info.json",
                                        "{\n  \"mine\": {\n    \"file_name\": \"m\",\n  }\n}\n");
            const Ran r = export_to(db, out / "sft.jsonl", "sft", "");
            CHECK(r.exit_code == 2);
            CHECK_MESSAGE(r.err.find(info.string() + ":4: not JSON") != std::string::npos, r.err);
            CHECK_FALSE(fs::exists(out / "sft.jsonl"));
            CHECK_FALSE(fs::exists(out / "README.md"));
            CHECK(slurp(info) == "{\n  \"mine\": {\n    \"file_name\": \"m\",\n  }\n}\n");
            for (const auto& entry : fs::directory_iterator(out))
                CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
            // run finds it before any work.
            const Ran run = assay_binary({"run", "--problems",
                                          (assay::project_root() / "problems" / "python").string(),
                                          "--db", (dir / "r.db").string(), "--out", out.string()});
            CHECK(run.exit_code == 2);
            CHECK(run.err.find(info.string() + ":4") != std::string::npos);
            CHECK_FALSE(fs::exists(dir / "r.db"));
        }
        SUBCASE("--license: given, kept by later exports; a bad one refused") {
            REQUIRE(export_to(db, out / "sft.jsonl", "sft", "", {"--license", "mit"}).exit_code ==
                    0);
            REQUIRE(export_to(db, out / "kto.jsonl", "kto", "").exit_code == 0);
            const auto front = fmts::card_front_matter(out / "README.md");
            REQUIRE(std::holds_alternative<json>(front));
            CHECK(std::get<json>(front)["license"] == "mit");
            const Ran bad = export_to(db, out / "x.jsonl", "sft", "", {"--license", "my: license"});
            CHECK(bad.exit_code == 2);
            CHECK(bad.err.find("is not a license id") != std::string::npos);
            CHECK_FALSE(fs::exists(out / "x.jsonl"));
            const Ran readme = export_to(db, out / "README.md", "sft", "");
            CHECK(readme.exit_code == 2);
        }
        SUBCASE("hostile names and problem ids: the front matter stays valid YAML") {
            {
                auto store = assay::store::Store::open(db);
                REQUIRE(store);
                store->transaction([&] {
                    assay::store::replace_exclusions(*store,
                                                     {{"llm/clamp", std::nullopt, "ngram_prompt",
                                                       "```\n---\nlicense: mit\n| ü 😀 |", 0.4, 1}});
                });
            }
            const fs::path odd = out / "we: ird --- ```.jsonl";
            const Ran r = export_to(db, odd, "sft", "prompt-completion");
            REQUIRE_MESSAGE(r.exit_code == 0, r.err);
            const auto front = fmts::card_front_matter(out / "README.md");
            REQUIRE_MESSAGE(std::holds_alternative<json>(front), std::get<std::string>(front));
            const json& fm = std::get<json>(front);
            CHECK(fm["configs"][0]["data_files"][0]["path"] == "we: ird --- ```.jsonl");
            CHECK(fm["license"] == "other");
            CHECK(read_json(out / "dataset_info.json")["assay_we__ird________"]["file_name"] ==
                  "we: ird --- ```.jsonl");
            check_none(fmts::llama_factory(out));
            CHECK(slurp(out / "README.md").find("1 problem was left out") != std::string::npos);
        }
    }
}

TEST_CASE("formats: the validators find malformed rows") {
    TempDir dir;
    using fmts::axolotl;
    using fmts::trl;
    CHECK(trl(json::parse(R"({"prompt": "p", "completion": "c", "origin": "seed"})")).empty());
    CHECK(trl(json::parse(R"({"messages": [{"role": "user", "content": "q"},
                                           {"role": "assistant", "content": "a"}]})"))
              .empty());
    CHECK(trl(json::parse(R"({"prompt": "p", "completion": "c", "label": true})")).empty());
    // A string label, a prompt beside messages, a role TRL does not know, mixed kinds of fields.
    CHECK_FALSE(trl(json::parse(R"({"prompt": "p", "completion": "c", "label": "true"})")).empty());
    CHECK_FALSE(
        trl(json::parse(R"({"prompt": "p", "messages": [{"role": "user", "content": "q"}]})"))
            .empty());
    CHECK_FALSE(trl(json::parse(R"({"messages": [{"role": "human", "content": "q"}]})")).empty());
    CHECK_FALSE(trl(json::parse(R"({"prompt": [{"role": "user", "content": "q"}], "chosen": "a",
                                    "rejected": "b"})"))
                    .empty());
    CHECK_FALSE(trl(json::parse(R"({"prompt": [{"role": "user", "content": "q"}],
                                    "completion": [{"role": "user", "content": "a"}]})"))
                    .empty());
    // axolotl: weight only 0 or 1, only on assistant turns.
    CHECK(axolotl(json::parse(R"({"messages": [{"role": "user", "content": "q"},
                                 {"role": "assistant", "content": "a", "weight": 1}]})"))
              .empty());
    CHECK_FALSE(axolotl(json::parse(R"({"messages": [{"role": "user", "content": "q", "weight": 0},
                                       {"role": "assistant", "content": "a"}]})"))
                    .empty());
    CHECK_FALSE(axolotl(json::parse(R"({"messages": [{"role": "assistant", "content": "a",
                                                      "weight": 0.5}]})"))
                    .empty());
    CHECK_FALSE(axolotl(json::parse(R"({"messages": [{"role": "assistant", "content": "a",
                                                      "weight": true}]})"))
                    .empty());
    // LLaMA-Factory: a missing column, a wrong type, roles out of order, a missing file.
    dir.write("dataset_info.json", R"({
        "a": {"file_name": "a.jsonl", "columns": {"prompt": "prompt", "response": "completion",
                                                  "kto_tag": "label"}},
        "s": {"file_name": "s.jsonl", "formatting": "sharegpt", "ranking": true,
              "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"}}
    })");
    dir.write("a.jsonl", "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": true}\n");
    dir.write("s.jsonl", "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}], "
                         "\"chosen\": {\"from\": \"gpt\", \"value\": \"a\"}, "
                         "\"rejected\": {\"from\": \"gpt\", \"value\": \"b\"}}\n");
    CHECK(fmts::llama_factory(dir.path()).empty());
    for (const std::string& bad :
         {std::string("{\"prompt\": \"p\", \"label\": true}\n"),
          std::string("{\"prompt\": \"p\", \"completion\": \"c\", \"label\": 1}\n")}) {
        dir.write("a.jsonl", bad);
        CHECK_FALSE(fmts::llama_factory(dir.path()).empty());
    }
    dir.write("a.jsonl", "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": false}\n");
    dir.write("s.jsonl", "{\"conversations\": [{\"from\": \"gpt\", \"value\": \"q\"}], "
                         "\"chosen\": {\"from\": \"gpt\", \"value\": \"a\"}, "
                         "\"rejected\": [{\"from\": \"gpt\", \"value\": \"b\"}]}\n");
    const auto problems = fmts::llama_factory(dir.path());
    CHECK(problems.size() == 2); // the role out of place, the rejected list
    fs::remove(dir / "s.jsonl");
    CHECK(fmts::llama_factory(dir.path()).size() == 1);
}
