#include "sandbox/kernel_compat.hpp"
#include "sandbox/mounts.hpp"
#include "sandbox/namespaces.hpp"
#include "util/file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <string>
#include <unistd.h>

namespace assay::sandbox {

namespace {

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

Expected<void> write_proc(pid_t pid, const char* file, const std::string& text) {
    return util::write_control_file(fmt::format("/proc/{}/{}", pid, file), text);
}

} // namespace

int jail_clone_namespaces() {
    return CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET;
}

uid_t outer_jail_uid() {
    return ::geteuid() == 0 ? kNobody : ::geteuid();
}
gid_t outer_jail_gid() {
    return ::geteuid() == 0 ? kNogroup : ::getegid();
}

Expected<void> write_id_maps(pid_t child) {
    // Without CAP_SETGID in our namespace the kernel requires setgroups to be denied first.
    if (::geteuid() != 0) ASSAY_TRY(write_proc(child, "setgroups", "deny"));
    ASSAY_TRY(write_proc(child, "uid_map", fmt::format("{} {} 1\n", kJailUid, outer_jail_uid())));
    ASSAY_TRY(write_proc(child, "gid_map", fmt::format("{} {} 1\n", kJailGid, outer_jail_gid())));
    return {};
}

int setup_uts() noexcept {
    static constexpr char kName[] = "assay";
    if (::sethostname(kName, sizeof kName - 1) != 0) return errno;
    if (::setdomainname(kName, sizeof kName - 1) != 0) return errno;
    return 0;
}

int become_jail_fs_user() noexcept {
    // setfs*id return the previous id, never an error: a second call tells whether it took.
    ::syscall(SYS_setfsgid, kJailGid);
    if (static_cast<gid_t>(::syscall(SYS_setfsgid, kJailGid)) != kJailGid) return EPERM;
    ::syscall(SYS_setfsuid, kJailUid);
    if (static_cast<uid_t>(::syscall(SYS_setfsuid, kJailUid)) != kJailUid) return EPERM;
    return 0;
}

} // namespace assay::sandbox
