#include "sandbox/cgroup.hpp"
#include "sandbox/jail.hpp"
#include "util/file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/ranges.h>
#include <fstream>
#include <mutex>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace assay::sandbox {

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

Expected<void> write_text(const std::string& path, const std::string& text) {
    return util::write_control_file(path, text);
}

// The value after `key ` on its own line of a flat-keyed file (memory.events, cpu.stat).
long keyed_value(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    std::string name;
    long value = 0;
    while (in >> name >> value)
        if (name == key) return value;
    return -1;
}

long number_in(const std::string& path) {
    const std::string text = read_text(path);
    if (text.empty()) return -1;
    return std::strtol(text.c_str(), nullptr, 10);
}

bool has_word(const std::string& list, const std::string& word) {
    std::istringstream in(list);
    std::string item;
    while (in >> item)
        if (item == word) return true;
    return false;
}

struct Mount {
    std::string root;  // the hierarchy path mounted here
    std::string point; // where it is mounted
};

// Maps a cgroup path from /proc/self/cgroup onto a mount of its hierarchy.
std::string dir_of(const Mount& mount, const std::string& path) {
    if (mount.point.empty()) return {};
    std::string rel = path;
    if (mount.root != "/" && rel.rfind(mount.root, 0) == 0) rel = rel.substr(mount.root.size());
    if (rel == "/") rel.clear();
    return mount.point + rel;
}

constexpr const char* kSupervisorLeaf = "assay-supervisor";

// On pure v2 a group with processes cannot delegate controllers ("no internal processes"). As
// nsjail does, move ourselves into a leaf and create jail groups next to it.
void enable_v2_controllers(CgroupLayout& layout) {
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    const std::string available = read_text(layout.v2_dir + "/cgroup.controllers");
    const std::string control = layout.v2_dir + "/cgroup.subtree_control";
    auto enabled = [&] { return read_text(control); };
    for (const char* name : {"memory", "pids"}) {
        if (!has_word(available, name) || has_word(enabled(), name)) continue;
        if (write_text(control, fmt::format("+{}", name))) continue;
        const std::string leaf = layout.v2_dir + "/" + kSupervisorLeaf;
        if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) return;
        if (!write_text(leaf + "/cgroup.procs", "0")) return;
        (void)write_text(control, fmt::format("+{}", name));
    }
    layout.v2_memory = has_word(enabled(), "memory");
    layout.v2_pids = has_word(enabled(), "pids");
}

Expected<std::string> make_group(const std::string& parent, const std::string& name) {
    const std::string dir = parent + "/" + name;
    if (::mkdir(dir.c_str(), 0755) == 0) return dir;
    if (errno == EEXIST && ::rmdir(dir.c_str()) == 0 && ::mkdir(dir.c_str(), 0755) == 0) return dir;
    return fail_env("mkdir {}: {}", dir, std::strerror(errno));
}

} // namespace

