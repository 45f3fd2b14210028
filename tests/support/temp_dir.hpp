// A scratch directory for one test, removed with everything in it at the end of the test.
#pragma once

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <string_view>

namespace assay::testing {

class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "assay-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(std::string_view name) const {
        return path_ / name;
    }

    // Writes `text` to `name` inside the directory and returns its path.
    std::filesystem::path write(std::string_view name, std::string_view text) const {
        const auto file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

  private:
    std::filesystem::path path_;
};

// ../shared/data beside the project, where the benchmark files live.
inline std::filesystem::path shared_data() {
    return std::filesystem::path(ASSAY_SHARED_DIR) / "data";
}

// Whether ../shared/data is there. A clone of the repository alone does not have it: the tests
// that read it are skipped then (`* doctest::skip(no_shared_data())`), and tests/main.cpp says so.
inline bool no_shared_data() {
    static const bool absent =
        !std::filesystem::is_regular_file(shared_data() / "HumanEval.jsonl.gz");
    return absent;
}

} // namespace assay::testing
