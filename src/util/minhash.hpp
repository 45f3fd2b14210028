// Shingles, MinHash signatures and locality-sensitive hashing (LSH) over them: finding the texts
// of a collection whose shingle sets have a Jaccard similarity above a threshold without
// comparing every pair. Every hash is xxHash3 with fixed seeds, so results are the same on every
// machine and run.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace assay::util {

// The words of `text`: runs of ASCII letters and digits, lower-cased.
[[nodiscard]] std::vector<std::string> words(std::string_view text);

// The tokens of program text: identifiers and keywords (letters, digits, `_`), numbers, and each
// other non-blank character on its own. Comments are not told apart.
[[nodiscard]] std::vector<std::string> code_tokens(std::string_view code);

// The hashes of every run of `n` consecutive items of `items`, sorted and without repeats; empty
// when there are fewer than `n` items or n < 1. With `skip_numeric`, a run whose items are all
// digits ("1 2 3 4 5 6 7 8 9 10") is left out: such runs are common to unrelated texts.
[[nodiscard]] std::vector<std::uint64_t> shingles(const std::vector<std::string>& items, int n,
                                                  bool skip_numeric = false);

// |A ∩ B| / |A ∪ B| of two sorted, repeat-free hash sets; 0 when both are empty.
[[nodiscard]] double jaccard(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b);

// A MinHash signature: for each of `permutations` seeded hash functions, the least hash of a
// shingle. Two signatures agree at one position with probability equal to the Jaccard
// similarity of their shingle sets. An empty set gives a signature that agrees with nothing.
using Signature = std::vector<std::uint64_t>;
[[nodiscard]] Signature minhash(std::span<const std::uint64_t> shingles, int permutations);

// The share of positions at which two signatures of one length agree.
[[nodiscard]] double estimated_jaccard(const Signature& a, const Signature& b);

// LSH over signatures of `bands` × `rows` positions: two signatures become candidates when they
// agree on every position of at least one band, which happens with probability 1 - (1 -
// J^rows)^bands for Jaccard J: the S-curve whose midpoint is about (1 / bands)^(1 / rows).
class LshIndex {
  public:
    LshIndex(int bands, int rows);
    // The (bands, rows) with bands × rows == permutations (both powers of two) whose S-curve
    // midpoint is the highest one at or below 0.9 × threshold, so that pairs at the threshold are
    // found almost surely and the candidates are then checked exactly.
    [[nodiscard]] static LshIndex for_threshold(double threshold, int permutations);

    [[nodiscard]] int bands() const { return bands_; }
    [[nodiscard]] int rows() const { return rows_; }

    // Adds item `id` (ids are the caller's, e.g. positions in its own vector).
    void add(std::size_t id, const Signature& signature);
    // Every id added so far that shares a band with `signature`, ascending, without repeats.
    [[nodiscard]] std::vector<std::size_t> candidates(const Signature& signature) const;

  private:
    [[nodiscard]] std::uint64_t band_key(const Signature& signature, int band) const;
    int bands_;
    int rows_;
    std::vector<std::unordered_map<std::uint64_t, std::vector<std::size_t>>> buckets_;
};

} // namespace assay::util
