// JailedProcess: the supervisor's handle on a running jail (spawn_linux.cpp starts it).
#include "sandbox/jailed_process_state.hpp"
#include "sandbox/kernel_compat.hpp"
#include "sandbox/seccomp_policy.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <system_error>

namespace assay::sandbox {

namespace fs = std::filesystem;

void JailedProcess::State::kill() {
    if (!reaped && pidfd) {
        sys::pidfd_send_signal(pidfd.get(), SIGKILL);
        // Without a PID namespace the tree is the session the child created.
        if (strength == Strength::weak) ::kill(-pid, SIGKILL);
    }
    if (cgroup) cgroup->kill_all();
}

bool JailedProcess::State::reap(bool block) {
    if (reaped) return true;
    if (!pidfd) return false;
    siginfo_t info{};
    const int options = WEXITED | (block ? 0 : WNOHANG);
    int rc;
    while ((rc = sys::waitid_rusage(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()),
                                    &info, options, &usage)) < 0 &&
           errno == EINTR) {
    }
    if (rc < 0) {
        reaped = errno == ECHILD;
        return reaped;
    }
    if (info.si_pid == 0) return false;
    reaped = true;
    if (info.si_code == CLD_EXITED)
        exit_code = info.si_status;
    else
        term_signal = info.si_status;
    return true;
}

JailedProcess::State::~State() {
    kill();
    reap(true);
    if (!weak_dir.empty()) {
        std::error_code ec;
        fs::remove_all(weak_dir, ec);
    }
}

JailedProcess::JailedProcess() = default;
JailedProcess::JailedProcess(JailedProcess&&) noexcept = default;
JailedProcess& JailedProcess::operator=(JailedProcess&&) noexcept = default;
JailedProcess::~JailedProcess() = default;

pid_t JailedProcess::pid() const {
    return state_ ? state_->pid : -1;
}
int JailedProcess::pidfd() const {
    return state_ ? state_->pidfd.get() : -1;
}
int JailedProcess::stdin_fd() const {
    return state_ ? state_->stdin_fd.get() : -1;
}
int JailedProcess::stdout_fd() const {
    return state_ ? state_->stdout_fd.get() : -1;
}
int JailedProcess::stderr_fd() const {
    return state_ ? state_->stderr_fd.get() : -1;
}
int JailedProcess::notify_fd() const {
    return state_ ? state_->notify_fd.get() : -1;
}
void JailedProcess::close_stdin() {
    if (state_) state_->stdin_fd.reset();
}
Strength JailedProcess::strength() const {
    return state_ ? state_->strength : Strength::strict;
}

std::string JailedProcess::receive_forbidden_syscall() {
    if (!state_ || !state_->notify_fd) return {};
    seccomp_notif request{};
    if (::ioctl(state_->notify_fd.get(), SECCOMP_IOCTL_NOTIF_RECV, &request) != 0) return {};
    return syscall_name(request.data.arch, request.data.nr);
}

void JailedProcess::kill() {
    if (state_) state_->kill();
}
bool JailedProcess::reap(bool block) {
    return state_ && state_->reap(block);
}
int JailedProcess::exit_code() const {
    return state_ ? state_->exit_code : -1;
}
int JailedProcess::term_signal() const {
    return state_ ? state_->term_signal : 0;
}

long JailedProcess::cpu_ms() const {
    if (!state_) return 0;
    if (state_->cgroup && state_->cgroup->accounts_cpu()) {
        if (const long ms = state_->cgroup->cpu_ms(); ms >= 0) return ms;
    }
    const rusage& u = state_->usage;
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
           (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
}

long JailedProcess::peak_rss_kb() const {
    if (!state_) return 0;
    // The cgroup peak counts the whole tree but not pages first touched before the jail joined
    // it (shared libraries already in the page cache); the rusage peak is the largest process.
    const long group =
        state_->cgroup && state_->cgroup->limits_memory() ? state_->cgroup->peak_kb() : -1;
    return std::max(group, static_cast<long>(state_->usage.ru_maxrss));
}

bool JailedProcess::oom_killed() const {
    return state_ && state_->cgroup && state_->cgroup->oom_killed();
}

bool JailedProcess::accounts_cpu() const {
    return state_ && state_->cgroup && state_->cgroup->accounts_cpu();
}

bool JailedProcess::limits_memory() const {
    return state_ && state_->cgroup && state_->cgroup->limits_memory();
}

} // namespace assay::sandbox
