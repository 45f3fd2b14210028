#include "util/minhash.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <xxhash.h>

namespace assay::util {

namespace {

bool is_word_char(unsigned char c) {
    return std::isalnum(c) != 0;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

// A fixed mix of a shingle hash with a permutation's seed (splitmix64's finaliser).
std::uint64_t mix(std::uint64_t x, std::uint64_t seed) {
    x ^= seed;
    x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31U);
}

std::uint64_t permutation_seed(int i) {
    return mix(static_cast<std::uint64_t>(i) + 1, 0x9e3779b97f4a7c15ULL);
}

} // namespace

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string word;
    for (const char raw : text) {
        const auto c = static_cast<unsigned char>(raw);
        if (c < 0x80 && is_word_char(c)) {
            word += static_cast<char>(std::tolower(c));
        } else if (!word.empty()) {
            out.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) out.push_back(std::move(word));
    return out;
}

std::vector<std::string> code_tokens(std::string_view code) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < code.size()) {
        const auto c = static_cast<unsigned char>(code[i]);
        if (std::isspace(c) != 0) {
            ++i;
        } else if (c == '_' || (c < 0x80 && is_word_char(c))) {
            std::size_t j = i;
            while (j < code.size()) {
                const auto d = static_cast<unsigned char>(code[j]);
                if (d != '_' && !(d < 0x80 && is_word_char(d))) break;
                ++j;
            }
            out.emplace_back(code.substr(i, j - i));
            i = j;
        } else {
            out.emplace_back(1, static_cast<char>(c));
            ++i;
        }
    }
    return out;
}

std::vector<std::uint64_t> shingles(const std::vector<std::string>& items, int n,
                                    bool skip_numeric) {
    std::vector<std::uint64_t> out;
    if (n < 1 || items.size() < static_cast<std::size_t>(n)) return out;
    const auto size = static_cast<std::size_t>(n);
    std::vector<std::uint64_t> item_hashes;
    std::vector<char> numeric;
    item_hashes.reserve(items.size());
    for (const std::string& item : items) {
        item_hashes.push_back(XXH3_64bits(item.data(), item.size()));
        numeric.push_back(static_cast<char>(all_digits(item)));
    }
    out.reserve(items.size() - size + 1);
    for (std::size_t i = 0; i + size <= items.size(); ++i) {
        if (skip_numeric && std::all_of(numeric.begin() + static_cast<std::ptrdiff_t>(i),
                                        numeric.begin() + static_cast<std::ptrdiff_t>(i + size),
                                        [](char d) { return d != 0; }))
            continue;
        out.push_back(XXH3_64bits(&item_hashes[i], size * sizeof(std::uint64_t)));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

double jaccard(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b) {
    if (a.empty() && b.empty()) return 0;
    std::size_t common = 0;
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j]) {
            ++i;
        } else if (b[j] < a[i]) {
            ++j;
        } else {
            ++common, ++i, ++j;
        }
    }
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

Signature minhash(std::span<const std::uint64_t> shingle_set, int permutations) {
    Signature out(static_cast<std::size_t>(std::max(permutations, 0)),
                  std::numeric_limits<std::uint64_t>::max());
    for (std::size_t p = 0; p < out.size(); ++p) {
        const std::uint64_t seed = permutation_seed(static_cast<int>(p));
        for (const std::uint64_t s : shingle_set)
            out[p] = std::min(out[p], mix(s, seed));
    }
    return out;
}

double estimated_jaccard(const Signature& a, const Signature& b) {
    if (a.empty() || a.size() != b.size()) return 0;
    std::size_t same = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        same += static_cast<std::size_t>(a[i] == b[i] &&
                                         a[i] != std::numeric_limits<std::uint64_t>::max());
    return static_cast<double>(same) / static_cast<double>(a.size());
}

LshIndex::LshIndex(int bands, int rows)
    : bands_(std::max(bands, 1)), rows_(std::max(rows, 1)),
      buckets_(static_cast<std::size_t>(bands_)) {}

LshIndex LshIndex::for_threshold(double threshold, int permutations) {
    int best_rows = 1;
    double best_midpoint = -1;
    for (int rows = 1; rows <= permutations; rows *= 2) {
        if (permutations % rows != 0) break;
        const int bands = permutations / rows;
        const double midpoint = std::pow(1.0 / bands, 1.0 / rows);
        if (midpoint <= 0.9 * threshold && midpoint > best_midpoint) {
            best_midpoint = midpoint;
            best_rows = rows;
        }
    }
    return {std::max(permutations, 1) / best_rows, best_rows};
}

std::uint64_t LshIndex::band_key(const Signature& signature, int band) const {
    const auto begin = static_cast<std::size_t>(band) * static_cast<std::size_t>(rows_);
    return XXH3_64bits_withSeed(signature.data() + begin,
                                static_cast<std::size_t>(rows_) * sizeof(std::uint64_t),
                                static_cast<std::uint64_t>(band));
}

void LshIndex::add(std::size_t id, const Signature& signature) {
    if (signature.size() < static_cast<std::size_t>(bands_) * static_cast<std::size_t>(rows_))
        return;
    if (!signature.empty() && signature.front() == std::numeric_limits<std::uint64_t>::max())
        return; // an empty set's signature is like no other
    for (int band = 0; band < bands_; ++band)
        buckets_[static_cast<std::size_t>(band)][band_key(signature, band)].push_back(id);
}

std::vector<std::size_t> LshIndex::candidates(const Signature& signature) const {
    std::vector<std::size_t> out;
    if (signature.size() < static_cast<std::size_t>(bands_) * static_cast<std::size_t>(rows_))
        return out;
    if (!signature.empty() && signature.front() == std::numeric_limits<std::uint64_t>::max())
        return out;
    for (int band = 0; band < bands_; ++band) {
        const auto& bucket = buckets_[static_cast<std::size_t>(band)];
        const auto it = bucket.find(band_key(signature, band));
        if (it != bucket.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace assay::util
