// dataset_info.json entries, their merge, and the dataset card (its front matter read by a real
// YAML parser).
#include "export/dataset_card.hpp"
#include "support/temp_dir.hpp"
#include "support/trainer_formats.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace assay;
using assay::testing::TempDir;
using nlohmann::json;
namespace fmts = assay::testing::formats;

namespace {
exports::ExportedFile file(std::string name, exports::Kind kind, std::string format = "",
                           std::size_t rows = 3) {
    exports::ExportedFile f;
    f.file_name = std::move(name);
    f.options.kind = kind;
    f.options.format = std::move(format);
    f.rows = rows;
    return f;
}

json front_matter(const TempDir& dir, const std::string& card) {
    const auto path = dir.write("README.md", card);
    auto parsed = fmts::card_front_matter(path);
    if (const auto* why = std::get_if<std::string>(&parsed)) FAIL(*why);
    return std::get<json>(parsed);
}
} // namespace

TEST_CASE("exports::entry_name and llama_factory_entry") {
    CHECK(exports::entry_name("sft.jsonl") == "assay_sft");
    CHECK(exports::entry_name("my dpo.v2.jsonl") == "assay_my_dpo_v2");
    CHECK(exports::entry_name("é.jsonl") == "assay___");

    const json sft = exports::llama_factory_entry(file("sft.jsonl", exports::Kind::sft));
    CHECK(sft == json{{"file_name", "sft.jsonl"},
                      {"formatting", "sharegpt"},
                      {"columns", {{"messages", "messages"}}},
                      {"tags",
                       {{"role_tag", "role"},
                        {"content_tag", "content"},
                        {"user_tag", "user"},
                        {"assistant_tag", "assistant"},
                        {"system_tag", "system"}}}});
    const json dpo = exports::llama_factory_entry(file("d.jsonl", exports::Kind::dpo, "sharegpt"));
    CHECK(dpo["ranking"] == true);
    CHECK(dpo["columns"] ==
          json{{"messages", "conversations"}, {"chosen", "chosen"}, {"rejected", "rejected"}});
    CHECK(dpo["tags"]["role_tag"] == "from");
    CHECK(dpo["tags"]["assistant_tag"] == "gpt");
    const json alpaca = exports::llama_factory_entry(file("d.jsonl", exports::Kind::dpo, "alpaca"));
    CHECK(alpaca["formatting"] == "alpaca");
    CHECK(alpaca["columns"]["prompt"] == "instruction");
    CHECK_FALSE(alpaca.contains("tags"));
    const json kto = exports::llama_factory_entry(file("k.jsonl", exports::Kind::kto));
    CHECK(kto["columns"] ==
          json{{"prompt", "prompt"}, {"response", "completion"}, {"kto_tag", "label"}});
    CHECK_FALSE(kto.contains("ranking"));
    // TRL's conversational preference lists: LLaMA-Factory's loader cannot read them.
    CHECK(exports::llama_factory_entry(file("d.jsonl", exports::Kind::dpo, "messages")).is_null());
    CHECK(exports::llama_factory_entry(file("k.jsonl", exports::Kind::kto, "messages")).is_null());
    // Every other kind and format has one.
    for (const auto& [kind, format] : std::vector<std::pair<exports::Kind, std::string>>{
             {exports::Kind::sft, "alpaca"},
             {exports::Kind::sft, "sharegpt"},
             {exports::Kind::sft, "prompt-completion"},
             {exports::Kind::bugfix, ""},
             {exports::Kind::bugfix, "messages"},
             {exports::Kind::refactor, "prompt-completion"},
             {exports::Kind::reflexion, ""},
             {exports::Kind::dpo, ""},
             {exports::Kind::tasks, ""}})
        CHECK_FALSE(exports::llama_factory_entry(file("f.jsonl", kind, format)).is_null());
}

TEST_CASE("exports::read_dataset_info and merge_dataset_info") {
    TempDir dir;
    SUBCASE("absent: empty") {
        const auto info = exports::read_dataset_info(dir / "dataset_info.json");
        REQUIRE(info);
        CHECK(*info == json::object());
    }
    SUBCASE("not JSON: bad input naming the line") {
        const auto path =
            dir.write("dataset_info.json", "{\n  \"a\": {\"file_name\": \"a\"},\n  oops\n}\n");
        const auto info = exports::read_dataset_info(path);
        REQUIRE_FALSE(info);
        CHECK(info.error().kind == ErrorKind::bad_input);
        CHECK(info.error().where == path.string() + ":3");
    }
    SUBCASE("JSON of the wrong shape") {
        const auto list = dir.write("dataset_info.json", "[1, 2]\n");
        CHECK_FALSE(exports::read_dataset_info(list));
        dir.write("dataset_info.json", "{\"a\": 1}\n");
        const auto info = exports::read_dataset_info(list);
        REQUIRE_FALSE(info);
        CHECK(info.error().message.find("'a'") != std::string::npos);
    }
    SUBCASE("merge: this file's entries replaced, others kept") {
        const json before{{"mine", {{"file_name", "mine.json"}}},
                          {"old_name", {{"file_name", "sft.jsonl"}}},
                          {"assay_dpo", {{"file_name", "dpo.jsonl"}, {"ranking", true}}}};
        const json after = exports::merge_dataset_info(
            before, {file("sft.jsonl", exports::Kind::sft, "alpaca"),
                     file("dpo.jsonl", exports::Kind::dpo, "messages")});
        CHECK(after["mine"] == before["mine"]);
        CHECK_FALSE(after.contains("old_name"));
        CHECK_FALSE(after.contains("assay_dpo")); // dpo --format messages has no entry
        CHECK(after["assay_sft"]["columns"]["prompt"] == "instruction");
        CHECK(after.size() == 2);
    }
}

