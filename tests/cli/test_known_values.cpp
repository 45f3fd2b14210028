#include "cli/known_values.hpp"

#include <doctest/doctest.h>

using assay::cli::check_known;

TEST_CASE("cli::check_known") {
    const std::vector<std::string> known{"javascript", "python"};
    CHECK(check_known("--language", "python", known));
    SUBCASE("an unknown value lists the known ones and the likely one") {
        const auto r = check_known("--language", "pyton", known);
        REQUIRE(!r);
        CHECK(r.error().message ==
              "unknown --language 'pyton' (did you mean 'python'? known: javascript or python)");
        CHECK(r.error().exit_code() == assay::ExitCode::bad_input);
    }
    SUBCASE("nothing close: only the list") {
        const auto r = check_known("--language", "cobol", known);
        REQUIRE(!r);
        CHECK(r.error().message == "unknown --language 'cobol' (known: javascript or python)");
    }
    SUBCASE("an empty set says so") {
        const auto r = check_known("--kind", "x", {});
        REQUIRE(!r);
        CHECK(r.error().message == "unknown --kind 'x' (known: none)");
    }
}
