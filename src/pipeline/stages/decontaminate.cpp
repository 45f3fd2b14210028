#include "pipeline/stages/decontaminate.hpp"

#include "dataset/problem_files.hpp"
#include "syntax/ast_hash.hpp"
#include "util/hash.hpp"
#include "util/minhash.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace assay::pipeline {

namespace fs = std::filesystem;

namespace {

// Whitespace runs as one space, none at the ends: what "exact" ignores.
std::string squeeze(std::string_view code) {
    std::string out;
    bool space = false;
    for (const char c : code) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

std::vector<std::uint64_t> word_grams(std::string_view text, int n) {
    return util::shingles(util::words(text), n, /*skip_numeric=*/true);
}

// Words that say nothing of what a problem asks (articles, prepositions, the words of every task
// statement); content_words drops them.
constexpr std::array<std::string_view, 58> kStopWords{
    "a",       "an",     "and",    "any",  "are",    "as",   "at",      "be",     "by",
    "can",     "def",    "do",     "does", "each",   "else", "for",     "from",   "function",
    "given",   "if",     "import", "in",   "into",   "is",   "it",      "its",    "may",
    "must",    "no",     "not",    "of",   "on",     "or",   "program", "python", "return",
    "returns", "should", "so",     "than", "that",   "the",  "their",   "them",   "then",
    "there",   "they",   "this",   "to",   "typing", "we",   "whether", "which",  "will",
    "with",    "write",  "you",    "your"};

// The content words of a statement: runs of letters (snake_case and camelCase split), lower-
// cased, stop words and single letters dropped, a plural or -ing/-ed ending cut from longer
// words, as a set. A paraphrase keeps most of them where it changes most word triples.
std::set<std::string> content_words(std::string_view text) {
    std::set<std::string> out;
    std::string word;
    const auto flush = [&] {
        if (word.size() > 1 &&
            std::find(kStopWords.begin(), kStopWords.end(), word) == kStopWords.end()) {
            for (const std::string_view ending : {"ing", "ed", "es", "s"})
                if (word.size() > 4 && word.ends_with(ending)) {
                    word.resize(word.size() - ending.size());
                    break;
                }
            out.insert(word);
        }
        word.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (std::isalpha(c) == 0) {
            flush();
            continue;
        }
        if (std::isupper(c) != 0 && i > 0 && std::islower(static_cast<unsigned char>(text[i - 1])))
            flush();
        word.push_back(static_cast<char>(std::tolower(c)));
    }
    flush();
    return out;
}

// Seed problems (bank, imported benchmarks) are kept before the ones a model made.
int keep_rank(const Problem& p) {
    return p.source == ProblemSource::llm ? 1 : 0;
}

} // namespace

struct Decontaminator::Index {
    std::map<std::string, std::string> grammars; // language → grammar
    DecontaminateOptions options;
    std::vector<std::string> ids;                       // benchmark task ids
    std::unordered_map<std::string, std::size_t> exact; // squeezed solution → benchmark
    // language + '\n' + ast_fingerprint → benchmark
    std::unordered_map<std::string, std::size_t> fingerprint;
    std::unordered_map<std::uint64_t, std::size_t> ngrams; // n-gram → first benchmark with it
    std::vector<std::vector<std::uint64_t>> prompt_shingles;
    util::LshIndex prompts{1, 1};
    // similar_prompt_words: each benchmark prompt's content-word weight, and each word's IDF
    // (over the benchmark prompts) and the benchmarks whose prompt holds it.
    std::vector<double> prompt_weight;
    struct Word {
        double idf = 0;
        std::vector<std::size_t> benchmarks;
    };
    std::unordered_map<std::string, Word> words;

    [[nodiscard]] double idf(const std::string& word) const {
        const auto it = words.find(word);
        if (it != words.end()) return it->second.idf;
        return std::log(static_cast<double>(ids.size() + 1)) + 1; // a word no benchmark has
    }

