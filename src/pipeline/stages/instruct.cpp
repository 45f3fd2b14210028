#include "pipeline/stages/instruct.hpp"

#include "dataset/problem_files.hpp"
#include "llm/cache.hpp"
#include "pipeline/similarity.hpp"
#include "pipeline/stages/common.hpp"
#include "pipeline/verify.hpp"
#include "syntax/ast_hash.hpp"
#include "util/hash.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace assay::pipeline {

using namespace stages;

Expected<Problem> parse_problem_reply(const Language& language, const std::string& reply) {
    const std::vector<llm::Section> all = llm::sections(reply);
    auto need = [&](std::string_view name) -> Expected<std::string> {
        auto body = llm::section(all, name);
        if (!body || body->empty()) return fail("missing section '{}'", name);
        return *body;
    };
    Problem p;
    p.language = language.name;
    p.source = ProblemSource::llm;
    p.title = first_line(ASSAY_TRY(need("title")));
    std::string entry = first_line(ASSAY_TRY(need("entry point")));
    entry.erase(std::remove_if(entry.begin(), entry.end(),
                               [](char ch) { return ch == '`' || ch == '*' || ch == ' '; }),
                entry.end());
    if (const auto paren = entry.find('('); paren != std::string::npos) entry.resize(paren);
    if (!is_identifier(entry)) return fail("the entry point '{}' is not a name", clip(entry, 40));
    p.entry_point = entry;
    p.prompt = ASSAY_TRY(need("problem"));
    auto solution = code_of(language, ASSAY_TRY(need("solution")), entry);
    if (!solution) return fail("solution: {}", solution.error().message);
    p.solution = solution->code;
    // A C++ judge declares the functions the tests call: the solution's prototypes.
    if (auto declared = dataset::declare_for_judge(p, ""); !declared)
        return fail("solution: {}", declared.error().message);
    const auto tests_code = llm::extract_code(ASSAY_TRY(need("tests")), {language, ""});
    if (!tests_code) return fail("tests: no code");
    auto all_asserts = asserts_of(language, tests_code->code, entry);
    if (!all_asserts) return fail("tests: {}", all_asserts.error().message);
    std::vector<std::string> asserts = std::move(*all_asserts);
    std::set<std::string> seen;
    std::erase_if(asserts, [&](const std::string& a) { return !seen.insert(a).second; });
    if (asserts.size() < static_cast<std::size_t>(kMinTests))
        return fail("fewer than {} tests that call `{}`", kMinTests, entry);
    if (asserts.size() > kMaxTestsPerProblem) asserts.resize(kMaxTestsPerProblem);
    const std::size_t hidden = std::max<std::size_t>(1, asserts.size() / 3);
    for (std::size_t i = 0; i < asserts.size(); ++i) {
        const bool is_hidden = i >= asserts.size() - hidden;
        const std::size_t n = is_hidden ? i - (asserts.size() - hidden) : i;
        p.tests.push_back({fmt::format("{}_{}", is_hidden ? "hidden" : "visible", n), asserts[i],
                           is_hidden ? Visibility::hidden : Visibility::visible});
    }
    // The id names the whole problem (statement, reference and tests): two shards that make the
    // same id made the same problem, and `assay merge` keeps one.
    std::vector<std::string_view> parts{p.prompt, p.solution};
    for (const TestCase& t : p.tests)
        parts.push_back(t.code);
    p.id = fmt::format("llm/{}-{}", entry, util::content_hash_parts(parts).substr(0, 8));
    return p;
}

