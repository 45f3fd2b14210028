// spawn(): plan everything in the supervisor, clone, and let the child replay a linear list of
// named set-up steps (nsjail's containProc), seccomp last. Between clone and execve the child
// allocates nothing and throws nothing; a failure is (step, errno, op) written to a CLOEXEC pipe,
// whose EOF tells the supervisor that execve succeeded.
#include "sandbox/cgroup.hpp"
#include "sandbox/host_probe.hpp"
#include "sandbox/jail.hpp"
#include "sandbox/jailed_process_state.hpp"
#include "sandbox/kernel_compat.hpp"
#include "sandbox/mounts.hpp"
#include "sandbox/namespaces.hpp"
#include "sandbox/rlimits.hpp"
#include "sandbox/seccomp_policy.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/ranges.h>
#include <linux/capability.h>
#include <optional>
#include <poll.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace assay::sandbox {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxPassFds = 16;
constexpr uid_t kNobody = 65534;

enum class Step : std::uint8_t {
    parent_death,
    wait_for_parent,
    new_session,
    cgroup_namespace,
    hostname,
    file_ids,
    mounts,
    pivot_root,
    work_dir,
    descriptors,
    rlimits,
    credentials,
    parent_death_again,
    addresses,
    seccomp,
    execve,
};

constexpr const char* kStepNames[] = {
    "parent_death",       "wait_for_parent", "new_session", "cgroup_namespace",
    "hostname",           "file_ids",        "mounts",      "pivot_root",
    "work_dir",           "descriptors",     "rlimits",     "credentials",
    "parent_death_again", "addresses",       "seccomp",     "execve",
};

// What the child writes to the error pipe when a step fails.
struct ChildFailure {
    std::int32_t step;
    std::int32_t error;
    std::int32_t op; // index into the mount plan for Step::mounts
};

// Everything the child needs, prepared before clone.
struct ChildPlan {
    bool namespaces = true;
    MountPlan mounts;
    std::string weak_workdir;
    RlimitPlan rlimits;
    const std::vector<sock_filter>* seccomp = nullptr;
    bool seccomp_notify = false;
    bool fixed_addresses = false; // ADDR_NO_RANDOMIZE (SpawnSpec::randomize_addresses false)
    std::vector<const char*> argv;
    std::vector<const char*> envp;
    bool change_ids = true;  // setresuid/setresgid to uid/gid
    bool drop_groups = true; // setgroups(0, NULL)
    bool has_caps = true;    // may drop the bounding set
    uid_t uid = kJailUid;
    gid_t gid = kJailGid;
    // Inherited descriptors: slots[i] becomes fd i (0, 1, 2, then the pass fds).
    std::array<int, 3 + kMaxPassFds> slots{};
    std::size_t slot_count = 0;
    int sync_read = -1;
    int error_write = -1;
    int scm_write = -1;
};

// The child's control descriptors, renumbered by setup_descriptors.
struct ChildFds {
    int sync = -1;
    int error = -1;
    int scm = -1;
};

[[noreturn]] void report(const ChildFds& fds, Step step, int error, std::size_t op) noexcept {
    const ChildFailure failure{static_cast<std::int32_t>(step), error,
                               static_cast<std::int32_t>(op)};
    [[maybe_unused]] const ssize_t n = ::write(fds.error, &failure, sizeof failure);
    ::_exit(127);
}

int errno_of(long rc) noexcept {
    return rc < 0 ? errno : 0;
}

int die_with_parent() noexcept {
    return errno_of(::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0));
}

// The supervisor writes one byte once the id maps are written and we are in the cgroup; EOF
// means it died before that.
int wait_for_parent(const ChildFds& fds) noexcept {
    char go = 0;
    ssize_t n;
    while ((n = ::read(fds.sync, &go, 1)) < 0 && errno == EINTR) {
    }
    return n == 1 ? 0 : ESRCH;
}

// Changing ids clears the parent-death signal; re-arm it, then make sure the parent did not die
// in between (it holds the sync pipe open until we exec).
int die_with_parent_again(const ChildFds& fds) noexcept {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return errno;
    pollfd pfd{fds.sync, POLLIN, 0};
    if (::poll(&pfd, 1, 0) < 0) return errno;
    return (pfd.revents & (POLLHUP | POLLERR)) ? ESRCH : 0;
}

