// instruct: new problems from the model, verified before they are kept.
#include "llm/cache.hpp"
#include "llm/reply_parser.hpp"
#include "pipeline/similarity.hpp"
#include "pipeline/stages/common.hpp"
#include "pipeline/verify.hpp"
#include "syntax/ast_hash.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/split_tests.hpp"
#include "syntax/syntax_check.hpp"
#include "util/hash.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>
#include <set>

namespace assay::pipeline {

using nlohmann::json;
using namespace stages;

Expected<Problem> parse_problem_reply(const std::string& reply) {
    const std::vector<llm::Section> all = llm::sections(reply);
    auto need = [&](std::string_view name) -> Expected<std::string> {
        auto body = llm::section(all, name);
        if (!body || body->empty()) return fail("missing section '{}'", name);
        return *body;
    };
    Problem p;
    p.language = std::string(kPython);
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
    auto solution = code_of(ASSAY_TRY(need("solution")), entry);
    if (!solution) return fail("solution: {}", solution.error().message);
    p.solution = solution->code;
    const auto tests_code = llm::extract_code(ASSAY_TRY(need("tests")), {std::string(kPython), ""});
    if (!tests_code) return fail("tests: no code");
    auto all_asserts = asserts_of(tests_code->code, entry);
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
    p.id = fmt::format("llm/{}-{}", entry, util::content_hash(p.prompt).substr(0, 8));
    return p;
}

// ---------------------------------------------------------------------------------------------
// instruct

Expected<std::vector<Problem>> instruct(const LlmContext& c, const std::vector<Problem>& seeds,
                                        LlmSummary& summary) {
    const LlmSettings& s = c.settings;
    const int attempts = s.new_problems >= 0
                             ? s.new_problems
                             : std::max(2, static_cast<int>((seeds.size() + 1) / 2));
    if (attempts == 0 || seeds.empty()) return std::vector<Problem>{};
    const auto& topics = c.prompts.at("instruct").list("topics");
    const auto& levels = c.prompts.at("instruct").list("difficulties");
    const auto& methods = c.prompts.at("evolve").list("methods");
    const std::uint64_t rotation = derive_seed(c.seed, {"instruct-topics"});

    std::vector<llm::ChatRequest> requests;
    std::vector<std::string> kinds;
    std::vector<std::vector<std::string>> topics_of; // what each new problem is about
    std::vector<std::string> levels_of;
    for (int i = 0; i < attempts; ++i) {
        const std::uint64_t h = derive_seed(c.seed, {"instruct", std::to_string(i)});
        if (i % 3 == 2) {
            const Problem& base = seeds[h % seeds.size()];
            const std::string text =
                c.prompts.render("evolve", "user",
                                 {{"problem", render_problem(base, false)},
                                  {"method", methods[(h >> 16) % methods.size()].description}});
            requests.push_back(c.prompts.request("evolve", s.model, {{"user", text}}, h));
            kinds.push_back("evolve");
            topics_of.push_back(base.topics);
            topics_of.back().push_back("evolved");
            levels_of.push_back(base.difficulty == "easy" ? "medium" : "hard");
            continue;
        }
        const Problem& a = seeds[h % seeds.size()];
        const Problem& b = seeds[(h / seeds.size() + 1 + h % seeds.size()) % seeds.size()];
        std::string examples = "Example 1:\n\n" + render_problem(a, true);
        if (&a != &b) examples += "\nExample 2:\n\n" + render_problem(b, true);
        const std::string& topic =
            topics[(rotation + static_cast<std::uint64_t>(i)) % topics.size()].name;
        const std::string& level = levels[(h >> 24) % levels.size()].name;
        const std::string text = c.prompts.render(
            "instruct", "user",
            {{"topic", topic}, {"difficulty", level}, {"examples", trimmed(examples)}});
        requests.push_back(c.prompts.request("instruct", s.model, {{"user", text}}, h));
        kinds.push_back("instruct");
        topics_of.push_back({topic, "self-instruct"});
        levels_of.push_back(level);
    }
    summary.problems_asked += attempts;
    const std::vector<Answer> answers = ask(c, "instruct", requests, summary);

    std::vector<Problem> drafts;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (!answers[i].ok) {
            ++summary.problems_rejected["llm call failed"];
            continue;
        }
        auto draft = parse_problem_reply(answers[i].content);
        if (!draft) {
            const std::string reason =
                answers[i].truncated ? std::string("truncated reply") : draft.error().message;
            ++summary.problems_rejected[reason];
            log(c, fmt::format("instruct: reply {} rejected: {}", i, reason));
            continue;
        }
        draft->topics = topics_of[i];
        draft->difficulty = levels_of[i];
        draft->origin_file = fmt::format("llm:{}", llm::request_hash(requests[i]).substr(0, 16));
        drafts.push_back(std::move(*draft));
    }
    std::vector<sandbox::HarnessJob> jobs;
    jobs.reserve(drafts.size());
    for (const Problem& p : drafts)
        jobs.push_back(make_job(p, p.solution, quick(c.language.limits)));
    const auto runs = ASSAY_TRY(execute(c, jobs, "new problems"));

    NgramIndex index;
    std::set<std::string> ids;
    std::map<std::string, std::string> solutions; // normalised AST hash → problem id
    auto know = [&](const Problem& p) {
        index.add(p.id, p.prompt);
        ids.insert(p.id);
        if (const auto hash = syntax::ast_hash(kPython, p.solution)) solutions.emplace(*hash, p.id);
    };
    for (const Problem& p : seeds)
        know(p);
    // What earlier runs stored is known too (another --seed or model may write the same
    // statement with other tests, which would replace the stored ones). A stored problem that
    // is one of the drafts is that draft made again, by a rerun: it is checked as it was then.
    for (const Problem& p : c.db.problems()) {
        const auto is_p = [&](const Problem& d) { return same_problem(d, p); };
        if (ids.count(p.id) == 0 && std::none_of(drafts.begin(), drafts.end(), is_p)) know(p);
    }
    std::vector<Problem> accepted;
    for (std::size_t i = 0; i < drafts.size(); ++i) {
        Problem& p = drafts[i];
        if (!runs[i].result.all_passed()) {
            ++summary.problems_rejected["reference fails its own tests"];
            log(c, fmt::format("instruct: {} rejected: reference {}", p.id,
                               verdict_line(runs[i].result)));
            continue;
        }
        if (const auto near = index.nearest(p.prompt);
            near && near->similarity >= s.max_similarity) {
            ++summary.problems_rejected["too similar to an existing problem"];
            log(c, fmt::format("instruct: {} rejected: {:.2f} similar to {}", p.id,
                               near->similarity, near->id));
            continue;
        }
        const auto hash = syntax::ast_hash(kPython, p.solution);
        if (hash && solutions.count(*hash) != 0) {
            ++summary.problems_rejected["same reference solution as an existing problem"];
            log(c, fmt::format("instruct: {} rejected: its solution is {}'s", p.id,
                               solutions.at(*hash)));
            continue;
        }
        if (!ids.insert(p.id).second) {
            ++summary.problems_rejected["duplicate"];
            continue;
        }
        if (hash) solutions.emplace(*hash, p.id);
        index.add(p.id, p.prompt);
        summary.problems_accepted.push_back(p.id);
        accepted.push_back(std::move(p));
    }
    return accepted;
}

} // namespace assay::pipeline
