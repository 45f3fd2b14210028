#include "core/language.hpp"
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

namespace {

// doctest cannot print a function pointer.
template <typename Pointer> bool present(Pointer pointer) {
    return pointer != nullptr;
}

} // namespace

TEST_CASE("syntax::find_grammar: one registry of every grammar's tables") {
    using namespace assay::syntax;
    SUBCASE("each registered grammar once, found by its name") {
        REQUIRE(grammars().size() == 3);
        for (const Grammar* known : grammars()) {
            CHECK(find_grammar(known->name) == known);
            CHECK(present(known->parser));
            CHECK(present(known->function));
        }
        CHECK(find_grammar("ruby") == nullptr);
    }
    SUBCASE("what each grammar has") {
        const Grammar* python = find_grammar("python");
        REQUIRE(python != nullptr);
        CHECK(present(python->mutations));
        CHECK(present(python->scopes));
        CHECK(present(python->refactorings));
        CHECK(present(python->tests));
        const Grammar* javascript = find_grammar("javascript");
        REQUIRE(javascript != nullptr);
        CHECK(present(javascript->mutations));
        CHECK(present(javascript->scopes));
        CHECK(present(javascript->refactorings));
        CHECK(present(javascript->tests));
        CHECK(present(javascript->case_plan));
        CHECK_FALSE(javascript->declares_functions);
        const Grammar* cpp = find_grammar("cpp");
        REQUIRE(cpp != nullptr);
        CHECK(present(cpp->mutations));
        CHECK(present(cpp->scopes));
        CHECK(present(cpp->refactorings));
        CHECK(present(cpp->tests));
        CHECK(present(cpp->case_plan));
        CHECK(cpp->declares_functions);
        CHECK_FALSE(present(python->case_plan));
    }
    SUBCASE("every descriptor under languages/ names a registered grammar") {
        const auto languages = assay::load_languages();
        REQUIRE(languages);
        for (const assay::Language& language : *languages)
            CHECK_MESSAGE(find_grammar(language.grammar) != nullptr, language.name);
    }
}