// Installs slots as 0, 1, 2, 3... and the control fds right after them (close-on-exec), then
// closes every other descriptor the child inherited from the supervisor.
int setup_descriptors(const ChildPlan& plan, ChildFds& fds) noexcept {
    const int control[3] = {fds.error, fds.scm, fds.sync};
    const int first_free = static_cast<int>(plan.slot_count) + 3;
    int moved[3 + kMaxPassFds + 3];
    std::size_t count = 0;
    // First out of the way (sources may sit on target numbers), then into place.
    for (std::size_t i = 0; i < plan.slot_count; ++i)
        if ((moved[count++] = ::fcntl(plan.slots[i], F_DUPFD_CLOEXEC, first_free)) < 0)
            return errno;
    for (int fd : control)
        if ((moved[count++] = ::fcntl(fd, F_DUPFD_CLOEXEC, first_free)) < 0) return errno;
    for (std::size_t i = 0; i < plan.slot_count; ++i)
        if (::dup2(moved[i], static_cast<int>(i)) < 0) return errno;
    const int base = static_cast<int>(plan.slot_count);
    for (int j = 0; j < 3; ++j)
        if (::dup3(moved[plan.slot_count + static_cast<std::size_t>(j)], base + j, O_CLOEXEC) < 0)
            return errno;
    fds = {base + 2, base, base + 1};
    return errno_of(sys::close_range(static_cast<unsigned>(first_free), ~0U, 0));
}

int drop_credentials(const ChildPlan& plan) noexcept {
    if (plan.drop_groups && sys::setgroups_none() != 0) return errno;
    for (int cap = 0; cap <= 63; ++cap)
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && plan.has_caps)
            return errno;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return errno;
    if (plan.change_ids) {
        if (sys::setresgid(plan.gid, plan.gid, plan.gid) != 0) return errno;
        if (sys::setresuid(plan.uid, plan.uid, plan.uid) != 0) return errno;
    }
    // In a user namespace without a mapped root, changing uid keeps capabilities; clear them.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capset, &header, data) != 0) return errno;
    return errno_of(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
}

int send_fd(int socket, int fd) noexcept {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    return errno_of(::sendmsg(socket, &msg, MSG_NOSIGNAL));
}

// Last step: from here on only the policy's calls work. The listener goes to the supervisor and
// is closed here, so the jailed program can never answer its own notifications.
int install_seccomp(const ChildPlan& plan, const ChildFds& fds) noexcept {
    sock_fprog prog{static_cast<unsigned short>(plan.seccomp->size()),
                    const_cast<sock_filter*>(plan.seccomp->data())};
    const unsigned flags = plan.seccomp_notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    const int listener = sys::seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (listener < 0) return errno;
    if (!plan.seccomp_notify) return 0;
    const int err = send_fd(fds.scm, listener);
    ::close(listener);
    return err;
}

[[noreturn]] void child_main(const ChildPlan& plan) noexcept {
    ChildFds fds{plan.sync_read, plan.error_write, plan.scm_write};
    std::size_t op = 0;
#define STEP(step, expr)                                                                           \
    do {                                                                                           \
        if (const int step_error_ = (expr)) report(fds, step, step_error_, op);                    \
    } while (0)

    STEP(Step::parent_death, die_with_parent());
    STEP(Step::wait_for_parent, wait_for_parent(fds));
    STEP(Step::new_session, errno_of(::setsid()));
    if (plan.namespaces) {
        STEP(Step::cgroup_namespace, errno_of(::unshare(CLONE_NEWCGROUP)));
        STEP(Step::hostname, setup_uts());
        STEP(Step::file_ids, become_jail_fs_user());
        STEP(Step::mounts, apply_mounts(plan.mounts, op));
        STEP(Step::pivot_root, enter_root(plan.mounts));
    } else {
        STEP(Step::work_dir, errno_of(::chdir(plan.weak_workdir.c_str())));
    }
    STEP(Step::descriptors, setup_descriptors(plan, fds));
    STEP(Step::rlimits, apply_rlimits(plan.rlimits));
    STEP(Step::credentials, drop_credentials(plan));
    STEP(Step::parent_death_again, die_with_parent_again(fds));
    if (plan.fixed_addresses) STEP(Step::addresses, errno_of(::personality(ADDR_NO_RANDOMIZE)));
    STEP(Step::seccomp, install_seccomp(plan, fds));
#undef STEP
    ::execve(plan.argv[0], const_cast<char* const*>(plan.argv.data()),
             const_cast<char* const*>(plan.envp.data()));
    report(fds, Step::execve, errno, 0);
}