TEST_CASE("exports::dataset_card") {
    TempDir dir;
    exports::CardState state;
    state.files = {file("sft.jsonl", exports::Kind::sft, "", 240),
                   file("dpo.jsonl", exports::Kind::dpo, "messages", 31)};
    state.files[1].options.filters.kind = "samples";
    state.files[1].options.decontaminate = false;
    state.license = "apache-2.0";
    const std::vector<store::Exclusion> exclusions{
        {"bank/x", std::nullopt, "exact_solution", "HumanEval/0", 1.0, 1},
        {"bank/y", 7, "near_duplicate_prompt", "bank/x", 0.82, 1}};
    const std::string card = exports::dataset_card(state, exclusions);

    SUBCASE("front matter: one config per file, license, tags") {
        const json fm = front_matter(dir, card);
        CHECK(fm["configs"] == json::parse(R"([
            {"config_name": "sft", "data_files": [{"split": "train", "path": "sft.jsonl"}]},
            {"config_name": "dpo", "data_files": [{"split": "train", "path": "dpo.jsonl"}]}])"));
        CHECK(fm["license"] == "apache-2.0");
        CHECK(fm["task_categories"] == json{"text-generation"});
        CHECK(fm["tags"] == json{"assay", "code", "dpo", "sft", "synthetic", "verified"});
    }
    SUBCASE("body: counts, verification, decontamination numbers, options") {
        CHECK(exports::written_by_assay(card));
        CHECK_FALSE(exports::written_by_assay("# My data\n\nwritten by assay\n"));
        CHECK(card.find("| `sft` | `sft.jsonl` | 240 | sft | messages | `assay_sft` |") !=
              std::string::npos);
        CHECK(card.find("| `dpo` | `dpo.jsonl` | 31 | dpo | messages | — ") != std::string::npos);
        CHECK(card.find("seccomp") != std::string::npos);
        CHECK(card.find("2 problems were left out") != std::string::npos);
        CHECK(card.find("| `exact_solution` | 1 |") != std::string::npos);
        CHECK(card.find("| `bank/y` | `near_duplicate_prompt` | `bank/x` | 0.820 |") !=
              std::string::npos);
        CHECK(card.find("| `dpo.jsonl` | dpo | messages | `--kind samples` | no | no "
                        "(`--no-decontaminate`) |") != std::string::npos);
    }
    SUBCASE("the state it keeps reads back") {
        const auto back = exports::read_card_state(card);
        REQUIRE(back);
        CHECK(back->license == "apache-2.0");
        REQUIRE(back->files.size() == 2);
        CHECK(back->files[1].file_name == "dpo.jsonl");
        CHECK(back->files[1].rows == 31);
        CHECK(back->files[1].options.format == "messages");
        CHECK(back->files[1].options.filters.kind == "samples");
        CHECK_FALSE(back->files[1].options.decontaminate);
        CHECK_FALSE(exports::read_card_state("# no state\n"));
        CHECK_FALSE(exports::read_card_state("<!-- assay-state: {\"files\": 3} -->"));
    }
    SUBCASE("hostile names stay inside their YAML strings and table cells") {
        const std::string hostile =
            "we\"ird: x\n---\nlicense: mit\n# ```py `a` | b\t\\ ü 😀 \x7f \xc2\x85 .jsonl";
        exports::CardState h;
        h.files = {file(hostile, exports::Kind::kto), file("kto.jsonl", exports::Kind::kto)};
        const std::vector<store::Exclusion> odd{
            {"bank/---\nconfigs: []", std::nullopt, "ngram_prompt", "```\n| x |", 0.5, 1}};
        const std::string text = exports::dataset_card(h, odd);
        const json fm = front_matter(dir, text);
        REQUIRE(fm["configs"].size() == 2);
        CHECK(fm["configs"][0]["data_files"][0]["path"] == hostile);
        CHECK(fm["configs"][1]["config_name"] == "kto");
        CHECK(fm["license"] == "other");
        const auto back = exports::read_card_state(text);
        REQUIRE(back);
        CHECK(back->files[0].file_name == hostile);
        // No table row is broken by a line break or a pipe of a name.
        CHECK(text.find("`` bank/--- configs: [] ``") == std::string::npos);
        CHECK(text.find("| `bank/--- configs: []` | `ngram_prompt` | ```` ``` \\| x \\| ```` |") !=
              std::string::npos);
    }
}

TEST_CASE("exports::check_license") {
    CHECK(exports::check_license("apache-2.0"));
    CHECK(exports::check_license("cc-by-4.0"));
    CHECK(exports::check_license("other"));
    CHECK_FALSE(exports::check_license(""));
    CHECK_FALSE(exports::check_license("mit\nconfigs: []"));
    CHECK_FALSE(exports::check_license("\"mit\""));
    CHECK_FALSE(exports::check_license(std::string(65, 'a')));
}