namespace {

// What one instruct request asks for: a new problem (Self-Instruct) or an evolved one.
struct Ask {
    llm::ChatRequest request;
    std::vector<std::string> topics; // what the new problem is about
    std::string level;
};

// What accepted problems must not repeat: statements, ids and reference solutions.
class Known {
  public:
    explicit Known(const Language& language) : language_(language) {}
    void add(const Problem& p) {
        index_.add(p.id, p.prompt);
        ids_.insert(p.id);
        if (const auto hash = syntax::ast_hash(language_.grammar, p.solution))
            solutions_.emplace(*hash, p.id);
    }
    [[nodiscard]] bool has_id(const std::string& id) const { return ids_.count(id) != 0; }
    // Why `p` repeats a known problem, or "" when it does not.
    [[nodiscard]] std::string repeats(const Problem& p, double max_similarity,
                                      std::string& detail) const {
        if (const auto near = index_.nearest(p.prompt);
            near && near->similarity >= max_similarity) {
            detail = fmt::format("{:.2f} similar to {}", near->similarity, near->id);
            return "too similar to an existing problem";
        }
        const auto hash = syntax::ast_hash(language_.grammar, p.solution);
        if (hash && solutions_.count(*hash) != 0) {
            detail = fmt::format("its solution is {}'s", solutions_.at(*hash));
            return "same reference solution as an existing problem";
        }
        if (has_id(p.id)) return "duplicate";
        return "";
    }

  private:
    const Language& language_;
    NgramIndex index_;
    std::set<std::string> ids_;
    std::map<std::string, std::string> solutions_; // normalised AST hash → problem id
};

class Instruct {
  public:
    Instruct(const LlmContext& c, const std::vector<Problem>& seeds, const InstructScope& scope,
             LlmSummary& summary)
        : c_(c), s_(c.settings), seeds_(seeds), scope_(scope), summary_(summary) {}

    Expected<std::vector<Problem>> run() {
        const int attempts = s_.new_problems >= 0
                                 ? s_.new_problems
                                 : std::max(2, static_cast<int>((seeds_.size() + 1) / 2));
        if (attempts == 0 || seeds_.empty()) return std::vector<Problem>{};
        std::vector<Ask> asks;
        std::vector<llm::ChatRequest> requests;
        for (int i = 0; i < attempts; ++i) {
            if (!scope_.shard.owns_request(static_cast<std::size_t>(i))) continue;
            asks.push_back(ask(i));
            requests.push_back(asks.back().request);
        }
        summary_.problems_asked += static_cast<int>(asks.size());
        if (asks.empty()) return std::vector<Problem>{};
        std::vector<Problem> drafts = read(asks, c_.driver.ask("instruct", requests, summary_));
        TaggedJobs<std::size_t> jobs;
        for (std::size_t i = 0; i < drafts.size(); ++i)
            jobs.add(
                i, make_job(drafts[i], drafts[i].solution, quick(c_.driver.language().limits, 0)));
        const auto ran = ASSAY_TRY(c_.driver.run(std::move(jobs), "new problems"));
        return accept(std::move(drafts), ran);
    }

  private:
    // The i-th request: every third evolves a seed, the others ask for a new problem on a topic
    // with two seeds as examples.
    Ask ask(int i) const {
        const std::uint64_t h = derive_seed(c_.driver.seed(), {"instruct", std::to_string(i)});
        const Language& language = c_.driver.language();
        if (i % 3 == 2) {
            const auto& methods = c_.prompts.at("evolve").list("methods");
            const Problem& base = seeds_[h % seeds_.size()];
            const std::string text =
                c_.prompts.render("evolve", "user",
                                  {{"problem", render_problem(language, base, false)},
                                   {"method", methods[(h >> 16) % methods.size()].description}});
            std::vector<std::string> topics = base.topics;
            topics.push_back("evolved");
            return {c_.prompts.request("evolve", s_.model, {{"user", text}}, h), std::move(topics),
                    base.difficulty == "easy" ? "medium" : "hard"};
        }
        const auto& topics = c_.prompts.at("instruct").list("topics");
        const auto& levels = c_.prompts.at("instruct").list("difficulties");
        const std::uint64_t rotation = derive_seed(c_.driver.seed(), {"instruct-topics"});
        const Problem& a = seeds_[h % seeds_.size()];
        const Problem& b = seeds_[(h / seeds_.size() + 1 + h % seeds_.size()) % seeds_.size()];
        std::string examples = "Example 1:\n\n" + render_problem(language, a, true);
        if (&a != &b) examples += "\nExample 2:\n\n" + render_problem(language, b, true);
        const std::string& topic =
            topics[(rotation + static_cast<std::uint64_t>(i)) % topics.size()].name;
        const std::string& level = levels[(h >> 24) % levels.size()].name;
        const std::string text = c_.prompts.render(
            "instruct", "user",
            {{"topic", topic}, {"difficulty", level}, {"examples", trimmed(examples)}});
        return {c_.prompts.request("instruct", s_.model, {{"user", text}}, h),
                {topic, "self-instruct"},
                level};
    }

