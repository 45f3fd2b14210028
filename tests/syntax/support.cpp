#include "support.hpp"

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <zlib.h>

namespace assay::test {
namespace {

std::string gunzip(const std::string& path) {
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) throw std::runtime_error("cannot open " + path);
    std::string text;
    std::array<char, 65536> buffer{};
    int read = 0;
    while ((read = gzread(file, buffer.data(), buffer.size())) > 0)
        text.append(buffer.data(), static_cast<std::size_t>(read));
    gzclose(file);
    return text;
}

} // namespace

const std::vector<HumanEvalTask>& humaneval() {
    static const std::vector<HumanEvalTask> tasks = [] {
        std::vector<HumanEvalTask> result;
        const std::string text = gunzip(std::string(ASSAY_SHARED_DIR) + "/data/HumanEval.jsonl.gz");
        std::size_t at = 0;
        while (at < text.size()) {
            const std::size_t newline = text.find('\n', at);
            const std::string line =
                text.substr(at, newline == std::string::npos ? std::string::npos : newline - at);
            at = newline == std::string::npos ? text.size() : newline + 1;
            if (line.empty()) continue;
            const auto json = nlohmann::json::parse(line);
            result.push_back({json.at("task_id"), json.at("prompt"), json.at("canonical_solution"),
                              json.at("test"), json.at("entry_point")});
        }
        return result;
    }();
    return tasks;
}

std::string run_python(const std::string& script) {
    // In the jail's cold path (`assay jail`), never on the host: the script runs programs this
    // project rewrote.
    const testing::TempDir dir;
    const auto path = dir.write("script.py", script);
    const testing::Ran ran =
        testing::assay_binary({"jail", "--json", "--time-limit", "60", path.string()});
    if (ran.exit_code != 0)
        throw std::runtime_error("assay jail " + path.string() + " failed: " + ran.err);
    return nlohmann::json::parse(ran.out).at("stdout").get<std::string>();
}

std::string python_literal(const std::string& text) {
    return nlohmann::json(text).dump();
}

} // namespace assay::test
