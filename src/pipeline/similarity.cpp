#include "pipeline/similarity.hpp"

#include "util/minhash.hpp"

#include <algorithm>

namespace assay::pipeline {

std::vector<std::uint64_t> word_ngrams(std::string_view text, int n) {
    const std::vector<std::string> w = util::words(text);
    if (w.empty() || n <= 0) return {};
    return util::shingles(w, std::min(n, static_cast<int>(w.size())));
}

double ngram_similarity(std::string_view a, std::string_view b, int n) {
    return util::jaccard(word_ngrams(a, n), word_ngrams(b, n));
}

void NgramIndex::add(std::string id, std::string_view text) {
    entries_.emplace_back(std::move(id), word_ngrams(text, n_));
}

std::optional<NgramIndex::Nearest> NgramIndex::nearest(std::string_view text) const {
    const auto grams = word_ngrams(text, n_);
    std::optional<Nearest> best;
    for (const auto& [id, other] : entries_) {
        const double s = util::jaccard(grams, other);
        if (!best || s > best->similarity) best = Nearest{id, s};
    }
    return best;
}

} // namespace assay::pipeline
