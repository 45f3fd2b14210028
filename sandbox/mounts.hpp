// The jail's private filesystem view (SECURITY.md "Layers"): a read-only tmpfs root
// holding read-only binds of the toolchain, fresh size-capped tmpfs for /work, /tmp and
// /dev/shm, a minimal /dev and the /proc of the jail's PID namespace. Nothing else of the host.
//
// The supervisor plans every operation (all allocation happens there); the jailed child replays
// the plan between clone and execve with system calls only.
#pragma once

#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace assay::sandbox {

struct SpawnSpec;

// The jail's uid and gid inside its user namespace (mapped to nobody/nogroup, or to the
// supervisor's own ids when it is not root).
inline constexpr uid_t kJailUid = 1000;
inline constexpr gid_t kJailGid = 1000;

// One step of the plan.
struct MountOp {
    enum class Kind : std::uint8_t { tmpfs, proc, mkdir, touch, symlink, bind, remount, write };
    Kind kind;
    std::string target;      // absolute path under the staging root
    std::string source;      // bind: host path; symlink: link text; tmpfs: mount options
    unsigned long flags = 0; // tmpfs/proc: mount flags; bind/remount: flags to add on remount
    const std::string* content = nullptr; // write: the file's bytes (owned by the SpawnSpec)

    // "bind /usr/bin", for error messages.
    [[nodiscard]] std::string describe() const;
};

struct MountPlan {
    std::string root;         // host directory the staging tmpfs is mounted over
    std::vector<MountOp> ops; // in order
    std::string workdir;      // cwd inside the jail
};

// Plans `spec`'s filesystem. Errors: a bind source is missing or unreadable, a file name is not
// a plain name, or no staging directory is free.
[[nodiscard]] Expected<MountPlan> plan_mounts(const SpawnSpec& spec);

// Child side, between clone and execve. Makes the mount tree private and replays the plan.
// Returns 0, or an errno with the failing op's index in `failed_op`.
int apply_mounts(const MountPlan& plan, std::size_t& failed_op) noexcept;

// Child side: pivot_root into the staging root, detach the old root, make "/" read-only and
// enter the work directory. Returns 0 or an errno.
int enter_root(const MountPlan& plan) noexcept;

} // namespace assay::sandbox