    // similar_prompt_words on `text`: the benchmark prompt whose content words it matches best
    // (IDF-weighted Jaccard at least `threshold`, or at least kLooseJaccard with kContained of
    // the benchmark's words inside `text`), and the Jaccard; nullopt when none does.
    static constexpr double kContained = 0.6;
    static constexpr double kLooseJaccard = 0.25;
    [[nodiscard]] std::optional<std::pair<double, std::size_t>>
    closest_words(std::string_view text, double threshold) const {
        const std::set<std::string> mine = content_words(text);
        double weight = 0;
        std::unordered_map<std::size_t, double> shared; // benchmark → weight of common words
        for (const std::string& w : mine) {
            weight += idf(w);
            if (const auto it = words.find(w); it != words.end())
                for (const std::size_t b : it->second.benchmarks)
                    shared[b] += it->second.idf;
        }
        std::optional<std::pair<double, std::size_t>> best;
        for (const auto& [b, common] : shared) {
            const double j = common / (weight + prompt_weight[b] - common);
            const bool similar =
                j >= threshold || (j >= kLooseJaccard && common >= kContained * prompt_weight[b]);
            if (similar && (!best || j > best->first || (j == best->first && b < best->second)))
                best = std::pair(j, b);
        }
        return best;
    }

    // The n-gram rule on one text: the share of its n-grams found, and the benchmark holding most.
    struct Overlap {
        double share = 0;
        std::size_t against = 0;
    };
    [[nodiscard]] std::optional<Overlap> overlap(std::string_view text) const {
        const auto grams = word_grams(text, options.ngram);
        std::map<std::size_t, int> hits;
        int found = 0;
        for (const std::uint64_t g : grams)
            if (const auto it = ngrams.find(g); it != ngrams.end()) ++found, ++hits[it->second];
        if (found == 0) return std::nullopt;
        const auto best = std::max_element(hits.begin(), hits.end(), [](auto& a, auto& b) {
            return a.second < b.second; // the first of equals: the lowest benchmark index
        });
        return Overlap{static_cast<double>(found) / static_cast<double>(grams.size()), best->first};
    }
};

Decontaminator::Decontaminator(const std::vector<Problem>& benchmarks,
                               std::map<std::string, std::string> grammars,
                               DecontaminateOptions options)
    : index_(std::make_unique<Index>()) {
    Index& x = *index_;
    x.grammars = std::move(grammars);
    x.options = std::move(options);
    x.prompts =
        util::LshIndex::for_threshold(x.options.benchmark_threshold, x.options.permutations);
    for (const Problem& b : benchmarks) {
        const std::size_t i = x.ids.size();
        x.ids.push_back(b.id);
        x.exact.try_emplace(squeeze(b.solution), i);
        if (const auto grammar = x.grammars.find(b.language); grammar != x.grammars.end())
            if (auto f = syntax::ast_fingerprint(grammar->second, b.solution))
                x.fingerprint.try_emplace(b.language + "\n" + *f, i);
        std::string tests = b.test_setup;
        for (const TestCase& t : b.tests)
            tests += "\n" + t.code;
        for (const std::string_view text :
             {std::string_view(b.prompt), std::string_view(b.solution), std::string_view(tests)})
            for (const std::uint64_t g : word_grams(text, x.options.ngram))
                x.ngrams.try_emplace(g, i);
        x.prompt_shingles.push_back(
            util::shingles(util::words(b.prompt), x.options.prompt_shingle));
        x.prompts.add(i, util::minhash(x.prompt_shingles.back(), x.options.permutations));
        for (const std::string& w : content_words(b.prompt))
            x.words[w].benchmarks.push_back(i);
    }
    const auto n = static_cast<double>(x.ids.size());
    for (auto& [word, entry] : x.words)
        entry.idf = std::log((n + 1) / (static_cast<double>(entry.benchmarks.size()) + 1)) + 1;
    x.prompt_weight.assign(x.ids.size(), 0);
    for (const auto& [word, entry] : x.words)
        for (const std::size_t b : entry.benchmarks)
            x.prompt_weight[b] += entry.idf;
}

Decontaminator::~Decontaminator() = default;

std::vector<store::Exclusion> Decontaminator::check(const std::vector<Subject>& subjects) const {
    const Index& x = *index_;
    const DecontaminateOptions& o = x.options;
    std::vector<std::optional<store::Exclusion>> verdicts(subjects.size());

    // Against the benchmarks.
    for (std::size_t s = 0; s < subjects.size(); ++s) {
        const Problem& p = *subjects[s].problem;
        std::vector<store::CandidateCode> programs{{0, p.id, p.solution}};
        programs.insert(programs.end(), subjects[s].programs.begin(), subjects[s].programs.end());
        const auto found = [&](std::optional<std::int64_t> candidate, std::string rule,
                               std::size_t against, double score) {
            verdicts[s] =
                store::Exclusion{p.id, candidate, std::move(rule), x.ids[against], score, 0};
        };
        const auto candidate_of = [](const store::CandidateCode& c) {
            return c.id == 0 ? std::nullopt : std::optional(c.id);
        };
        for (const auto& c : programs)
            if (!verdicts[s])
                if (const auto it = x.exact.find(squeeze(c.code)); it != x.exact.end())
                    found(candidate_of(c), "exact_solution", it->second, 1);
        if (const auto grammar = x.grammars.find(p.language); grammar != x.grammars.end())
            for (const auto& c : programs)
                if (!verdicts[s])
                    if (const auto f = syntax::ast_fingerprint(grammar->second, c.code))
                        if (const auto it = x.fingerprint.find(p.language + "\n" + *f);
                            it != x.fingerprint.end())
                            found(candidate_of(c), "ast_solution", it->second, 1);
        if (!verdicts[s])
            if (const auto hit = x.overlap(p.prompt))
                found(std::nullopt, "ngram_prompt", hit->against, hit->share);
        for (const auto& c : programs)
            if (!verdicts[s])
                if (const auto hit = x.overlap(c.code))
                    found(candidate_of(c), "ngram_solution", hit->against, hit->share);
        if (!verdicts[s]) {
            const auto shingles = util::shingles(util::words(p.prompt), o.prompt_shingle);
            double best = 0;
            std::size_t against = 0;
            for (const std::size_t b :
                 x.prompts.candidates(util::minhash(shingles, o.permutations))) {
                const double j = util::jaccard(shingles, x.prompt_shingles[b]);
                if (j > best) best = j, against = b;
            }
            if (best >= o.benchmark_threshold && best > 0)
                found(std::nullopt, "similar_prompt", against, best);
        }
        if (!verdicts[s]) {
            if (const auto hit = x.closest_words(p.prompt, o.word_threshold))
                found(std::nullopt, "similar_prompt_words", hit->second, hit->first);
        }
    }

    // Near-duplicates among the rest: greedy, in keep order, against the kept ones.
    std::vector<std::size_t> order;
    for (std::size_t s = 0; s < subjects.size(); ++s)
        if (!verdicts[s]) order.push_back(s);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const Problem& pa = *subjects[a].problem;
        const Problem& pb = *subjects[b].problem;
        return std::pair(keep_rank(pa), std::string_view(pa.id)) <
               std::pair(keep_rank(pb), std::string_view(pb.id));
    });
    std::vector<std::vector<std::uint64_t>> prompt_sets(subjects.size());
    std::vector<std::vector<std::uint64_t>> code_sets(subjects.size());
    util::LshIndex prompts = util::LshIndex::for_threshold(o.dedup_threshold, o.permutations);
    util::LshIndex codes = util::LshIndex::for_threshold(o.dedup_threshold, o.permutations);
    for (const std::size_t s : order) {
        const Problem& p = *subjects[s].problem;
        prompt_sets[s] = util::shingles(util::words(p.prompt), o.prompt_shingle);
        code_sets[s] = util::shingles(util::code_tokens(p.solution), o.code_shingle);
        const auto prompt_signature = util::minhash(prompt_sets[s], o.permutations);
        const auto code_signature = util::minhash(code_sets[s], o.permutations);
        std::optional<store::Exclusion> nearest;
        const auto consider = [&](const std::vector<std::size_t>& kept, const auto& sets,
                                  const char* rule) {
            for (const std::size_t k : kept) {
                const double j = util::jaccard(sets[s], sets[k]);
                if (j >= o.dedup_threshold && (!nearest || j > nearest->score))
                    nearest =
                        store::Exclusion{p.id, std::nullopt, rule, subjects[k].problem->id, j, 0};
            }
        };
        consider(prompts.candidates(prompt_signature), prompt_sets, "near_duplicate_prompt");
        consider(codes.candidates(code_signature), code_sets, "near_duplicate_solution");
        if (nearest) {
            verdicts[s] = std::move(nearest);
        } else {
            prompts.add(s, prompt_signature);
            codes.add(s, code_signature);
        }
    }

    std::vector<store::Exclusion> out;
    for (auto& v : verdicts)
        if (v) out.push_back(std::move(*v));
    return out;
}

