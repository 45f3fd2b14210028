#include "tools/fake_model.hpp"

#include "dataset/problem_files.hpp"
#include "syntax/grammar.hpp"
#include "tools/fake_model_detail.hpp"
#include "util/hash.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>

namespace assay::tools {

using nlohmann::json;
namespace fs = std::filesystem;
using namespace detail;

namespace {

constexpr std::string_view kPython = "python";
// Programs longer than this are not mutated or refactored (a hostile prompt must not make the
// fake quadratic); real solutions are far shorter.
constexpr std::size_t kMaxProgram = std::size_t{8} * 1024;
// At most this many mutants of one program are considered.
constexpr std::size_t kMaxMutants = 64;

// A uniform 64-bit number determined by `parts`.
std::uint64_t draw(const std::vector<std::string_view>& parts) {
    return std::stoull(util::content_hash_parts(parts).substr(0, 16), nullptr, 16);
}

using Writer = FakeReply (*)(const Context&);
struct KindRow {
    std::string_view kind;
    Writer write;
};
constexpr std::array<KindRow, 8> kWriters{{
    {"instruct", write_exercise},
    {"evolve", write_exercise},
    {"solve", write_solve},
    {"tests", write_tests},
    {"bug", write_bug},
    {"refactor", write_refactor},
    {"reflexion", write_reflexion},
    {"reflexion-retry", write_retry},
}};

} // namespace

// ---- Knowledge.

std::shared_ptr<const FakeModel::Knowledge::Variants>
FakeModel::Knowledge::variants(std::string_view code, std::string_view entry_point,
                               std::string_view language) const {
    const std::string_view grammar = syntax::find_grammar(language) != nullptr ? language : kPython;
    const std::string key = util::content_hash_parts({code, entry_point, grammar});
    {
        std::lock_guard lock(mutex);
        if (const auto it = variants_cache.find(key); it != variants_cache.end()) return it->second;
    }
    auto computed = std::make_shared<Variants>();
    if (code.size() <= kMaxProgram) {
        computed->mutants = syntax::sample_mutants(grammar, code, entry_point, kMaxMutants, 0);
        computed->refactorings = syntax::refactorings(grammar, code, entry_point);
    }
    std::lock_guard lock(mutex);
    if (variants_cache.size() >= 4096) variants_cache.clear();
    return variants_cache.emplace(key, std::move(computed)).first->second;
}

const Problem* FakeModel::Knowledge::find(std::string_view entry_point, std::string_view context,
                                          std::string_view language) const {
    const auto it = by_entry_point.find(entry_point);
    if (it == by_entry_point.end()) return nullptr;
    const auto of_language = [&](std::size_t index) {
        const std::string& own = problems[index].language;
        return own == language || (own.empty() && language == kPython);
    };
    const bool any_of_language = std::any_of(it->second.begin(), it->second.end(), of_language);
    const Problem* first_of_language = nullptr;
    for (const std::size_t index : it->second) {
        if (any_of_language && !of_language(index)) continue;
        if (first_of_language == nullptr) first_of_language = &problems[index];
        const std::string_view prompt = trim(problems[index].prompt);
        const std::string_view first = trim(prompt.substr(0, prompt.find('\n')));
        if (first.size() >= 16 && context.find(first) != std::string_view::npos)
            return &problems[index];
    }
    return first_of_language;
}

std::span<const Problem> FakeModel::Knowledge::inventions() const {
    return std::span<const Problem>(problems).subspan(first_invention);
}

// ---- The model.

FakeModel::FakeModel() : FakeModel({}, {}) {}

FakeModel::FakeModel(std::vector<Problem> known, std::vector<Problem> inventions)
    : knowledge_(std::make_shared<Knowledge>()) {
    Knowledge& k = *knowledge_;
    k.problems = std::move(known);
    k.first_invention = k.problems.size();
    for (Problem& p : inventions)
        k.problems.push_back(std::move(p));
    for (std::size_t i = 0; i < k.problems.size(); ++i)
        if (!k.problems[i].entry_point.empty())
            k.by_entry_point[k.problems[i].entry_point].push_back(i);
}

Expected<FakeModel> FakeModel::load(const std::vector<fs::path>& problems,
                                    const std::vector<fs::path>& inventions) {
    std::vector<Problem> known, invented;
    for (const fs::path& path : problems) {
        const dataset::Format format = ASSAY_TRY(dataset::detect_format(path));
        for (Problem& p : ASSAY_TRY(dataset::load_problems(path, format)))
            known.push_back(std::move(p));
    }
    for (const fs::path& path : inventions)
        for (Problem& p : ASSAY_TRY(dataset::load_problems(path, dataset::Format::assay)))
            invented.push_back(std::move(p));
    return FakeModel(std::move(known), std::move(invented));
}

FakeReply FakeModel::reply(std::uint64_t seed, const json& request, ReasoningMode reasoning) const {
    try {
        const FakeRequest r = read_request(request);
        const std::string seed_text = std::to_string(seed);
        const std::uint64_t h = draw({"reply", seed_text, r.canonical});
        FakeReply reply;
        const auto row = std::find_if(kWriters.begin(), kWriters.end(),
                                      [&](const KindRow& w) { return w.kind == r.kind; });
        if (r.kind.empty()) {
            reply = untasked_reply(r, h);
        } else if (row == kWriters.end()) {
            reply = canned_reply(name_or_solve(r), h, request_language(r));
        } else {
            Dice dice(h);
            reply = row->write(Context{*knowledge_, r, dice, h});
        }
        // A reply longer than max_tokens (about four characters a token) is cut, as servers do.
        const auto limit = static_cast<std::size_t>(r.max_tokens) * 4;
        if (reply.content.size() > limit)
            reply = {std::string(util::utf8_prefix(reply.content, limit)), "length"};
        if (reasoning == ReasoningMode::off) return reply;
        return with_reasoning(*knowledge_, r, std::move(reply), reasoning,
                              draw({"reasoning", seed_text, r.canonical}));
    } catch (const std::exception&) {
        return {"Sorry, I could not make sense of that request.", "stop"};
    }
}

const Problem* FakeModel::find(std::string_view entry_point, std::string_view context,
                               std::string_view language) const {
    return knowledge_->find(entry_point, context, language);
}

std::size_t FakeModel::known_count() const {
    return knowledge_->problems.size();
}

std::size_t FakeModel::invention_count() const {
    return knowledge_->problems.size() - knowledge_->first_invention;
}

} // namespace assay::tools
