#include "sandbox/kernel_compat.hpp"
#include "sandbox/seccomp_policy.hpp"
#include "util/fd.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace assay::sandbox {

namespace {

// What Python (threads, subprocess, multiprocessing via fork), glibc and ordinary compiled
// programs need. Names unknown to the native architecture are skipped.
constexpr std::array kAllowed = std::to_array<std::string_view>({
    // files and descriptors
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "open",
    "openat",
    "openat2",
    "creat",
    "close",
    "close_range",
    "stat",
    "fstat",
    "lstat",
    "newfstatat",
    "statx",
    "statfs",
    "fstatfs",
    "lseek",
    "access",
    "faccessat",
    "faccessat2",
    "dup",
    "dup2",
    "dup3",
    "flock",
    "fsync",
    "fdatasync",
    "truncate",
    "ftruncate",
    "fallocate",
    "fadvise64",
    "readahead",
    "getdents",
    "getdents64",
    "getcwd",
    "chdir",
    "fchdir",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "rmdir",
    "link",
    "linkat",
    "unlink",
    "unlinkat",
    "symlink",
    "symlinkat",
    "readlink",
    "readlinkat",
    "chmod",
    "fchmod",
    "fchmodat",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "umask",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "mknod",
    "mknodat",
    "sendfile",
    "copy_file_range",
    "splice",
    "tee",
    "pipe",
    "pipe2",
    "memfd_create",
    "eventfd",
    "eventfd2",
    "timerfd_create",
    "timerfd_settime",
    "timerfd_gettime",
    "signalfd",
    "signalfd4",
    "inotify_init",
    "inotify_init1",
    "inotify_add_watch",
    "inotify_rm_watch",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    // polling
    "select",
    "pselect6",
    "poll",
    "ppoll",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    // memory
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "msync",
    "mincore",
    "mlock",
    "munlock",
    "membarrier",
    "get_mempolicy",
    // processes and threads (clone is conditional, below)
    "fork",
    "vfork",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "wait4",
    "waitid",
    "set_tid_address",
    "set_robust_list",
    "get_robust_list",
    "futex",
    "futex_waitv",
    "rseq",
    "arch_prctl",
    "prctl",
    "sched_yield",
    "sched_getaffinity",
    "sched_getparam",
    "sched_getscheduler",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getattr",
    "getcpu",
    "getpriority",
    "restart_syscall",
    "pidfd_open",
    "pidfd_send_signal",
    // signals (confined to the jail's PID namespace)
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigpending",
    "rt_sigtimedwait",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "sigaltstack",
    "kill",
    "tkill",
    "tgkill",
    "pause",
    "alarm",
    "getitimer",
    "setitimer",
    // identity (ids can only be changed to ids already held: no capabilities inside)
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "getpgrp",
    "getpgid",
    "setpgid",
    "getsid",
    "setsid",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setfsuid",
    "setfsgid",
    "capget",
    "uname",
    // time and limits
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "times",
    "getrlimit",
    "setrlimit",
    "getrusage",
    "sysinfo",
    "getrandom",
    // sockets (socket and socketpair are conditional, below); no network namespace devices
    "connect",
    "accept",
    "accept4",
    "bind",
    "listen",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "shutdown",
    "getsockname",
    "getpeername",
    "setsockopt",
    "getsockopt",
});

// Calls with no business in a candidate: the jail is killed and the call named.
constexpr std::array kRefused = std::to_array<std::string_view>({
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "open_by_handle_at",
    "name_to_handle_at",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
    "quotactl",
    "quotactl_fd",
    "syslog",
    "iopl",
    "ioperm",
    "fanotify_init",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "pidfd_getfd",
    "kcmp",
    "lookup_dcookie",
    "modify_ldt",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "vhangup",
});

// Refused politely: the jail has its own IPC namespace, but SysV shared memory and message
// queues are memory outside the tmpfs caps; programs handle EPERM.
constexpr std::array kPermissionDenied = std::to_array<std::string_view>({
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
});

constexpr std::uint64_t kLow32 = 0xffffffffULL;
constexpr std::uint32_t kIoprioWhoProcess = 1; // IOPRIO_WHO_PROCESS

// (mask, value) pairs whose union is exactly the 32-bit values not in `values`: x matches a
// pair when (x & mask) == value. libseccomp allows one comparison per argument per rule, so
// "not in {a, b}" is spelled as the leaves of a binary trie that no value of the set reaches.
// Comparing 32 bits matters: the kernel truncates int/unsigned arguments, so a 64-bit compare
// of 0x1_00005412 would miss TIOCSTI.
void complement32(std::uint32_t prefix, int depth, const std::vector<std::uint32_t>& values,
                  std::vector<std::pair<std::uint64_t, std::uint64_t>>& out) {
    const std::uint64_t mask = depth == 0 ? 0 : (kLow32 << (32 - depth)) & kLow32;
    if (values.empty()) {
        out.emplace_back(mask, prefix);
        return;
    }
    if (depth == 32) return;
    const std::uint32_t bit = 1U << (31 - depth);
    std::vector<std::uint32_t> zeros, ones;
    for (std::uint32_t v : values)
        (v & bit ? ones : zeros).push_back(v);
    complement32(prefix, depth + 1, zeros, out);
    complement32(prefix | bit, depth + 1, ones, out);
}

std::vector<std::pair<std::uint64_t, std::uint64_t>>
complement32(const std::vector<std::uint32_t>& values) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    complement32(0, 0, values, out);
    return out;
}