std::vector<fs::path> default_benchmarks(const fs::path& root) {
    std::vector<fs::path> out;
    const fs::path data = root / ".." / "shared" / "data";
    for (const char* name : {"HumanEval.jsonl.gz", "mbpp-sanitized.json",
                             "humaneval-x-cpp.jsonl.gz", "humaneval-x-js.jsonl.gz"}) {
        std::error_code error;
        if (fs::is_regular_file(data / name, error))
            out.push_back((data / name).lexically_normal());
    }
    return out;
}

Expected<std::vector<Problem>> load_benchmarks(const DecontaminateOptions& options) {
    if (options.ngram < 1) return fail("--ngram-size must be at least 1, not {}", options.ngram);
    if (options.prompt_shingle < 1 || options.code_shingle < 1)
        return fail("shingle sizes must be at least 1");
    for (const double t :
         {options.benchmark_threshold, options.word_threshold, options.dedup_threshold})
        if (!(t > 0 && t <= 1)) return fail("a similarity threshold must be in (0, 1], not {}", t);
    std::vector<Problem> out;
    for (const fs::path& path : options.benchmarks) {
        std::error_code error;
        if (!fs::exists(path, error)) return fail_at(path.string(), "no such benchmark file");
        auto problems = ASSAY_TRY(dataset::load_benchmark(path));
        std::move(problems.begin(), problems.end(), std::back_inserter(out));
    }
    return out;
}

