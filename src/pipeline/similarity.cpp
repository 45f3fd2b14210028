#include "pipeline/similarity.hpp"

#include <cctype>

namespace assay::pipeline {

namespace {

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string word;
    for (const char raw : text) {
        const auto c = static_cast<unsigned char>(raw);
        if (std::isalnum(c) != 0) {
            word += static_cast<char>(std::tolower(c));
        } else if (!word.empty()) {
            out.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) out.push_back(std::move(word));
    return out;
}

std::uint64_t fnv(std::uint64_t h, std::string_view word) {
    for (const char c : word)
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return (h ^ 0x1fU) * 1099511628211ULL; // a separator, so ("ab","c") != ("a","bc")
}

double jaccard(const std::unordered_set<std::uint64_t>& a,
               const std::unordered_set<std::uint64_t>& b) {
    if (a.empty() && b.empty()) return 0;
    const auto& small = a.size() <= b.size() ? a : b;
    const auto& large = a.size() <= b.size() ? b : a;
    std::size_t common = 0;
    for (const std::uint64_t g : small)
        common += large.count(g);
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

} // namespace

std::unordered_set<std::uint64_t> word_ngrams(std::string_view text, int n) {
    const std::vector<std::string> w = words(text);
    std::unordered_set<std::uint64_t> out;
    if (w.empty() || n <= 0) return out;
    const std::size_t size = static_cast<std::size_t>(n);
    const std::size_t count = w.size() >= size ? w.size() - size + 1 : 1;
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t h = 14695981039346656037ULL;
        for (std::size_t k = i; k < std::min(w.size(), i + size); ++k)
            h = fnv(h, w[k]);
        out.insert(h);
    }
    return out;
}

double ngram_similarity(std::string_view a, std::string_view b, int n) {
    return jaccard(word_ngrams(a, n), word_ngrams(b, n));
}

void NgramIndex::add(std::string id, std::string_view text) {
    entries_.emplace_back(std::move(id), word_ngrams(text, n_));
}

std::optional<NgramIndex::Nearest> NgramIndex::nearest(std::string_view text) const {
    const auto grams = word_ngrams(text, n_);
    std::optional<Nearest> best;
    for (const auto& [id, other] : entries_) {
        const double s = jaccard(grams, other);
        if (!best || s > best->similarity) best = Nearest{id, s};
    }
    return best;
}

} // namespace assay::pipeline
