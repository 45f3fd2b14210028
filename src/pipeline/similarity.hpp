// Near-duplicate detection for generated problems: word n-gram overlap (Jaccard) of statements.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::pipeline {

// The word n-grams of `text` (util::words, util::shingles: sorted hashes): words are runs of
// letters and digits, lower-cased; code and punctuation count only through the words in them. A
// text of fewer than n words has one n-gram, its whole word sequence, so short texts still compare.
[[nodiscard]] std::vector<std::uint64_t> word_ngrams(std::string_view text, int n);

// |A ∩ B| / |A ∪ B| of the two texts' n-grams; 0 when both are empty.
[[nodiscard]] double ngram_similarity(std::string_view a, std::string_view b, int n = 3);

// Texts added one by one; asks which earlier one a new text is closest to.
class NgramIndex {
  public:
    explicit NgramIndex(int n = 3) : n_(n) {}
    void add(std::string id, std::string_view text);

    struct Nearest {
        std::string id;
        double similarity = 0;
    };
    // The most similar text added so far (the first of equals), or nullopt when there is none.
    [[nodiscard]] std::optional<Nearest> nearest(std::string_view text) const;

  private:
    int n_;
    std::vector<std::pair<std::string, std::vector<std::uint64_t>>> entries_;
};

} // namespace assay::pipeline
