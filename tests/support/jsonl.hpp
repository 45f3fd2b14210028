// Reading the JSONL files the exports write.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace assay::testing {

// One object per line; an absent file reads as no rows.
inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& file) {
    std::vector<nlohmann::json> rows;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        rows.push_back(nlohmann::json::parse(line));
    return rows;
}

} // namespace assay::testing
