// `assay doctor`: what this host offers the jail, and what the jail does about each gap.
#include "cli/verb.hpp"
#include "core/language.hpp"
#include "sandbox/host_probe.hpp"
#include "sandbox/seccomp_policy.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace assay::cli {

namespace {

struct Check {
    std::string name;
    bool ok;
    std::string detail; // what it means for the jail
};

std::string_view version_name(sandbox::CgroupVersion v) {
    switch (v) {
    case sandbox::CgroupVersion::none:
        return "none";
    case sandbox::CgroupVersion::v1:
        return "v1";
    case sandbox::CgroupVersion::v2:
        return "v2";
    case sandbox::CgroupVersion::hybrid:
        return "hybrid";
    }
    return "unknown";
}

std::vector<Check> checks(const sandbox::HostProbe& p) {
    const char* weak = "strict jail impossible: `assay jail` refuses unless --allow-weak-jail";
    std::vector<Check> out = {
        {"user namespace", p.user_ns, p.user_ns ? "jail runs as an unmapped-root uid" : weak},
        {"pid namespace", p.pid_ns, p.pid_ns ? "whole tree dies with the jail's init" : weak},
        {"mount namespace", p.mount_ns, p.mount_ns ? "private read-only root" : weak},
        {"network namespace", p.net_ns, p.net_ns ? "no network at all" : weak},
        {"ipc namespace", p.ipc_ns, p.ipc_ns ? "private SysV IPC" : weak},
        {"uts namespace", p.uts_ns, p.uts_ns ? "hostname 'assay'" : weak},
        {"cgroup namespace", p.cgroup_ns, p.cgroup_ns ? "own cgroup as root" : weak},
        {"seccomp", p.seccomp, p.seccomp ? "allowlist policy" : "no jail can run at all"},
        {"seccomp user notification", p.seccomp_notify,
         p.seccomp_notify ? "refused calls are named in the verdict"
                          : "refused calls kill with SIGSYS; verdicts do not name them"},
        {"pidfd", p.pidfd, p.pidfd ? "race-free supervision" : "no jail can run (Linux >= 5.3)"},
    };
    const auto& cg = p.cgroups;
    const bool usable = cg.version != sandbox::CgroupVersion::none && p.cgroup_writable;
    out.push_back({fmt::format("cgroups ({})", version_name(cg.version)), usable,
                   usable ? "per-jail group: CPU accounting of the whole tree, kill switch"
                          : "rlimits only: no whole-tree CPU/memory accounting, no OOM verdicts"});
    out.push_back({"memory controller", usable && cg.has_memory(),
                   usable && cg.has_memory()
                       ? "memory limit without swap, OOM detection, peak memory"
                       : "RLIMIT_AS only; peak memory from rusage"});
    out.push_back({"pids controller", usable && cg.has_pids(),
                   usable && cg.has_pids() ? "fork bombs capped per jail" : "RLIMIT_NPROC only"});
    return out;
}

int run_doctor(bool json) {
    const sandbox::HostProbe probe = sandbox::probe_host();
    std::vector<Check> all = checks(probe);
    // The interpreters each language descriptor names.
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(project_root() / "languages", ec)) {
        if (entry.path().extension() != ".toml") continue;
        const auto lang = load_language(entry.path().stem().string());
        if (!lang) {
            all.push_back({entry.path().filename().string(), false, lang.error().describe()});
            continue;
        }
        const std::string& tool = lang->run.empty() ? std::string() : lang->run.front();
        const bool ok = sandbox::is_executable(tool);
        all.push_back({fmt::format("{} interpreter {}", lang->name, tool), ok,
                       ok ? "present" : "missing: this language cannot run"});
    }
    const char* strength = probe.strict_possible() ? "strict" : "weak only (--allow-weak-jail)";
    if (json) {
        nlohmann::json out = {{"jail", probe.strict_possible() ? "strict" : "weak"},
                              {"root", probe.root},
                              {"refused_syscalls", sandbox::refused_syscalls()}};
        for (const Check& c : all)
            out["checks"].push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
        fmt::print("{}\n", out.dump(2));
    } else {
        for (const Check& c : all)
            fmt::print("{:<4} {:<34} {}\n", c.ok ? "ok" : "GAP", c.name, c.detail);
        fmt::print("jail: {}\n", strength);
    }
    return static_cast<int>(ExitCode::success);
}

} // namespace

Action configure_doctor(CLI::App& command) {
    auto json = std::make_shared<bool>(false);
    command.add_flag("--json", *json, "print the probe as JSON");
    return [json] { return run_doctor(*json); };
}

} // namespace assay::cli
