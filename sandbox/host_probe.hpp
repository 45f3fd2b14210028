// What this host offers the jail, found by trying it (SECURITY.md "Layers": where the host
// cannot create namespaces the jail refuses to run unless the user accepts a weaker mode).
#pragma once

#include "sandbox/cgroup.hpp"

#include <string>
#include <vector>

namespace assay::sandbox {

struct HostProbe {
    // Namespaces actually creatable (each tried in a forked child, together with a user
    // namespace as the jail creates them).
    bool user_ns = false;
    bool pid_ns = false;
    bool mount_ns = false;
    bool net_ns = false;
    bool ipc_ns = false;
    bool uts_ns = false;
    bool cgroup_ns = false;
    CgroupLayout cgroups;         // what is mounted and where we are
    bool cgroup_writable = false; // a jail group could be created (and was removed)
    bool seccomp = false;         // a filter could be installed
    bool seccomp_notify = false;  // ... with a user-notification listener
    bool pidfd = false;           // pidfd_open works (CLONE_PIDFD, waitid(P_PIDFD))
    bool root = false;            // the supervisor runs as root

    // Everything a strict jail needs.
    [[nodiscard]] bool strict_possible() const;
    // What is missing for a strict jail, in words ("user namespaces", "seccomp"); empty if
    // nothing.
    [[nodiscard]] std::vector<std::string> gaps() const;
};

// Runs every check now (forks a few short-lived children; a few milliseconds).
[[nodiscard]] HostProbe probe_host();

// The first probe_host() of this process, cached (thread-safe).
[[nodiscard]] const HostProbe& host_probe();

// Tests only: replaces the cached probe (e.g. to exercise the weak jail on a capable host).
void override_host_probe_for_testing(const HostProbe& probe);

// Whether `path` names an executable regular file (for interpreter checks).
[[nodiscard]] bool is_executable(const std::string& path);

} // namespace assay::sandbox
