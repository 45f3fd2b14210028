#include "sandbox/jail.hpp"
#include "sandbox/kernel_compat.hpp"
#include "sandbox/mounts.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace assay::sandbox {

namespace fs = std::filesystem;

namespace {

using Kind = MountOp::Kind;

constexpr unsigned long kReadOnlyBind = MS_RDONLY | MS_NOSUID | MS_NODEV;
constexpr unsigned long kScratch = MS_NOSUID | MS_NODEV;

// Host directories the staging tmpfs may cover in our private mount namespace.
constexpr const char* kStagingCandidates[] = {"/tmp", "/mnt", "/media", "/srv", "/opt", "/run"};

constexpr const char* kMaskedProcFiles[] = {
    "/proc/kallsyms", "/proc/kcore",         "/proc/sched_debug",   "/proc/timer_list",
    "/proc/keys",     "/proc/sysrq-trigger", "/proc/latency_stats", "/proc/kmsg"};

bool is_under(const std::string& path, const std::string& dir) {
    return path == dir || (path.rfind(dir, 0) == 0 && path[dir.size()] == '/');
}

class Planner {
  public:
    explicit Planner(std::string root) { plan_.root = std::move(root); }

    void op(Kind kind, const std::string& jail_path, std::string source = {},
            unsigned long flags = 0, const std::string* content = nullptr) {
        plan_.ops.push_back({kind, plan_.root + jail_path, std::move(source), flags, content});
    }
    // mkdir -p below the root, each directory once.
    void mkdirs(const std::string& jail_path) {
        fs::path so_far;
        for (const fs::path& part : fs::path(jail_path).relative_path()) {
            so_far /= part;
            const std::string dir = "/" + so_far.string();
            if (made_.insert(dir).second) op(Kind::mkdir, dir);
        }
    }
    void tmpfs(const std::string& jail_path, const std::string& options, unsigned long flags) {
        mkdirs(jail_path);
        op(Kind::tmpfs, jail_path, options, flags);
    }
    // Binds `host` at `jail_path` with `flags` added; a symlink becomes the same symlink.
    Expected<void> bind(const std::string& host, const std::string& jail_path,
                        unsigned long flags) {
        std::error_code ec;
        const fs::file_status status = fs::symlink_status(host, ec);
        if (ec || !fs::exists(status)) return fail_env("bind source {} does not exist", host);
        mkdirs(fs::path(jail_path).parent_path().string());
        if (fs::is_symlink(status)) {
            op(Kind::symlink, jail_path, fs::read_symlink(host, ec).string());
            if (ec) return fail_env("readlink {}: {}", host, ec.message());
            return {};
        }
        if (fs::is_directory(status))
            mkdirs(jail_path);
        else
            op(Kind::touch, jail_path);
        op(Kind::bind, jail_path, host, flags);
        return {};
    }
    MountPlan take() { return std::move(plan_); }

