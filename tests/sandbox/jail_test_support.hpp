// Helpers shared by the jail tests: a Python spec built from the real language descriptor, and
// host-side checks that nothing of a run survives.
#pragma once

#include "core/language.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/jail.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace assay::test {

// A spec running `code` as /work/main.py with the python descriptor's binds, env and limits;
// `marker` is appended to argv so the program's processes can be found on the host.
inline sandbox::SpawnSpec python_spec(const std::string& code, const std::string& marker = {}) {
    auto lang = load_language("python");
    if (!lang) throw std::runtime_error(lang.error().describe());
    std::vector<std::string> argv = lang->run_argv();
    if (!marker.empty()) argv.push_back(marker);
    sandbox::SpawnSpec spec = lang->spawn_spec(argv);
    spec.files.emplace_back(lang->source_file, code);
    return spec;
}

// Host processes whose command line contains `needle`.
inline int processes_matching(const std::string& needle) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (text.str().find(needle) != std::string::npos) ++count;
    }
    return count;
}

// Whether a cgroup named `name` still exists under any of our hierarchies.
inline bool cgroup_exists(const std::string& name) {
    const sandbox::CgroupLayout layout = sandbox::detect_cgroups();
    for (const std::string& dir :
         {layout.v2_dir, layout.memory_v1, layout.pids_v1, layout.cpuacct_v1})
        if (!dir.empty() && std::filesystem::exists(dir + "/" + name)) return true;
    return false;
}

} // namespace assay::test