Expected<void> decontaminate(store::Store& db, std::int64_t run,
                             const std::vector<Problem>& benchmarks,
                             const DecontaminateOptions& options, RunSummary& summary) {
    const std::vector<Problem> problems = db.problems();
    const auto codes = ASSAY_TRY(store::candidate_codes(db));
    std::map<std::string, std::vector<store::CandidateCode>> by_problem;
    for (const store::CandidateCode& c : codes)
        by_problem[c.problem_id].push_back(c);
    std::vector<Subject> subjects;
    subjects.reserve(problems.size());
    for (const Problem& p : problems)
        subjects.push_back({&p, by_problem[p.id]});
    // Every stored problem's language (earlier runs' too); one without a descriptor is still
    // checked by text.
    std::map<std::string, std::string> grammars;
    for (const Problem& p : problems)
        if (!grammars.contains(p.language))
            if (const auto language = load_language(p.language))
                grammars.emplace(p.language, language->grammar);
    const Decontaminator checker(benchmarks, std::move(grammars), options);
    std::vector<store::Exclusion> excluded = checker.check(subjects);
    for (store::Exclusion& e : excluded)
        e.run = run;
    db.transaction([&] { store::replace_exclusions(db, excluded); });
    DecontaminationCounts counts;
    counts.benchmarks = static_cast<int>(benchmarks.size());
    for (const fs::path& f : options.benchmarks)
        counts.files.push_back(f.string());
    counts.checked = static_cast<int>(subjects.size());
    for (const store::Exclusion& e : excluded)
        ++counts.dropped[e.rule];
    summary.decontamination = std::move(counts);
    return {};
}

} // namespace assay::pipeline
