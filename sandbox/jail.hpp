// The jail's public interface: spawn a program inside fresh namespaces with a private filesystem,
// limits, dropped credentials and a seccomp policy (SECURITY.md "Layers"), and the cold path that
// runs one program to completion and returns its verdict.
#pragma once

#include "sandbox/verdict.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace assay::sandbox {

// Resource limits of one jail. Every field is enforced by the kernel (cgroup or rlimit) or by
// the supervisor; none depends on the jailed program's cooperation.
struct Limits {
    int wall_ms = 10'000; // supervisor kills the whole tree after this
    int cpu_ms = 5'000;   // the supervisor's kill at the cgroup count; RLIMIT_CPU backstop above
    int memory_mb = 512;  // cgroup memory (no swap); RLIMIT_AS where no memory cgroup
    int pids = 64;        // pids cgroup and RLIMIT_NPROC
    std::size_t output_bytes = 1 << 20; // per stream; more is `output_limit`
    int fsize_mb = 16;                  // RLIMIT_FSIZE
    int tmpfs_mb = 64;                  // size of each of /work, /tmp, /dev/shm
    int tmpfs_inodes = 4096;            // nr_inodes of each tmpfs
    int nofile = 128;                   // RLIMIT_NOFILE
};

// A host path made visible inside the jail, read-only unless `writable`.
struct Bind {
    std::string host;
    std::string jail;
    bool writable = false;
};

// How much isolation the host allows. `strict` refuses to run without namespaces; `weak` is only
// used when the user passed --allow-weak-jail, and is reported in every result.
enum class Strength { strict, weak };

// Where a jailed process's stdout/stderr go.
enum class Output { pipe, null };

// Everything needed to start one jailed process.
struct SpawnSpec {
    std::vector<std::string> argv; // argv[0] is an absolute path inside the jail
    std::vector<std::string> env;  // the whole environment, "NAME=VALUE"; nothing is inherited
    std::vector<Bind> binds;       // toolchain paths (read-only) and extras
    std::vector<std::pair<std::string, std::string>> files; // (name, content) written to /work
    std::string workdir = "/work";                          // cwd of the program; a fresh tmpfs
    Limits limits;
    std::vector<int> pass_fds; // host fds installed as fd 3, 4, ... inside (not owned)
    Output stdout_mode = Output::pipe;
    Output stderr_mode = Output::pipe;
    bool stdin_pipe = false; // false: stdin is /dev/null
    // false: personality(ADDR_NO_RANDOMIZE) before execve, so the program's stack, heap and
    // mappings sit at the same addresses in every run, and what a program with undefined
    // behaviour reads of memory it never wrote (a pointer's bits past a vector's end) is the same
    // each time it runs. The jail is the boundary, not the program's own layout.
    bool randomize_addresses = true;
    Strength strength = Strength::strict;
    std::string cgroup_name; // unique per concurrent jail; empty = generated
};

class Cgroup; // sandbox/cgroup.hpp

// A running jail: its init process (PID 1 of the new PID namespace: the program itself, so, as
// for any namespace init, signals it sends itself whose default action is to terminate are
// ignored; a reaper init would keep a copy of the supervisor's memory alive inside the jail) and
// the supervisor's ends of its channels. Destroying it kills the whole process tree and removes the
// cgroup. The jail dies with the *thread* that spawned it (PR_SET_PDEATHSIG), so that thread must
// outlive the JailedProcess.
class JailedProcess {
  public:
    JailedProcess();
    JailedProcess(JailedProcess&&) noexcept;
    JailedProcess& operator=(JailedProcess&&) noexcept;
    ~JailedProcess();

    [[nodiscard]] pid_t pid() const; // in the supervisor's PID namespace
    [[nodiscard]] int pidfd() const; // readable when the init process exits
    // A stream socket (write with send(..., MSG_NOSIGNAL): no SIGPIPE if the jail is gone);
    // -1 unless SpawnSpec::stdin_pipe.
    [[nodiscard]] int stdin_fd() const;
    [[nodiscard]] int stdout_fd() const; // non-blocking pipe; -1 unless Output::pipe
    [[nodiscard]] int stderr_fd() const;
    [[nodiscard]] int notify_fd() const; // seccomp user-notification listener, -1 if unsupported
    void close_stdin();

    // Reads one pending seccomp notification, if any, and returns the refused syscall's name
    // ("ptrace"). The caller then kills the jail; the refusal is reported as forbidden_syscall.
    [[nodiscard]] std::string receive_forbidden_syscall();

    // SIGKILLs every process of the jail (cgroup.kill or PID-namespace init) and reaps init.
    void kill();
    // Reaps the init process if it exited (non-blocking when `block` is false). Returns true once
    // reaped; exit status and resource use are then available.
    bool reap(bool block);
    [[nodiscard]] int exit_code() const;   // -1 if killed by a signal
    [[nodiscard]] int term_signal() const; // 0 if exited
    // CPU time (user+sys) of the whole tree, peak RSS, and whether the memory limit was hit.
    [[nodiscard]] long cpu_ms() const;
    [[nodiscard]] long peak_rss_kb() const;
    [[nodiscard]] bool oom_killed() const;
    // Whether a cgroup counts the tree's CPU (else cpu_ms() is the reaped init's rusage) and
    // whether a memory cgroup limits it (else RLIMIT_AS is the memory limit).
    [[nodiscard]] bool accounts_cpu() const;
    [[nodiscard]] bool limits_memory() const;
    // strict, or weak when the host lacks namespaces and the spec allowed it.
    [[nodiscard]] Strength strength() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
    friend Expected<JailedProcess> spawn(const SpawnSpec& spec);
};

// Starts `spec.argv` in a fresh jail. Errors: the host lacks what `spec.strength` requires
// (message says what and how to fix it), a bind path is missing, or the set-up failed (message
// names the step and errno).
[[nodiscard]] Expected<JailedProcess> spawn(const SpawnSpec& spec);

// The outcome of one cold-path run.
struct RunResult {
    Verdict verdict = Verdict::internal_error;
    int exit_code = -1;
    int signal = 0;
    long cpu_ms = 0;
    long wall_ms = 0;
    long peak_rss_kb = 0;
    std::string stdout_text;
    std::string stderr_text;
    bool stdout_truncated = false;
    bool stderr_truncated = false;
    std::string forbidden_syscall; // set with Verdict::forbidden_syscall
    std::string message;           // why, in words, for anything but ok
    Strength strength = Strength::strict;
};

class Inbox; // sandbox/inbox.hpp

// Cold path: spawns `spec`, writes `stdin_data`, collects output under the caps (and what the
// program writes into `inbox`, whose program end the spec passes), enforces the wall limit, and
// returns the verdict. Never throws for anything the program does.
[[nodiscard]] RunResult run(const SpawnSpec& spec, const std::string& stdin_data = {},
                            Inbox* inbox = nullptr);

} // namespace assay::sandbox