class PolicyBuilder {
  public:
    explicit PolicyBuilder(scmp_filter_ctx ctx) : ctx_(ctx) {}

    Expected<void> add(std::uint32_t action, std::string_view name,
                       const std::vector<scmp_arg_cmp>& args = {}) {
        const int nr = seccomp_syscall_resolve_name(std::string(name).c_str());
        if (nr == __NR_SCMP_ERROR) return {}; // not a call of this architecture
        const int rc = seccomp_rule_add_array(ctx_, action, nr, static_cast<unsigned>(args.size()),
                                              args.empty() ? nullptr : args.data());
        if (rc != 0) return fail_env("seccomp rule for {}: {}", name, std::strerror(-rc));
        return {};
    }

    // `name` with argument `arg` (low 32 bits) in `values` gets `in`, otherwise `out`.
    Expected<void> split32(std::string_view name, unsigned arg,
                           const std::vector<std::uint32_t>& values, std::uint32_t in,
                           std::uint32_t out) {
        for (std::uint32_t v : values)
            ASSAY_TRY(add(in, name, {SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, kLow32, v)}));
        for (auto [mask, value] : complement32(values))
            ASSAY_TRY(add(out, name, {SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, value)}));
        return {};
    }

    // `name` is allowed only when every listed argument (low 32 bits) has the listed value;
    // any other call gets `otherwise`. The rules do not overlap: allow when all match, else
    // `otherwise` for "the first j arguments match and argument j does not", for each j.
    Expected<void> only(std::string_view name,
                        const std::vector<std::pair<unsigned, std::uint32_t>>& required,
                        std::uint32_t otherwise) {
        std::vector<scmp_arg_cmp> prefix;
        for (auto [arg, value] : required) {
            for (auto [mask, bits] : complement32({value})) {
                std::vector<scmp_arg_cmp> rule = prefix;
                rule.push_back(SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, bits));
                ASSAY_TRY(add(otherwise, name, rule));
            }
            prefix.push_back(SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, kLow32, value));
        }
        return add(SCMP_ACT_ALLOW, name, prefix);
    }

  private:
    scmp_filter_ctx ctx_;
};

} // namespace