Expected<util::FdPair> make_socketpair(int type) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0)
        return fail_env("socketpair: {}", std::strerror(errno));
    return util::FdPair{util::Fd(fds[0]), util::Fd(fds[1])};
}

Expected<util::Fd> open_null(int flags) {
    util::Fd fd(::open("/dev/null", flags | O_CLOEXEC));
    if (!fd) return fail_env("open /dev/null: {}", std::strerror(errno));
    return fd;
}

Expected<util::FdPair> make_pipe_checked() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail_env("pipe2: {}", std::strerror(errno));
    return util::FdPair{util::Fd(fds[0]), util::Fd(fds[1])};
}

std::string unique_name() {
    static std::atomic<unsigned> counter{0};
    return fmt::format("assay-{}-{}", ::getpid(), counter++);
}

// Weak jail only: "/work..." in argv and env point at the host scratch directory instead.
std::string rebase_work(const std::string& text, const std::string& dir) {
    const auto eq = text.find('=');
    const std::size_t at = text.rfind("/work", 0) == 0 ? 0
                           : (eq != std::string::npos && text.compare(eq + 1, 5, "/work") == 0)
                               ? eq + 1
                               : std::string::npos;
    if (at == std::string::npos) return text;
    const std::size_t end = at + 5;
    if (end < text.size() && text[end] != '/') return text;
    return text.substr(0, at) + dir + text.substr(end);
}

Expected<void> validate(const SpawnSpec& spec) {
    if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/')
        return fail("argv[0] must be an absolute path inside the jail");
    if (spec.pass_fds.size() > kMaxPassFds)
        return fail("at most {} pass_fds, got {}", kMaxPassFds, spec.pass_fds.size());
    for (const std::string& entry : spec.env)
        if (entry.find('=') == std::string::npos)
            return fail("environment entry '{}' is not NAME=VALUE", entry);
    const Limits& l = spec.limits;
    if (l.wall_ms <= 0 || l.cpu_ms <= 0 || l.memory_mb <= 0 || l.pids <= 0 || l.fsize_mb <= 0 ||
        l.tmpfs_mb <= 0 || l.tmpfs_inodes <= 0 || l.nofile <= 0 || l.output_bytes == 0)
        return fail("every limit must be positive");
    return {};
}

// ---- spawn's steps on the supervisor's side (the child's are child_main's).

// A strict jail needs every namespace; any jail needs seccomp.
Expected<void> check_host(const HostProbe& host, bool strict, Strength wanted) {
    if (!strict && wanted == Strength::strict)
        return fail_env(
            "this host cannot run the strict jail (missing: {}); pass --allow-weak-jail "
            "to run with rlimits, seccomp and a clean environment only",
            fmt::join(host.gaps(), ", "));
    if (!host.seccomp) return fail_env("seccomp filters are unavailable; refusing to run any jail");
    return {};
}

// Weak jail only: a host scratch directory stands for /work. `weak_dir` (the state's, removed
// with it) names it before any file is written, so a failure leaves nothing behind.
Expected<void> prepare_weak_jail(const SpawnSpec& spec, bool root, ChildPlan& plan,
                                 std::string& weak_dir, std::vector<std::string>& argv,
                                 std::vector<std::string>& env) {
    char dir[] = "/tmp/assay-weak-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return fail_env("mkdtemp: {}", std::strerror(errno));
    weak_dir = plan.weak_workdir = dir;
    for (const auto& [name, content] : spec.files) {
        if (name.empty() || name.find('/') != std::string::npos || name == "..")
            return fail("file name '{}' must be a plain name", name);
        std::FILE* out = std::fopen((plan.weak_workdir + "/" + name).c_str(), "wbx");
        if (out == nullptr) return fail_env("create {}: {}", name, std::strerror(errno));
        const bool ok = std::fwrite(content.data(), 1, content.size(), out) == content.size();
        if (std::fclose(out) != 0 || !ok) return fail_env("write {}", name);
    }
    for (std::string& arg : argv)
        arg = rebase_work(arg, plan.weak_workdir);
    for (std::string& entry : env)
        entry = rebase_work(entry, plan.weak_workdir);
    // Without a user namespace only root can change ids: then become nobody.
    plan.change_ids = plan.drop_groups = plan.has_caps = root;
    plan.uid = kNobody;
    plan.gid = kNobody;
    if (root) {
        for (const auto& entry : fs::recursive_directory_iterator(plan.weak_workdir))
            (void)::lchown(entry.path().c_str(), kNobody, kNobody);
        (void)::chown(plan.weak_workdir.c_str(), kNobody, kNobody);
    }
    return {};
}

