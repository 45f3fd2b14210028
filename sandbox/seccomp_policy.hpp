// The jail's seccomp policy (SECURITY.md "Layers"), built with libseccomp in the
// supervisor and exported as classic BPF so the jailed child only has to install it.
#pragma once

#include "util/error.hpp"

#include <linux/filter.h>
#include <seccomp.h>
#include <string>
#include <utility>
#include <vector>

namespace assay::sandbox {

// Owns a libseccomp filter context (seccomp_release on destruction).
class SeccompFilter {
  public:
    explicit SeccompFilter(scmp_filter_ctx ctx) : ctx_(ctx) {}
    SeccompFilter(SeccompFilter&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}
    SeccompFilter& operator=(SeccompFilter&& other) noexcept {
        std::swap(ctx_, other.ctx_);
        return *this;
    }
    SeccompFilter(const SeccompFilter&) = delete;
    SeccompFilter& operator=(const SeccompFilter&) = delete;
    ~SeccompFilter() {
        if (ctx_ != nullptr) seccomp_release(ctx_);
    }
    [[nodiscard]] scmp_filter_ctx get() const { return ctx_; }

  private:
    scmp_filter_ctx ctx_;
};

// What the policy does with a dangerous call.
enum class Refusal {
    notify, // SECCOMP_RET_USER_NOTIF: the supervisor names the call and kills the jail
    kill,   // SECCOMP_RET_KILL_PROCESS (hosts without user notification): SIGSYS
};

// The policy for the native architecture:
// - an allowlist of what Python, glibc and ordinary programs need: ALLOW;
// - dangerous calls (ptrace, mount, bpf, keyctl, io_uring, namespace creation, sockets other
//   than AF_UNIX, TIOCSTI, personality changes, ...): `refusal`;
// - clone3: ENOSYS (its flags live in memory the filter cannot read; glibc falls back to clone,
//   whose flags it can); SysV IPC and POSIX message queues: EPERM;
// - calls aimed at another process (prlimit64, setpriority, sched_set*, ioprio_set with a pid
//   other than the caller's own) and fcntl F_SETOWN/F_SETOWN_EX/F_SETSIG/F_SETLEASE: EPERM;
// - anything else: ENOSYS (see seccomp_policy_linux.cpp for why not `refusal`);
// - other architectures (i386 `int 0x80`, x32 numbers): `refusal` too.
[[nodiscard]] Expected<SeccompFilter> build_policy(Refusal refusal);

// The policy exported as BPF, built once per process and refusal kind (thread-safe).
[[nodiscard]] Expected<std::vector<sock_filter>> policy_bpf(Refusal refusal);

// The names of the calls the policy refuses outright (for `assay doctor` and tests).
[[nodiscard]] std::vector<std::string> refused_syscalls();

// The name of syscall `nr` of audit architecture `arch` ("ptrace"), or "syscall <nr>".
[[nodiscard]] std::string syscall_name(unsigned arch, int nr);

} // namespace assay::sandbox
