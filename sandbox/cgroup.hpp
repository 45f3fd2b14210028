// A per-jail control group: memory, pids and CPU accounting, and a kill switch for the whole
// tree. Supports cgroup v2, v1, and the hybrid layout (v1 controllers plus a controller-less v2
// hierarchy that still offers cgroup.kill and cpu.stat).
#pragma once

#include "util/error.hpp"

#include <string>
#include <sys/types.h>

namespace assay::sandbox {

struct Limits;

enum class CgroupVersion { none, v1, v2, hybrid };

// Where this process's own cgroups are, and which controllers a child group created under them
// can use. Read from /proc/self/mountinfo and /proc/self/cgroup.
struct CgroupLayout {
    CgroupVersion version = CgroupVersion::none;
    std::string v2_dir;    // our v2 group (absolute path), empty without a v2 mount
    std::string memory_v1; // our v1 groups, empty when that controller is not mounted
    std::string pids_v1;
    std::string cpuacct_v1;
    bool v2_memory = false; // controllers available to children of v2_dir
    bool v2_pids = false;

    [[nodiscard]] bool has_memory() const { return v2_memory || !memory_v1.empty(); }
    [[nodiscard]] bool has_pids() const { return v2_pids || !pids_v1.empty(); }
};

// Detects the layout. Never fails: a host without cgroups yields version `none`.
[[nodiscard]] CgroupLayout detect_cgroups();

// One jail's cgroup(s), created under our own. Move-only; destruction kills every process still
// inside and removes the directories.
class Cgroup {
  public:
    // Creates groups named `name` under our own cgroup in every usable hierarchy and applies the
    // memory (no swap) and pids limits. Fails if no hierarchy is writable.
    [[nodiscard]] static Expected<Cgroup> create(const std::string& name, const Limits& limits);

    Cgroup(Cgroup&& other) noexcept;
    Cgroup& operator=(Cgroup&& other) noexcept;
    Cgroup(const Cgroup&) = delete;
    Cgroup& operator=(const Cgroup&) = delete;
    ~Cgroup();

    // Moves `pid` (and later its children) into every group.
    [[nodiscard]] Expected<void> add(pid_t pid) const;
    // SIGKILLs every process in the groups (cgroup.kill where offered, else cgroup.procs).
    void kill_all() const;

    [[nodiscard]] bool limits_memory() const { return !memory_dir_.empty(); }
    [[nodiscard]] bool accounts_cpu() const { return !cpu_dir_.empty(); }
    // CPU time of every process that ever ran in the group, -1 without accounting.
    [[nodiscard]] long cpu_ms() const;
    // Peak memory charged to the group, -1 if unknown.
    [[nodiscard]] long peak_kb() const;
    // Whether the kernel OOM-killed a process of the group.
    [[nodiscard]] bool oom_killed() const;
    // Human-readable list of the group directories ("memory:/sys/fs/cgroup/...").
    [[nodiscard]] std::string describe() const;

  private:
    Cgroup() = default;
    void remove();

    std::string v2_dir_;     // every group created, in creation order, for removal
    std::string memory_dir_; // the group holding the memory limit (v2 or v1)
    std::string pids_dir_;
    std::string cpu_dir_;
    std::string v1_memory_, v1_pids_, v1_cpuacct_;
    bool memory_is_v2_ = false;
    bool cpu_is_v2_ = false;
};

} // namespace assay::sandbox
