#include "util/minhash.hpp"

#include <doctest/doctest.h>

using namespace assay;

TEST_CASE("util::minhash") {
    SUBCASE("words and code tokens") {
        CHECK(util::words("Sort the List, twice: x_1!") ==
              std::vector<std::string>{"sort", "the", "list", "twice", "x", "1"});
        CHECK(
            util::code_tokens("def f(x_1):\n  return x_1+10") ==
            std::vector<std::string>{"def", "f", "(", "x_1", ")", ":", "return", "x_1", "+", "10"});
    }
    SUBCASE("shingles: whole runs only, sorted, numbers-only runs skipped on request") {
        const auto w = util::words("a b c a b c");
        CHECK(util::shingles(w, 3).size() == 3); // abc bca cab
        CHECK(util::shingles(w, 7).empty());
        CHECK(util::shingles(w, 0).empty());
        const auto numbers = util::words("1 2 3 4 x");
        CHECK(util::shingles(numbers, 3, true).size() == 1);
        CHECK(util::shingles(numbers, 3, false).size() == 3);
        // Deterministic: the same text gives the same hashes.
        CHECK(util::shingles(w, 2) == util::shingles(util::words("A, B; C a b c"), 2));
    }
    SUBCASE("jaccard, and minhash estimates it") {
        std::vector<std::string> a;
        std::vector<std::string> b;
        for (int i = 0; i < 200; ++i) {
            a.push_back("w" + std::to_string(i));
            b.push_back("w" + std::to_string(i < 150 ? i : i + 1000));
        }
        const auto sa = util::shingles(a, 1);
        const auto sb = util::shingles(b, 1);
        const double exact = util::jaccard(sa, sb);
        CHECK(exact == doctest::Approx(150.0 / 250.0));
        const double estimate =
            util::estimated_jaccard(util::minhash(sa, 256), util::minhash(sb, 256));
        CHECK(estimate == doctest::Approx(exact).epsilon(0.15));
        CHECK(util::jaccard({}, {}) == 0);
        CHECK(util::estimated_jaccard(util::minhash({}, 16), util::minhash({}, 16)) == 0);
    }
    SUBCASE("LSH: bands and rows for a threshold; similar sets meet, different ones do not") {
        const auto lsh = util::LshIndex::for_threshold(0.8, 128);
        CHECK(lsh.bands() == 16);
        CHECK(lsh.rows() == 8);
        const auto low = util::LshIndex::for_threshold(0.3, 128);
        CHECK(low.bands() == 64);
        CHECK(low.rows() == 2);

        util::LshIndex index = util::LshIndex::for_threshold(0.7, 128);
        std::vector<std::string> base;
        for (int i = 0; i < 100; ++i)
            base.push_back("t" + std::to_string(i));
        auto near = base;
        near[50] = "changed";
        std::vector<std::string> other;
        for (int i = 0; i < 100; ++i)
            other.push_back("o" + std::to_string(i));
        index.add(0, util::minhash(util::shingles(base, 3), 128));
        index.add(1, util::minhash(util::shingles(other, 3), 128));
        CHECK(index.candidates(util::minhash(util::shingles(near, 3), 128)) ==
              std::vector<std::size_t>{0});
        CHECK(index.candidates(util::minhash({}, 128)).empty());
    }
}
