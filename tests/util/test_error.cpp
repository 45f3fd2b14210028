#include "util/error.hpp"

#include <doctest/doctest.h>

using namespace assay;

TEST_CASE("util::error: the kind of an error decides the exit code") {
    const Error input = fail_at("problems/x.toml:3", "missing key '{}'", "id").value();
    CHECK(input.kind == ErrorKind::bad_input);
    CHECK(input.exit_code() == ExitCode::bad_input);
    CHECK(input.describe() == "problems/x.toml:3: missing key 'id'");
    const Error env =
        fail_env_at("/out/sft.jsonl", "cannot write: {}", "No space left on device").value();
    CHECK(env.kind == ErrorKind::environment);
    CHECK(env.exit_code() == ExitCode::internal);
    CHECK(env.describe() == "/out/sft.jsonl: cannot write: No space left on device");
    CHECK(fail("bad flag").value().exit_code() == ExitCode::bad_input);
    CHECK(fail_env("clone: {}", "EPERM").value().exit_code() == ExitCode::internal);

    SUBCASE("value_or_throw ends the command with the error's own code") {
        CHECK(value_or_throw(Expected<int>(7)) == 7);
        try {
            value_or_throw(Expected<int>(fail_env("memfd_create: {}", "EMFILE")));
            FAIL("no exception");
        } catch (const FatalError& e) {
            CHECK(e.code() == ExitCode::internal);
            CHECK(std::string(e.what()) == "memfd_create: EMFILE");
        }
        try {
            value_or_throw(Expected<void>(fail_at("a.jsonl:2", "not JSON")));
            FAIL("no exception");
        } catch (const FatalError& e) {
            CHECK(e.code() == ExitCode::bad_input);
            CHECK(std::string(e.what()) == "a.jsonl:2: not JSON");
        }
    }
    SUBCASE("catching_fatal turns what a body threw back into its Error") {
        const Expected<int> fine = catching_fatal([]() -> Expected<int> { return 3; });
        CHECK(fine.value() == 3);
        const Expected<int> thrown = catching_fatal([]() -> Expected<int> {
            throw FatalError(Error{"disk full", "/db", ErrorKind::environment});
        });
        REQUIRE_FALSE(thrown);
        CHECK(thrown.error().describe() == "/db: disk full");
        CHECK(thrown.error().exit_code() == ExitCode::internal);
        const Expected<void> coded = catching_fatal([]() -> Expected<void> {
            throw FatalError(ExitCode::internal, Error{"SQLite: locked", {}});
        });
        CHECK(coded.error().exit_code() == ExitCode::internal);
    }
}
