#include "util/string.hpp"

#include <doctest/doctest.h>
#include <vector>

using assay::util::nearest;
using assay::util::one_of;

TEST_CASE("util::one_of") {
    CHECK(one_of(std::vector<std::string>{}).empty());
    CHECK(one_of(std::vector<std::string>{"a"}) == "a");
    CHECK(one_of(std::vector<std::string>{"a", "b"}) == "a or b");
    CHECK(one_of(std::vector<std::string>{"a", "b", "c"}) == "a, b or c");
}

TEST_CASE("util::nearest") {
    const std::vector<std::string> keys{"limit", "llm-url", "model", "mutants-per-problem",
                                        "seed",  "jobs"};
    SUBCASE("a typo finds the key it meant") {
        CHECK(nearest("limt", keys) == "limit");
        CHECK(nearest("llm_url", keys) == "llm-url");
        CHECK(nearest("mutants-per-problems", keys) == "mutants-per-problem");
        CHECK(nearest("sed", keys) == "seed");
    }
    SUBCASE("nothing close gives nothing") {
        CHECK(nearest("temperature", keys).empty());
        CHECK(nearest("x", keys).empty());
        CHECK(nearest("anything", std::vector<std::string>{}).empty());
    }
    SUBCASE("the closest wins") {
        CHECK(nearest("mode", std::vector<std::string>{"mode1", "model", "mode"}) == "mode");
    }
}
