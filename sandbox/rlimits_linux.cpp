#include "sandbox/jail.hpp"
#include "sandbox/rlimits.hpp"
#include "sandbox/verdict_policy.hpp"

#include <cerrno>

namespace assay::sandbox {

RlimitPlan plan_rlimits(const Limits& limits, bool memory_cgroup) {
    constexpr rlim_t kMiB = rlim_t{1024} * 1024;
    const auto mib = [](int n) { return static_cast<rlim_t>(n) * kMiB; };
    // A backstop above the limit: the supervisor enforces the limit itself from the cgroup's
    // CPU count (its own kill: a timeout), so the kernel's tick-granular SIGKILL never races it.
    const rlim_t cpu_seconds = static_cast<rlim_t>((cpu_backstop_ms(limits.cpu_ms) + 999) / 1000);
    const rlim_t address_space =
        memory_cgroup ? mib(limits.memory_mb) * 2 + mib(1024) : mib(limits.memory_mb);
    RlimitPlan plan;
    // Never above the current hard limit: raising it would fail without privileges.
    auto set = [&plan](int resource, rlim_t value) {
        rlimit current{};
        if (::getrlimit(static_cast<__rlimit_resource>(resource), &current) == 0 &&
            current.rlim_max != RLIM_INFINITY && current.rlim_max < value)
            value = current.rlim_max;
        plan.entries[plan.count++] = {resource, {value, value}};
    };
    set(RLIMIT_CPU, cpu_seconds);
    set(RLIMIT_AS, address_space);
    set(RLIMIT_FSIZE, mib(limits.fsize_mb));
    set(RLIMIT_NOFILE, static_cast<rlim_t>(limits.nofile));
    set(RLIMIT_NPROC, static_cast<rlim_t>(limits.pids));
    set(RLIMIT_CORE, 0);
    set(RLIMIT_STACK, 8 * kMiB);
    set(RLIMIT_MEMLOCK, rlim_t{64} * 1024);
    return plan;
}

int apply_rlimits(const RlimitPlan& plan) noexcept {
    for (std::size_t i = 0; i < plan.count; ++i)
        if (::setrlimit(static_cast<__rlimit_resource>(plan.entries[i].resource),
                        &plan.entries[i].value) != 0)
            return errno;
    return 0;
}

} // namespace assay::sandbox
