// A fork server (ARCHITECTURE.md "The fast path"; languages/<name>.toml `zygote` with
// `[programs]`): one long-lived jail whose PID 1 is a warm interpreter that forks a fresh child per
// program, so a program costs a fork instead of an interpreter's start-up and a jail's set-up. The
// child gets the program's code in a memfd and two descriptors as its fds 3 and 4, runs, and exits;
// the server kills whatever it left, checks that it left nothing (scratch dirs, processes, its own
// state) and replies. The wire is the Python runner zygote's (testsuites/native/zygote_cycle.h,
// the job cycle both testsuites/python/zygote_native.c and testsuites/javascript/zygote_native.c
// compile): a frame with the job's limits, three descriptors, one reply frame.
//
// Per-job isolation and verdicts stay where the cold path has them: the jail's seccomp listener
// names a forbidden call, the jail's cgroup counts the job's CPU (every process it forks) and
// its OOM kills, this side enforces the CPU limit and the wall deadline, and the verdict comes
// from sandbox/verdict_policy.hpp. A job that made trouble (a forbidden call, a kill at a limit,
// a server that died or says it is not clean) gets the jail replaced before the next one.
#pragma once

#include "sandbox/jail.hpp"
#include "util/fd.hpp"

#include <array>
#include <memory>
#include <string>

namespace assay::sandbox {

class Inbox; // sandbox/inbox.hpp

class ForkServer {
  public:
    // `spec`: the server's command and jail (its limits bound the jail as a whole: pids, tmpfs,
    // nofile). The jail starts at the first run() and dies with the thread that started it.
    explicit ForkServer(SpawnSpec spec);
    ForkServer(ForkServer&&) noexcept;
    ForkServer& operator=(ForkServer&&) noexcept;
    ~ForkServer();

    // Runs `code` in a fresh child of the server, with fds[0] and fds[1] (not owned) as its fds 3
    // and 4, under `limits` (wall, CPU, memory, output). `role` says which program it is to the
    // server. What sandbox::run says of the same program, except that stdout and stderr keep
    // the first 8 KiB (the server's keep_bytes), counted in full for the output limit. What the
    // child writes into `inbox` (one of `fds` is its program end) is read as it comes.
    enum class Role { runner, judge };
    [[nodiscard]] RunResult run(const std::string& code, std::array<int, 2> fds, Role role,
                                const Limits& limits, Inbox* inbox = nullptr);

    // The server's process id in the supervisor's namespace, -1 when none runs (for tests).
    [[nodiscard]] pid_t pid() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace assay::sandbox
