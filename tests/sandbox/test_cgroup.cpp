#include "sandbox/cgroup.hpp"
#include "sandbox/jail.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sandbox = assay::sandbox;

TEST_CASE("sandbox::Cgroup limits, accounts and kills a tree") {
    const sandbox::CgroupLayout layout = sandbox::detect_cgroups();
    if (layout.version == sandbox::CgroupVersion::none) {
        MESSAGE("no cgroups on this host");
        return;
    }
    sandbox::Limits limits;
    limits.memory_mb = 96;
    limits.pids = 7;
    const std::string name = "assay-test-cgroup-" + std::to_string(::getpid());
    auto group = sandbox::Cgroup::create(name, limits);
    REQUIRE_MESSAGE(group, (group ? "" : group.error().message));
    CHECK(group->describe().find(name) != std::string::npos);

    const pid_t child = ::fork();
    if (child == 0) {
        for (;;)
            ::pause();
    }
    REQUIRE(group->add(child));
    if (group->accounts_cpu()) CHECK(group->cpu_ms() >= 0);
    if (group->limits_memory()) {
        CHECK_FALSE(group->oom_killed());
        CHECK(group->peak_kb() >= 0);
    }
    group->kill_all();
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    { auto moved = std::move(*group); }
    for (const std::string& dir :
         {layout.v2_dir, layout.memory_v1, layout.pids_v1, layout.cpuacct_v1})
        if (!dir.empty()) CHECK_FALSE(std::filesystem::exists(dir + "/" + name));
}

TEST_CASE("sandbox::detect_cgroups finds our own groups") {
    const sandbox::CgroupLayout layout = sandbox::detect_cgroups();
    if (layout.version == sandbox::CgroupVersion::none) return;
    for (const std::string& dir :
         {layout.v2_dir, layout.memory_v1, layout.pids_v1, layout.cpuacct_v1})
        if (!dir.empty()) CHECK(std::filesystem::exists(dir + "/cgroup.procs"));
}
