// What a JailedProcess holds (internal to sandbox/spawn_linux.cpp, which fills it at the clone,
// and sandbox/jailed_process_linux.cpp, which answers for it until the jail is gone).
#pragma once

#include "sandbox/cgroup.hpp"
#include "sandbox/jail.hpp"
#include "util/fd.hpp"

#include <optional>
#include <string>
#include <sys/resource.h>
#include <sys/types.h>

namespace assay::sandbox {

struct JailedProcess::State {
    util::Fd pidfd;
    pid_t pid = -1;
    util::Fd stdin_fd, stdout_fd, stderr_fd, notify_fd;
    std::optional<Cgroup> cgroup;
    Strength strength = Strength::strict;
    std::string weak_dir; // host scratch directory of a weak jail, removed at the end
    bool reaped = false;
    int exit_code = -1;
    int term_signal = 0;
    rusage usage{};

    // SIGKILLs the tree: init (and, in a weak jail, its session) and the cgroup.
    void kill();
    // Reaps init once it exited (waiting when `block`); true once reaped.
    bool reap(bool block);
    // Kills and reaps the tree, then removes weak_dir.
    ~State();
};

} // namespace assay::sandbox
