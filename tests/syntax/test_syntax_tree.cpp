#include "support.hpp"
#include "support/temp_dir.hpp"
#include "syntax/syntax_tree.hpp"

#include <chrono>
#include <doctest/doctest.h>

using assay::syntax::SyntaxTree;

TEST_CASE("syntax::syntax_tree") {
    SUBCASE("parse keeps source and tree together, also after a move") {
        auto parsed = SyntaxTree::parse("python", "x = 1  # one\n");
        REQUIRE(parsed.has_value());
        SyntaxTree tree = std::move(*parsed);
        CHECK(tree.language() == "python");
        CHECK_FALSE(tree.has_error());
        const TSNode statement = assay::syntax::named_child(tree.root(), 0);
        CHECK(assay::syntax::type(statement) == "expression_statement");
        CHECK(tree.text(statement) == "x = 1");
        CHECK(assay::syntax::code_children(tree.root()).size() == 1);
        CHECK(assay::syntax::named_children(tree.root()).size() == 2);
    }
    SUBCASE("walk visits in document order, enter and leave paired, any depth") {
        const auto tree = SyntaxTree::parse("python", "x = " + std::string(10'000, '(') + "1" +
                                                          std::string(10'000, ')'));
        REQUIRE(tree.has_value());
        int depth = 0;
        int deepest = 0;
        std::string identifiers;
        assay::syntax::walk(
            tree->root(),
            [&](TSNode node) {
                deepest = std::max(deepest, ++depth);
                if (assay::syntax::type(node) == "identifier") identifiers += tree->text(node);
                return true;
            },
            [&](TSNode) { --depth; });
        CHECK(depth == 0);
        CHECK(deepest > 10'000);
        CHECK(identifiers == "x");
    }
    SUBCASE("null nodes are safe in the helpers") {
        const TSNode null{};
        CHECK(assay::syntax::type(null).empty());
        CHECK(ts_node_is_null(assay::syntax::field(null, "body")));
        CHECK(assay::syntax::children(null).empty());
        CHECK(assay::syntax::named_child_count(null) == 0);
    }
    SUBCASE("dedented_text keeps multi-line string content") {
        const auto tree =
            SyntaxTree::parse("python", "if x:\n    y = '''a\n  b'''\n    z = (1,\n         2)\n");
        REQUIRE(tree.has_value());
        const TSNode block =
            assay::syntax::field(assay::syntax::named_child(tree->root(), 0), "consequence");
        CHECK(assay::syntax::dedented_text(*tree, assay::syntax::named_child(block, 0)) ==
              "y = '''a\n  b'''");
        CHECK(assay::syntax::dedented_text(*tree, assay::syntax::named_child(block, 1)) ==
              "z = (1,\n     2)");
    }
    SUBCASE("unknown language") {
        CHECK(SyntaxTree::parse("cobol", "x").error().message ==
              "no tree-sitter grammar for language 'cobol'");
    }
}

// Parse throughput on HumanEval prompts + canonical solutions, concatenated.
// Reads ../shared/data (HumanEval, MBPP): skipped, with tests/main.cpp's message, where a clone has
// none.
TEST_CASE("syntax::syntax_tree throughput" * doctest::test_suite("slow") *
          doctest::skip(assay::testing::no_shared_data())) {
    std::string corpus;
    for (const auto& task : assay::test::humaneval())
        corpus += task.prompt + task.canonical_solution + "\n\n";
    const auto begin = std::chrono::steady_clock::now();
    std::size_t parsed = 0;
    double seconds = 0;
    while (seconds < 2.0) {
        const auto tree = SyntaxTree::parse("python", corpus);
        REQUIRE(tree.has_value());
        CHECK_FALSE(tree->has_error());
        parsed += corpus.size();
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    }
    MESSAGE("parse: " << corpus.size() << " bytes of HumanEval, " << parsed / seconds / 1e6
                      << " MB/s");
    // The same code one solution at a time (the pipeline's case: many small parses).
    const auto small_begin = std::chrono::steady_clock::now();
    std::size_t small_bytes = 0;
    for (const auto& task : assay::test::humaneval()) {
        const std::string code = task.prompt + task.canonical_solution;
        REQUIRE(SyntaxTree::parse("python", code).has_value());
        small_bytes += code.size();
    }
    const double small_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - small_begin).count();
    MESSAGE("parse: 164 separate solutions, " << small_bytes / small_seconds / 1e6 << " MB/s");
}
