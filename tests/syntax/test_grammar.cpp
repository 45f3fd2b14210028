#include "syntax/grammar.hpp"

#include <doctest/doctest.h>

TEST_CASE("syntax::grammar") {
    using assay::syntax::grammar;
    SUBCASE("the three compiled grammars load with a supported ABI") {
        for (const char* name : {"python", "javascript", "cpp"}) {
            const TSLanguage* language = grammar(name);
            REQUIRE(language != nullptr);
            CHECK(ts_language_version(language) >= TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION);
            CHECK(ts_language_version(language) <= TREE_SITTER_LANGUAGE_VERSION);
        }
    }
    SUBCASE("unknown names have no grammar") {
        CHECK(grammar("ruby") == nullptr);
        CHECK(grammar("") == nullptr);
        CHECK(grammar("Python") == nullptr);
    }
}