// `strings` as execve wants them: pointers into them (which must outlive the clone), then null.
std::vector<const char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<const char*> out;
    out.reserve(strings.size() + 1);
    for (const std::string& s : strings)
        out.push_back(s.c_str());
    out.push_back(nullptr);
    return out;
}

// The jail's stdin: a stream socket whose write end is ours, or /dev/null.
Expected<void> open_stdin(bool pipe, util::Fd& ours, util::Fd& theirs) {
    if (pipe) {
        util::FdPair in = ASSAY_TRY(make_socketpair(SOCK_STREAM));
        ours = std::move(in.write);
        theirs = std::move(in.read);
    } else {
        theirs = ASSAY_TRY(open_null(O_RDONLY));
    }
    return {};
}

// One output stream of the jail: a pipe whose read end is ours (non-blocking), or /dev/null.
Expected<void> open_output(Output mode, util::Fd& ours, util::Fd& theirs) {
    if (mode == Output::null) {
        theirs = ASSAY_TRY(open_null(O_WRONLY));
        return {};
    }
    util::FdPair pipe = ASSAY_TRY(make_pipe_checked());
    ::fcntl(pipe.read.get(), F_SETFL, O_NONBLOCK);
    ours = std::move(pipe.read);
    theirs = std::move(pipe.write);
    return {};
}

// The channels between supervisor and child. The child's ends are only ever used by the child;
// ours are close-on-exec.
struct Channels {
    util::FdPair sync;   // "go", once the id maps are written and the child is in its cgroups
    util::FdPair errors; // a ChildFailure, or EOF once execve succeeded
    util::FdPair scm;    // the seccomp listener
    util::Fd child_stdin, child_stdout, child_stderr;

    void close_child_ends() {
        sync.read.reset();
        errors.write.reset();
        scm.write.reset();
        child_stdin.reset();
        child_stdout.reset();
        child_stderr.reset();
    }
};

// Opens every channel, in this order; our ends of stdio go to `our_*` (the state's).
Expected<void> open_channels(const SpawnSpec& spec, Channels& ch, util::Fd& our_stdin,
                             util::Fd& our_stdout, util::Fd& our_stderr) {
    ch.sync = ASSAY_TRY(make_pipe_checked());
    ch.errors = ASSAY_TRY(make_pipe_checked());
    ch.scm = ASSAY_TRY(make_socketpair(SOCK_SEQPACKET));
    ASSAY_TRY(open_stdin(spec.stdin_pipe, our_stdin, ch.child_stdin));
    ASSAY_TRY(open_output(spec.stdout_mode, our_stdout, ch.child_stdout));
    ASSAY_TRY(open_output(spec.stderr_mode, our_stderr, ch.child_stderr));
    return {};
}

// The child's descriptors by number: stdio as 0-2, then `pass_fds`; the control ends apart.
void plan_descriptors(ChildPlan& plan, const Channels& ch, const std::vector<int>& pass_fds) {
    plan.slots[0] = ch.child_stdin.get();
    plan.slots[1] = ch.child_stdout.get();
    plan.slots[2] = ch.child_stderr.get();
    plan.slot_count = 3;
    for (int fd : pass_fds)
        plan.slots[plan.slot_count++] = fd;
    plan.sync_read = ch.sync.read.get();
    plan.error_write = ch.errors.write.get();
    plan.scm_write = ch.scm.write.get();
}

// What the child waits for (step wait_for_parent): its id maps, its cgroups, then the byte.
Expected<void> release_child(bool strict, pid_t pid, const std::optional<Cgroup>& cgroup,
                             int sync_write) {
    if (strict) ASSAY_TRY(write_id_maps(pid));
    if (cgroup) ASSAY_TRY(cgroup->add(pid));
    const char go = 1;
    if (::write(sync_write, &go, 1) != 1)
        return fail_env("releasing the jail: {}", std::strerror(errno));
    return {};
}

