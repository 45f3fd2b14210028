#include "sandbox/verdict.hpp"

#include <doctest/doctest.h>

TEST_CASE("sandbox::verdict names round-trip") {
    using assay::Verdict;
    for (Verdict v : {Verdict::ok, Verdict::compile_error, Verdict::runtime_error, Verdict::timeout,
                      Verdict::memory_limit, Verdict::output_limit, Verdict::forbidden_syscall,
                      Verdict::internal_error}) {
        CHECK(assay::parse_verdict(assay::to_string(v)) == v);
    }
    CHECK(assay::to_string(Verdict::forbidden_syscall) == "forbidden_syscall");
    CHECK_FALSE(assay::parse_verdict("passed").has_value());
    CHECK(assay::parse_test_verdict("timeout") == assay::TestVerdict::timeout);
}
