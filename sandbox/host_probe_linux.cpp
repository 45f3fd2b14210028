#include "sandbox/host_probe.hpp"
#include "sandbox/jail.hpp"
#include "sandbox/kernel_compat.hpp"

#include <linux/filter.h>
#include <mutex>
#include <optional>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace assay::sandbox {

namespace {

// Runs `check` in a forked child and returns its exit status (-1 if it did not exit).
template <typename Check> int in_child(Check check) {
    const pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) ::_exit(check());
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool can_unshare(int flags) {
    return in_child([flags] { return ::unshare(flags) == 0 ? 0 : 1; }) == 0;
}

// 0: filter with listener installed; 1: only a plain filter; 2: no seccomp.
int seccomp_level() {
    return in_child([] {
        sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
        sock_fprog prog{1, allow};
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 2;
        if (sys::seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog) >= 0)
            return 0;
        return sys::seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 1 : 2;
    });
}

std::mutex probe_mutex;
std::optional<HostProbe> cached;

} // namespace

bool HostProbe::strict_possible() const {
    return gaps().empty();
}

std::vector<std::string> HostProbe::gaps() const {
    std::vector<std::string> missing;
    const std::pair<bool, const char*> needs[] = {
        {user_ns, "user namespaces"},     {pid_ns, "PID namespaces"},
        {mount_ns, "mount namespaces"},   {net_ns, "network namespaces"},
        {ipc_ns, "IPC namespaces"},       {uts_ns, "UTS namespaces"},
        {cgroup_ns, "cgroup namespaces"}, {seccomp, "seccomp filters"},
        {pidfd, "pidfds (Linux 5.3)"},
    };
    for (const auto& [ok, what] : needs)
        if (!ok) missing.emplace_back(what);
    return missing;
}

HostProbe probe_host() {
    HostProbe probe;
    probe.root = ::geteuid() == 0;
    probe.user_ns = can_unshare(CLONE_NEWUSER);
    const int user = probe.user_ns ? CLONE_NEWUSER : 0;
    probe.pid_ns = can_unshare(user | CLONE_NEWPID);
    probe.mount_ns = can_unshare(user | CLONE_NEWNS);
    probe.net_ns = can_unshare(user | CLONE_NEWNET);
    probe.ipc_ns = can_unshare(user | CLONE_NEWIPC);
    probe.uts_ns = can_unshare(user | CLONE_NEWUTS);
    probe.cgroup_ns = can_unshare(user | CLONE_NEWCGROUP);
    probe.cgroups = detect_cgroups();
    if (probe.cgroups.version != CgroupVersion::none)
        probe.cgroup_writable =
            Cgroup::create(fmt::format("assay-probe-{}", ::getpid()), Limits{}).has_value();
    const int level = seccomp_level();
    probe.seccomp = level == 0 || level == 1;
    probe.seccomp_notify = level == 0;
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
    probe.pidfd = pidfd >= 0;
    if (pidfd >= 0) ::close(pidfd);
    return probe;
}

const HostProbe& host_probe() {
    const std::lock_guard lock(probe_mutex);
    if (!cached) cached = probe_host();
    return *cached;
}

void override_host_probe_for_testing(const HostProbe& probe) {
    const std::lock_guard lock(probe_mutex);
    cached = probe;
}

bool is_executable(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

} // namespace assay::sandbox