// The child's report: EOF once execve succeeded, else the step (for mounts, the operation) that
// failed and its errno.
Expected<void> await_exec(int error_read, const MountPlan& mounts, const std::string& program) {
    ChildFailure failure{};
    ssize_t n;
    while ((n = ::read(error_read, &failure, sizeof failure)) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof failure)) {
        const auto step = static_cast<std::size_t>(failure.step);
        std::string what = step < std::size(kStepNames) ? kStepNames[step] : "unknown";
        if (step == static_cast<std::size_t>(Step::mounts) && failure.op >= 0 &&
            static_cast<std::size_t>(failure.op) < mounts.ops.size())
            what += " (" + mounts.ops[static_cast<std::size_t>(failure.op)].describe() + ")";
        if (step == static_cast<std::size_t>(Step::execve)) what += " " + program;
        return fail_env("jail set-up failed at step {}: {}", what, std::strerror(failure.error));
    }
    if (n != 0) return fail_env("jail set-up: short report from the child");
    return {};
}

// The seccomp listener the child sent before execve (install_seccomp).
Expected<util::Fd> receive_listener(int socket) {
    char byte;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(socket, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
        return fail_env("receiving the seccomp listener: {}", std::strerror(errno));
    const cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    if (cmsg == nullptr || cmsg->cmsg_type != SCM_RIGHTS)
        return fail_env("receiving the seccomp listener: no descriptor");
    int listener;
    std::memcpy(&listener, CMSG_DATA(cmsg), sizeof listener);
    return util::Fd(listener);
}

} // namespace

Expected<JailedProcess> spawn(const SpawnSpec& spec) {
    ASSAY_TRY(validate(spec));
    const HostProbe& host = host_probe();
    const bool strict = host.strict_possible();
    ASSAY_TRY(check_host(host, strict, spec.strength));

    auto state = std::make_unique<JailedProcess::State>();
    state->strength = strict ? Strength::strict : Strength::weak;
    if (host.cgroups.version != CgroupVersion::none && host.cgroup_writable)
        state->cgroup = ASSAY_TRY(Cgroup::create(
            spec.cgroup_name.empty() ? unique_name() : spec.cgroup_name, spec.limits));

    // The child reads the plan, and the strings and filter it points into, in its copy of this
    // frame: they live here, not in a helper's.
    ChildPlan plan;
    plan.namespaces = strict;
    std::vector<std::string> argv = spec.argv;
    std::vector<std::string> env = spec.env;
    if (strict)
        plan.mounts = ASSAY_TRY(plan_mounts(spec));
    else
        ASSAY_TRY(prepare_weak_jail(spec, host.root, plan, state->weak_dir, argv, env));
    plan.rlimits = plan_rlimits(spec.limits, state->cgroup && state->cgroup->limits_memory());
    const Refusal refusal = host.seccomp_notify ? Refusal::notify : Refusal::kill;
    auto bpf = ASSAY_TRY(policy_bpf(refusal));
    plan.seccomp = &bpf;
    plan.seccomp_notify = refusal == Refusal::notify;
    plan.fixed_addresses = !spec.randomize_addresses;
    plan.argv = c_strings(argv);
    plan.envp = c_strings(env);

    Channels channels;
    ASSAY_TRY(open_channels(spec, channels, state->stdin_fd, state->stdout_fd, state->stderr_fd));
    plan_descriptors(plan, channels, spec.pass_fds);

    const long flags = SIGCHLD | CLONE_PIDFD | (strict ? jail_clone_namespaces() : 0);
    int pidfd = -1;
    const long pid = ::syscall(SYS_clone, flags, nullptr, &pidfd, nullptr, nullptr);
    if (pid < 0) return fail_env("clone: {}", std::strerror(errno));
    if (pid == 0) child_main(plan);

    state->pid = static_cast<pid_t>(pid);
    state->pidfd.reset(pidfd);
    JailedProcess jail;
    jail.state_ = std::move(state); // from here on, any early return kills and reaps the child
    JailedProcess::State& st = *jail.state_;
    channels.close_child_ends();

    ASSAY_TRY(release_child(strict, st.pid, st.cgroup, channels.sync.write.get()));
    ASSAY_TRY(await_exec(channels.errors.read.get(), plan.mounts, spec.argv[0]));
    if (plan.seccomp_notify) st.notify_fd = ASSAY_TRY(receive_listener(channels.scm.read.get()));
    return jail;
}

} // namespace assay::sandbox
