// What an export writes beside its files: LLaMA-Factory's `dataset_info.json` (one entry per file
// its loader can read) and a Hugging Face dataset card `README.md` (YAML front matter with one
// config per file, the license and tags; then counts, how the rows were verified, the
// decontamination rules and numbers, and the export options).
//
// The card marks itself as assay's (kAssayMark, on the line after the front matter) and keeps
// what it describes in a closing comment (`<!-- assay-state: {json} -->`), so a later single
// export regenerates it with its own file replaced and the others kept. A README.md without the
// mark was written by a person and is never replaced.
#pragma once

#include "export/export.hpp"
#include "store/exclusions.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::exports {

inline constexpr std::string_view kAssayMark = "<!-- written by assay:";

// LLaMA-Factory's name for the file's entry: "assay_" and the file name without its extension,
// each character but ASCII letters, digits and '_' turned into '_' ("sft.jsonl" → "assay_sft").
[[nodiscard]] std::string entry_name(std::string_view file_name);

// The file's dataset_info.json entry (file_name, formatting alpaca|sharegpt, ranking for
// preference files, columns, and tags for message lists), or null where LLaMA-Factory's loader
// cannot read the format: dpo and kto --format messages (TRL's conversational lists: the prompt
// and the answer in separate columns, the answers as one-element lists).
[[nodiscard]] nlohmann::json llama_factory_entry(const ExportedFile& file);

// The dataset_info.json at `path` (absent: an empty object). Bad input naming `path:LINE` when it
// is not JSON, `path` when it is JSON but not an object of objects.
[[nodiscard]] Expected<nlohmann::json> read_dataset_info(const std::filesystem::path& path);

// `info` with each file's entry in place: every entry whose file_name is the file's is removed,
// then the file's own entry (if it has one) set under entry_name(). Other entries are kept.
[[nodiscard]] nlohmann::json merge_dataset_info(nlohmann::json info,
                                                const std::vector<ExportedFile>& files);

// A license as the card's `license:` takes it: a Hugging Face license id ("apache-2.0", "mit",
// "other"): ASCII letters, digits, '.', '-', '_', at most 64. Bad input otherwise.
[[nodiscard]] Expected<void> check_license(std::string_view license);

// What a card describes.
struct CardState {
    std::vector<ExportedFile> files;
    std::string license = "other";
};

// Whether a README.md's text is a card assay wrote (it has the mark on a line of its own).
[[nodiscard]] bool written_by_assay(std::string_view readme);

// The state a card assay wrote keeps in its closing comment; nullopt when there is none or it
// does not read.
[[nodiscard]] std::optional<CardState> read_card_state(std::string_view readme);

// The card. Every string of the front matter is a double-quoted YAML scalar (escaped so that
// backticks, `---`, `key: value` lines and any Unicode stay inside it).
[[nodiscard]] std::string dataset_card(const CardState& state,
                                       const std::vector<store::Exclusion>& exclusions);

} // namespace assay::exports
