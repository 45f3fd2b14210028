#include "support.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unistd.h>
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
    const auto path = std::filesystem::temp_directory_path() /
                      ("assay_syntax_test_" + std::to_string(::getpid()) + ".py");
    std::ofstream(path) << script;
    std::string output;
    if (FILE* pipe = ::popen(("/usr/bin/python3 -I " + path.string()).c_str(), "r")) {
        std::array<char, 4096> buffer{};
        std::size_t read = 0;
        while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
            output.append(buffer.data(), read);
        ::pclose(pipe);
    }
    std::filesystem::remove(path);
    return output;
}

std::string python_literal(const std::string& text) {
    return nlohmann::json(text).dump();
}

} // namespace assay::test