Expected<SeccompFilter> build_policy(Refusal refusal) {
    // Default ENOSYS rather than refusal: an unlisted call is far more often a new, harmless
    // libc habit (clone3, faccessat2, statx were once) than an attack, and ENOSYS is what libc
    // and interpreters already handle by falling back. Refusing it still denies it; killing a
    // correct solution over it would mislabel data. Known-dangerous calls are listed and kill.
    SeccompFilter filter(seccomp_init(SCMP_ACT_ERRNO(ENOSYS)));
    if (filter.get() == nullptr) return fail_env("seccomp_init failed");
    const std::uint32_t refuse =
        refusal == Refusal::notify ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS;
    // Calls of a foreign architecture (i386 `int 0x80`, x32 numbers) go to the listener too,
    // which names them: then only the listener says forbidden_syscall, and a SIGSYS the program
    // sends itself is a plain runtime_error.
    if (int rc = seccomp_attr_set(filter.get(), SCMP_FLTATR_ACT_BADARCH, refuse))
        return fail_env("seccomp bad-arch action: {}", std::strerror(-rc));
    PolicyBuilder policy(filter.get());
    for (std::string_view name : kAllowed)
        ASSAY_TRY(policy.add(SCMP_ACT_ALLOW, name));
    for (std::string_view name : kRefused)
        ASSAY_TRY(policy.add(refuse, name));
    for (std::string_view name : kPermissionDenied)
        ASSAY_TRY(policy.add(SCMP_ACT_ERRNO(EPERM), name));
    // clone3 gets the default ENOSYS (libseccomp rejects a rule equal to the default action).

    // clone: threads and processes yes, new namespaces no. (CLONE_NEWTIME shares its bit with
    // the exit signal in clone's flags and only exists for clone3/unshare.)
    constexpr std::uint64_t kNamespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                          CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                          CLONE_NEWCGROUP;
    ASSAY_TRY(policy.add(SCMP_ACT_ALLOW, "clone", {SCMP_A0(SCMP_CMP_MASKED_EQ, kNamespaces, 0)}));
    for (std::uint64_t bit = 1; bit != 0; bit <<= 1)
        if (kNamespaces & bit)
            ASSAY_TRY(policy.add(refuse, "clone", {SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit)}));

    // Sockets: AF_UNIX only (there is no network in the jail; the rest is kernel surface).
    for (const char* name : {"socket", "socketpair"}) {
        ASSAY_TRY(policy.add(SCMP_ACT_ALLOW, name, {SCMP_A0(SCMP_CMP_EQ, AF_UNIX)}));
        ASSAY_TRY(policy.add(refuse, name, {SCMP_A0(SCMP_CMP_NE, AF_UNIX)}));
    }
    // ioctl: everything but pushing input into a terminal (TIOCSTI) or console tricks.
    ASSAY_TRY(policy.split32("ioctl", 1, {TIOCSTI, TIOCLINUX}, refuse, SCMP_ACT_ALLOW));
    // Calls aimed at another process of the jail (in the fast path: the zygote, which outlives
    // the job) are refused with EPERM: a job may change its own limits, priority, affinity and
    // scheduling, never another process's (SECURITY.md "The fast path").
    constexpr std::uint32_t kEperm = SCMP_ACT_ERRNO(EPERM);
    ASSAY_TRY(policy.only("prlimit64", {{0, 0}}, kEperm)); // pid 0: itself
    ASSAY_TRY(policy.only("setpriority", {{0, PRIO_PROCESS}, {1, 0}}, kEperm));
    for (const char* name :
         {"sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr"})
        ASSAY_TRY(policy.only(name, {{0, 0}}, kEperm));
    ASSAY_TRY(policy.only("ioprio_set", {{0, kIoprioWhoProcess}, {1, 0}}, kEperm));
    // fcntl: no owner, signal or lease on a descriptor (a pipe it shares with a process that
    // outlives it would signal or slow that process, or carry a value to the next job).
    ASSAY_TRY(policy.split32("fcntl", 1, {F_SETOWN, F_SETSIG, F_SETOWN_EX, F_SETLEASE}, kEperm,
                             SCMP_ACT_ALLOW));
    // personality: only the query (0xffffffff) and PER_LINUX (0); no READ_IMPLIES_EXEC etc.
    ASSAY_TRY(policy.split32("personality", 0, {0, 0xffffffffU}, SCMP_ACT_ALLOW, refuse));
    return filter;
}

Expected<std::vector<sock_filter>> policy_bpf(Refusal refusal) {
    static std::mutex mutex;
    static std::map<Refusal, std::vector<sock_filter>> cache;
    const std::lock_guard lock(mutex);
    if (auto it = cache.find(refusal); it != cache.end()) return it->second;

    SeccompFilter filter = ASSAY_TRY(build_policy(refusal));
    // libseccomp 2.5 exports only to a file descriptor.
    util::Fd memfd(::memfd_create("assay-seccomp", MFD_CLOEXEC));
    if (!memfd) return fail_env("memfd_create: {}", std::strerror(errno));
    if (int rc = seccomp_export_bpf(filter.get(), memfd.get()))
        return fail_env("seccomp_export_bpf: {}", std::strerror(-rc));
    const off_t size = ::lseek(memfd.get(), 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0)
        return fail_env("seccomp_export_bpf produced {} bytes", size);
    std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (::pread(memfd.get(), program.data(), static_cast<std::size_t>(size), 0) != size)
        return fail_env("reading the exported seccomp filter: {}", std::strerror(errno));
    return cache.emplace(refusal, std::move(program)).first->second;
}

std::vector<std::string> refused_syscalls() {
    std::vector<std::string> names(kRefused.begin(), kRefused.end());
    for (const char* name :
         {"clone (namespace flags)", "socket (not AF_UNIX)", "socketpair (not AF_UNIX)",
          "ioctl (TIOCSTI, TIOCLINUX)", "personality (other than 0 and query)"})
        names.emplace_back(name);
    return names;
}

std::string syscall_name(unsigned arch, int nr) {
    std::unique_ptr<char, decltype(&std::free)> name(seccomp_syscall_resolve_num_arch(arch, nr),
                                                     &std::free);
    if (name) return name.get();
    return fmt::format("syscall {}", nr);
}

} // namespace assay::sandbox
