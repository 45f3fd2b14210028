// Kernel constants and raw system calls the jail uses that older libc or kernel headers may lack.
// The one place for such fallbacks; every value is the kernel's ABI, not a guess.
#pragma once

#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef MNT_DETACH
#define MNT_DETACH 2
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_seccomp
#define SYS_seccomp 317
#endif

// x32 system calls are the x86_64 numbers with this bit set (same audit arch as x86_64).
inline constexpr long kX32SyscallBit = 0x40000000;

namespace assay::sandbox::sys {

// Thin wrappers: raw system calls, usable between clone and execve (no allocation, no glibc
// thread bookkeeping such as the set*id broadcast to other threads, which a cloned child lacks).
inline int pidfd_send_signal(int pidfd, int sig) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}
inline int close_range(unsigned first, unsigned last, unsigned flags) {
    return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
}
inline int seccomp(unsigned op, unsigned flags, void* args) {
    return static_cast<int>(::syscall(SYS_seccomp, op, flags, args));
}
inline int setresuid(uid_t r, uid_t e, uid_t s) {
    return static_cast<int>(::syscall(SYS_setresuid, r, e, s));
}
inline int setresgid(gid_t r, gid_t e, gid_t s) {
    return static_cast<int>(::syscall(SYS_setresgid, r, e, s));
}
inline int setgroups_none() {
    return static_cast<int>(::syscall(SYS_setgroups, 0, nullptr));
}
inline int pivot_root(const char* new_root, const char* put_old) {
    return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}
// waitid with the rusage argument glibc's wrapper omits.
inline int waitid_rusage(idtype_t type, id_t id, siginfo_t* info, int options, struct rusage* ru) {
    return static_cast<int>(::syscall(SYS_waitid, type, id, info, options, ru));
}

} // namespace assay::sandbox::sys
