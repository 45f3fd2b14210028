// Near-duplicate detection of generated problems.
#include "pipeline/similarity.hpp"

#include <doctest/doctest.h>

using namespace assay::pipeline;

TEST_CASE("pipeline::ngram_similarity") {
    const std::string a = "Write a function `count_vowels(s)` that returns how many vowels s has.";
    CHECK(ngram_similarity(a, a) == doctest::Approx(1.0));
    // Case, punctuation and code markup do not matter; words do.
    CHECK(
        ngram_similarity(a, "write a function COUNT_VOWELS s that returns how many vowels s has") ==
        doctest::Approx(1.0));
    const double reworded = ngram_similarity(
        a, "Write a function `count_vowels(s)` that returns how many vowels the string s has.");
    CHECK(reworded > 0.5);
    CHECK(reworded < 1.0);
    CHECK(ngram_similarity(a, "Merge overlapping intervals and return them sorted by start.") <
          0.05);
    CHECK(ngram_similarity("", "") == 0);
    CHECK(ngram_similarity("two words", "two words") == doctest::Approx(1.0));
    CHECK(ngram_similarity("two words", "other words") == 0);
}

TEST_CASE("pipeline::NgramIndex") {
    NgramIndex index;
    CHECK(!index.nearest("anything"));
    index.add("p/a", "Return the sum of the squares of a list of integers.");
    index.add("p/b", "Return the product of the digits of a positive integer.");
    const auto near = index.nearest("Return the sum of the squares of a list of numbers.");
    REQUIRE(near);
    CHECK(near->id == "p/a");
    CHECK(near->similarity > 0.5);
    CHECK(index.nearest("Reverse the words of a sentence.")->similarity < 0.1);
}