CgroupLayout detect_cgroups() {
    Mount v2;
    Mount memory;
    Mount pids;
    Mount cpuacct;
    std::ifstream mountinfo("/proc/self/mountinfo");
    for (std::string line; std::getline(mountinfo, line);) {
        std::istringstream in(line);
        std::string id, parent, dev, root, point, field;
        in >> id >> parent >> dev >> root >> point;
        while (in >> field && field != "-") {
        }
        std::string fstype, source, options;
        in >> fstype >> source >> options;
        if (fstype == "cgroup2") v2 = {root, point};
        if (fstype != "cgroup") continue;
        std::istringstream opts(options);
        for (std::string opt; std::getline(opts, opt, ',');) {
            if (opt == "memory") memory = {root, point};
            if (opt == "pids") pids = {root, point};
            if (opt == "cpuacct") cpuacct = {root, point};
        }
    }
    CgroupLayout layout;
    std::ifstream self("/proc/self/cgroup");
    for (std::string line; std::getline(self, line);) {
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        if (controllers.empty()) {
            // Jail groups go next to our supervisor leaf, not inside it (see above).
            const std::string leaf = std::string("/") + kSupervisorLeaf;
            if (path.size() > leaf.size() && path.ends_with(leaf))
                path.resize(path.size() - leaf.size());
            layout.v2_dir = dir_of(v2, path);
            continue;
        }
        std::istringstream names(controllers);
        for (std::string name; std::getline(names, name, ',');) {
            if (name == "memory") layout.memory_v1 = dir_of(memory, path);
            if (name == "pids") layout.pids_v1 = dir_of(pids, path);
            if (name == "cpuacct") layout.cpuacct_v1 = dir_of(cpuacct, path);
        }
    }
    const bool any_v1 =
        !layout.memory_v1.empty() || !layout.pids_v1.empty() || !layout.cpuacct_v1.empty();
    if (!layout.v2_dir.empty()) {
        const std::string enabled = read_text(layout.v2_dir + "/cgroup.subtree_control");
        const std::string available = read_text(layout.v2_dir + "/cgroup.controllers");
        // Usable if already delegated, or if we may delegate it when creating the first group.
        layout.v2_memory = has_word(enabled, "memory") || has_word(available, "memory");
        layout.v2_pids = has_word(enabled, "pids") || has_word(available, "pids");
    }
    if (!layout.v2_dir.empty())
        layout.version = any_v1 ? CgroupVersion::hybrid : CgroupVersion::v2;
    else if (any_v1)
        layout.version = CgroupVersion::v1;
    return layout;
}

Expected<Cgroup> Cgroup::create(const std::string& name, const Limits& limits) {
    CgroupLayout layout = detect_cgroups();
    if (layout.version == CgroupVersion::none) return fail_env("no cgroup hierarchy is mounted");
    if (layout.v2_memory || layout.v2_pids) enable_v2_controllers(layout);

    Cgroup group;
    std::vector<std::string> errors;
    auto make = [&](const std::string& parent, std::string& out) {
        if (parent.empty()) return;
        auto dir = make_group(parent, name);
        if (dir)
            out = *dir;
        else
            errors.push_back(dir.error().message);
    };
    make(layout.v2_dir, group.v2_dir_);
    if (!layout.v2_memory) make(layout.memory_v1, group.v1_memory_);
    if (!layout.v2_pids) make(layout.pids_v1, group.v1_pids_);
    if (group.v2_dir_.empty()) make(layout.cpuacct_v1, group.v1_cpuacct_);
    if (group.v2_dir_.empty() && group.v1_memory_.empty() && group.v1_pids_.empty() &&
        group.v1_cpuacct_.empty())
        return fail_env("cannot create a cgroup: {}", fmt::join(errors, "; "));

    const long long memory = static_cast<long long>(limits.memory_mb) * 1024 * 1024;
    if (layout.v2_memory && !group.v2_dir_.empty()) {
        group.memory_dir_ = group.v2_dir_;
        group.memory_is_v2_ = true;
        ASSAY_TRY(write_text(group.v2_dir_ + "/memory.max", std::to_string(memory)));
        if (exists(group.v2_dir_ + "/memory.swap.max"))
            ASSAY_TRY(write_text(group.v2_dir_ + "/memory.swap.max", "0"));
        if (exists(group.v2_dir_ + "/memory.oom.group"))
            ASSAY_TRY(write_text(group.v2_dir_ + "/memory.oom.group", "1"));
    } else if (!group.v1_memory_.empty()) {
        group.memory_dir_ = group.v1_memory_;
        ASSAY_TRY(write_text(group.v1_memory_ + "/memory.limit_in_bytes", std::to_string(memory)));
        if (exists(group.v1_memory_ + "/memory.memsw.limit_in_bytes"))
            ASSAY_TRY(write_text(group.v1_memory_ + "/memory.memsw.limit_in_bytes",
                                 std::to_string(memory)));
    }
    group.pids_dir_ = layout.v2_pids && !group.v2_dir_.empty() ? group.v2_dir_ : group.v1_pids_;
    if (!group.pids_dir_.empty())
        ASSAY_TRY(write_text(group.pids_dir_ + "/pids.max", std::to_string(limits.pids)));
    group.cpu_is_v2_ = !group.v2_dir_.empty();
    group.cpu_dir_ = group.cpu_is_v2_ ? group.v2_dir_ : group.v1_cpuacct_;
    return group;
}