  private:
    MountPlan plan_;
    std::set<std::string> made_{"/"};
};

Expected<std::string> staging_root(const SpawnSpec& spec) {
    for (const char* dir : kStagingCandidates) {
        if (!fs::is_directory(dir)) continue;
        const bool covers_a_bind =
            std::any_of(spec.binds.begin(), spec.binds.end(),
                        [&](const Bind& b) { return is_under(b.host, dir); });
        if (!covers_a_bind) return std::string(dir);
    }
    return fail_env("no free staging directory for the jail root (tried /tmp, /mnt, ...)");
}

std::string tmpfs_options(const Limits& limits, const char* mode) {
    return fmt::format("size={}m,nr_inodes={},mode={},uid={},gid={}", limits.tmpfs_mb,
                       limits.tmpfs_inodes, mode, kJailUid, kJailGid);
}

// The flags a bind inherits that an unprivileged remount may not clear (EPERM otherwise).
unsigned long locked_flags(const char* path) {
    struct statfs st {};
    if (::statfs(path, &st) != 0) return 0;
    unsigned long flags = 0;
    const auto f = static_cast<unsigned long>(st.f_flags);
    if (f & ST_RDONLY) flags |= MS_RDONLY;
    if (f & ST_NOSUID) flags |= MS_NOSUID;
    if (f & ST_NODEV) flags |= MS_NODEV;
    if (f & ST_NOEXEC) flags |= MS_NOEXEC;
    if (f & ST_NOATIME) flags |= MS_NOATIME;
    if (f & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (f & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

int write_all(int fd, const std::string& content) noexcept {
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? errno : EIO;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return 0;
}

int apply(const MountOp& op) noexcept {
    const char* target = op.target.c_str();
    switch (op.kind) {
    case Kind::tmpfs:
        return ::mount("tmpfs", target, "tmpfs", op.flags, op.source.c_str()) == 0 ? 0 : errno;
    case Kind::proc:
        return ::mount("proc", target, "proc", op.flags, nullptr) == 0 ? 0 : errno;
    case Kind::mkdir:
        return ::mkdir(target, 0755) == 0 || errno == EEXIST ? 0 : errno;
    case Kind::touch: {
        const int fd = ::open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) return errno;
        ::close(fd);
        return 0;
    }
    case Kind::symlink:
        return ::symlink(op.source.c_str(), target) == 0 ? 0 : errno;
    case Kind::bind:
        if (::mount(op.source.c_str(), target, nullptr, MS_BIND | MS_REC, nullptr) != 0)
            return errno;
        [[fallthrough]];
    case Kind::remount: {
        const unsigned long flags = MS_BIND | MS_REMOUNT | op.flags | locked_flags(target);
        return ::mount(nullptr, target, nullptr, flags, nullptr) == 0 ? 0 : errno;
    }
    case Kind::write: {
        // Executable: a compiled program is one of the files.
        const int fd = ::open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0755);
        if (fd < 0) return errno;
        const int err = write_all(fd, *op.content);
        ::close(fd);
        return err;
    }
    }
    return EINVAL;
}

} // namespace

std::string MountOp::describe() const {
    switch (kind) {
    case Kind::tmpfs:
        return fmt::format("mount tmpfs at {} ({})", target, source);
    case Kind::proc:
        return fmt::format("mount proc at {}", target);
    case Kind::mkdir:
        return fmt::format("mkdir {}", target);
    case Kind::touch:
        return fmt::format("create {}", target);
    case Kind::symlink:
        return fmt::format("symlink {} -> {}", target, source);
    case Kind::bind:
        return fmt::format("bind {} at {}", source, target);
    case Kind::remount:
        return fmt::format("remount {}", target);
    case Kind::write:
        return fmt::format("write {}", target);
    }
    return "unknown mount step";
}

Expected<MountPlan> plan_mounts(const SpawnSpec& spec) {
    Planner plan(ASSAY_TRY(staging_root(spec)));
    plan.op(Kind::tmpfs, "", "size=1m,nr_inodes=1024,mode=0755", kScratch);

    std::vector<Bind> binds = spec.binds;
    std::sort(binds.begin(), binds.end(),
              [](const Bind& a, const Bind& b) { return a.jail < b.jail; });
    for (const Bind& bind : binds) {
        if (bind.jail.empty() || bind.jail[0] != '/' || bind.jail.find("..") != std::string::npos)
            return fail("bind target '{}' must be an absolute path without '..'", bind.jail);
        ASSAY_TRY(plan.bind(bind.host, bind.jail, bind.writable ? kScratch : kReadOnlyBind));
    }

    plan.tmpfs("/dev", "size=64k,nr_inodes=64,mode=0755", MS_NOSUID | MS_NOEXEC);
    for (const char* dev : {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"})
        ASSAY_TRY(plan.bind(dev, dev, MS_NOSUID | MS_NOEXEC));
    plan.op(Kind::symlink, "/dev/fd", "/proc/self/fd");
    plan.op(Kind::symlink, "/dev/stdin", "/proc/self/fd/0");
    plan.op(Kind::symlink, "/dev/stdout", "/proc/self/fd/1");
    plan.op(Kind::symlink, "/dev/stderr", "/proc/self/fd/2");
    plan.tmpfs("/dev/shm", tmpfs_options(spec.limits, "1777"), kScratch);
    plan.op(Kind::remount, "/dev", {}, MS_RDONLY | MS_NOSUID | MS_NOEXEC);
    plan.tmpfs("/tmp", tmpfs_options(spec.limits, "1777"), kScratch);
    plan.tmpfs("/work", tmpfs_options(spec.limits, "0755"), kScratch);
    for (const auto& [name, content] : spec.files) {
        if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
            return fail("file name '{}' must be a plain name", name);
        plan.op(Kind::write, "/work/" + name, {}, 0, &content);
    }
    plan.mkdirs("/proc");
    plan.op(Kind::proc, "/proc", {}, MS_NOSUID | MS_NODEV | MS_NOEXEC);
    // Global kernel state a fresh procfs still shows (as container runtimes do, mask it).
    for (const char* file : kMaskedProcFiles)
        if (fs::exists(file))
            plan.op(Kind::bind, file, "/dev/null", MS_RDONLY | MS_NOSUID | MS_NOEXEC);
    MountPlan out = plan.take();
    out.workdir = spec.workdir.empty() ? "/work" : spec.workdir;
    return out;
}

int apply_mounts(const MountPlan& plan, std::size_t& failed_op) noexcept {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno;
    for (std::size_t i = 0; i < plan.ops.size(); ++i) {
        if (const int err = apply(plan.ops[i])) {
            failed_op = i;
            return err;
        }
    }
    return 0;
}

int enter_root(const MountPlan& plan) noexcept {
    // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only ours.
    if (::chdir(plan.root.c_str()) != 0) return errno;
    if (sys::pivot_root(".", ".") != 0) return errno;
    if (::umount2(".", MNT_DETACH) != 0) return errno;
    if (::chdir("/") != 0) return errno;
    const unsigned long ro = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;
    if (::mount(nullptr, "/", nullptr, ro, nullptr) != 0) return errno;
    if (::chdir(plan.workdir.c_str()) != 0) return errno;
    return 0;
}

} // namespace assay::sandbox
