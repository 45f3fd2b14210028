// Resource limits of the jailed process: the floor that holds even without cgroups (SECURITY.md
// "Layers"). Planned by the supervisor, applied by the child with setrlimit only.
#pragma once

#include <array>
#include <cstddef>
#include <sys/resource.h>

namespace assay::sandbox {

struct Limits;

struct RlimitPlan {
    struct Entry {
        int resource;
        rlimit value;
    };
    std::array<Entry, 8> entries{};
    std::size_t count = 0;
};

// CPU (soft = hard, so the kernel sends SIGKILL, not a catchable SIGXCPU; a backstop at
// cpu_backstop_ms, above the limit the supervisor enforces from the cgroup count), AS, FSIZE,
// NOFILE, NPROC, CORE = 0, STACK and MEMLOCK. With a memory cgroup the cgroup is the real memory
// limit and RLIMIT_AS only a generous backstop (address space is not memory: thread stacks and
// allocator arenas reserve far more than they touch); without one RLIMIT_AS is the limit.
[[nodiscard]] RlimitPlan plan_rlimits(const Limits& limits, bool memory_cgroup);

// Child side: applies the plan. Returns 0 or an errno.
int apply_rlimits(const RlimitPlan& plan) noexcept;

} // namespace assay::sandbox