Cgroup::Cgroup(Cgroup&& other) noexcept {
    *this = std::move(other);
}

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept {
    if (this == &other) return *this;
    remove();
    v2_dir_ = std::exchange(other.v2_dir_, {});
    memory_dir_ = std::exchange(other.memory_dir_, {});
    pids_dir_ = std::exchange(other.pids_dir_, {});
    cpu_dir_ = std::exchange(other.cpu_dir_, {});
    v1_memory_ = std::exchange(other.v1_memory_, {});
    v1_pids_ = std::exchange(other.v1_pids_, {});
    v1_cpuacct_ = std::exchange(other.v1_cpuacct_, {});
    memory_is_v2_ = other.memory_is_v2_;
    cpu_is_v2_ = other.cpu_is_v2_;
    return *this;
}

Cgroup::~Cgroup() {
    remove();
}

Expected<void> Cgroup::add(pid_t pid) const {
    for (const std::string* dir : {&v2_dir_, &v1_memory_, &v1_pids_, &v1_cpuacct_})
        if (!dir->empty()) ASSAY_TRY(write_text(*dir + "/cgroup.procs", std::to_string(pid)));
    return {};
}

void Cgroup::kill_all() const {
    if (!v2_dir_.empty() && exists(v2_dir_ + "/cgroup.kill") &&
        write_text(v2_dir_ + "/cgroup.kill", "1"))
        return;
    // v1 has no atomic kill: a forking tree may add processes while we read, so repeat.
    for (const std::string* dir : {&v2_dir_, &v1_memory_, &v1_pids_, &v1_cpuacct_}) {
        if (dir->empty()) continue;
        for (int round = 0; round < 50; ++round) {
            std::istringstream procs(read_text(*dir + "/cgroup.procs"));
            bool any = false;
            for (pid_t pid = 0; procs >> pid; any = true)
                ::kill(pid, SIGKILL);
            if (!any) break;
        }
    }
}

long Cgroup::cpu_ms() const {
    if (cpu_dir_.empty()) return -1;
    if (cpu_is_v2_) {
        const long usec = keyed_value(read_text(cpu_dir_ + "/cpu.stat"), "usage_usec");
        return usec < 0 ? -1 : usec / 1000;
    }
    const long ns = number_in(cpu_dir_ + "/cpuacct.usage");
    return ns < 0 ? -1 : ns / 1'000'000;
}

long Cgroup::peak_kb() const {
    if (memory_dir_.empty()) return -1;
    const long bytes =
        number_in(memory_dir_ + (memory_is_v2_ ? "/memory.peak" : "/memory.max_usage_in_bytes"));
    return bytes < 0 ? -1 : bytes / 1024;
}

bool Cgroup::oom_killed() const {
    if (memory_dir_.empty()) return false;
    const std::string file = memory_is_v2_ ? "/memory.events" : "/memory.oom_control";
    return keyed_value(read_text(memory_dir_ + file), "oom_kill") > 0;
}

std::string Cgroup::describe() const {
    std::vector<std::string> parts;
    if (!v2_dir_.empty()) parts.push_back("v2:" + v2_dir_);
    if (!v1_memory_.empty()) parts.push_back("memory:" + v1_memory_);
    if (!v1_pids_.empty()) parts.push_back("pids:" + v1_pids_);
    if (!v1_cpuacct_.empty()) parts.push_back("cpuacct:" + v1_cpuacct_);
    return fmt::format("{}", fmt::join(parts, " "));
}

void Cgroup::remove() {
    if (v2_dir_.empty() && v1_memory_.empty() && v1_pids_.empty() && v1_cpuacct_.empty()) return;
    kill_all();
    for (std::string* dir : {&v2_dir_, &v1_memory_, &v1_pids_, &v1_cpuacct_}) {
        if (dir->empty()) continue;
        // Killed processes leave the group asynchronously; rmdir is EBUSY until they have.
        for (int attempt = 0; attempt < 200 && ::rmdir(dir->c_str()) != 0 && errno == EBUSY;
             ++attempt) {
            kill_all();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        dir->clear();
    }
}

} // namespace assay::sandbox