    // The replies that hold a complete problem, as drafts.
    std::vector<Problem> read(const std::vector<Ask>& asks, const std::vector<Answer>& answers) {
        std::vector<Problem> drafts;
        for (std::size_t i = 0; i < answers.size(); ++i) {
            if (!answers[i].ok) {
                ++summary_.problems_rejected["llm call failed"];
                continue;
            }
            auto draft = parse_problem_reply(c_.driver.language(), answers[i].content);
            if (!draft) {
                const std::string reason =
                    answers[i].truncated ? std::string("truncated reply") : draft.error().message;
                ++summary_.problems_rejected[reason];
                c_.driver.log(fmt::format("instruct: reply {} rejected: {}", i, reason));
                continue;
            }
            draft->topics = asks[i].topics;
            draft->difficulty = asks[i].level;
            draft->origin_file =
                fmt::format("llm:{}", llm::request_hash(asks[i].request).substr(0, 16));
            drafts.push_back(std::move(*draft));
        }
        return drafts;
    }

    // The seeds and what was stored before the run. Another --seed or model may write the same
    // statement with other tests, which would replace the stored ones; a stored problem that is
    // one of the drafts is that draft made again, by a rerun: it is checked as it was then.
    Known known(const std::vector<Problem>& drafts) const {
        Known known(c_.driver.language());
        for (const Problem& p : seeds_)
            known.add(p);
        for (const Problem& p : scope_.prior) {
            const auto is_p = [&](const Problem& d) { return same_problem(d, p); };
            if (!known.has_id(p.id) && std::none_of(drafts.begin(), drafts.end(), is_p))
                known.add(p);
        }
        return known;
    }

    std::vector<Problem> accept(std::vector<Problem> drafts,
                                const std::vector<Ran<std::size_t>>& ran) {
        const Known seen = known(drafts);
        std::vector<Problem> accepted;
        std::set<std::string> ids; // a draft made twice (its id names its content) counts once
        for (const Ran<std::size_t>& r : ran) {
            Problem& p = drafts[r.tag];
            if (!r.result().all_passed()) {
                ++summary_.problems_rejected["reference fails its own tests"];
                c_.driver.log(fmt::format("instruct: {} rejected: reference {}", p.id,
                                          verdict_line(r.result())));
                continue;
            }
            std::string detail;
            if (const std::string why = seen.repeats(p, s_.max_similarity, detail); !why.empty()) {
                ++summary_.problems_rejected[why];
                if (!detail.empty())
                    c_.driver.log(fmt::format("instruct: {} rejected: {}", p.id, detail));
                continue;
            }
            if (!ids.insert(p.id).second) {
                ++summary_.problems_rejected["made twice by this run"];
                continue;
            }
            summary_.problems_accepted.push_back(p.id);
            accepted.push_back(std::move(p));
        }
        return accepted;
    }

    const LlmContext& c_;
    const LlmSettings& s_;
    const std::vector<Problem>& seeds_;
    const InstructScope& scope_;
    LlmSummary& summary_;
};

} // namespace

Expected<std::vector<Problem>> instruct(const LlmContext& context,
                                        const std::vector<Problem>& seeds,
                                        const InstructScope& scope, LlmSummary& summary) {
    return Instruct(context, seeds, scope, summary).run();
}

} // namespace assay::pipeline
