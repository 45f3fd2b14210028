#include "sandbox/seccomp_policy.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <seccomp.h>

namespace sandbox = assay::sandbox;

TEST_CASE("sandbox::seccomp policy builds and exports") {
    for (auto refusal : {sandbox::Refusal::notify, sandbox::Refusal::kill}) {
        auto bpf = sandbox::policy_bpf(refusal);
        REQUIRE_MESSAGE(bpf, (bpf ? "" : bpf.error().message));
        CHECK(bpf->size() > 50);
        CHECK(bpf->size() < 4096); // BPF_MAXINSNS
        auto again = sandbox::policy_bpf(refusal);
        CHECK(again->size() == bpf->size());
    }
}

TEST_CASE("sandbox::seccomp refused list and names") {
    const auto refused = sandbox::refused_syscalls();
    for (const char* name : {"ptrace", "mount", "bpf", "keyctl", "perf_event_open", "userfaultfd",
                             "io_uring_setup", "unshare", "setns"})
        CHECK(std::find(refused.begin(), refused.end(), name) != refused.end());
    CHECK(sandbox::syscall_name(SCMP_ARCH_X86_64, 101) == "ptrace");
    CHECK(sandbox::syscall_name(SCMP_ARCH_X86_64, 99999) == "syscall 99999");
}
