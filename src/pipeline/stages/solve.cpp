// solve: sampled solutions and model-written tests, chosen by agreement (CodeT).
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

std::vector<std::size_t> consensus(const std::vector<std::vector<std::size_t>>& passes) {
    std::vector<std::pair<std::vector<std::size_t>, std::vector<std::size_t>>> groups;
    for (std::size_t s = 0; s < passes.size(); ++s) {
        std::vector<std::size_t> key = passes[s];
        std::sort(key.begin(), key.end());
        key.erase(std::unique(key.begin(), key.end()), key.end());
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.first == key; });
        if (it == groups.end())
            groups.push_back({key, {s}});
        else
            it->second.push_back(s);
    }
    std::size_t best_score = 0;
    std::vector<std::size_t> best;
    for (const auto& [tests, samples] : groups) {
        const std::size_t score = tests.size() * samples.size();
        if (score > best_score) best_score = score, best = samples;
    }
    return best;
}

// ---------------------------------------------------------------------------------------------
// solve: sampled solutions, LLM-written tests, CodeT agreement

Expected<void> solve(const LlmContext& c, const std::vector<Target>& targets, LlmSummary& summary) {
    const LlmSettings& s = c.settings;
    std::vector<llm::ChatRequest> requests;
    for (const Target& t : targets) {
        const Problem& p = *t.problem;
        const std::string solve_text = c.prompts.render(
            "solve", "user", {{"entry_point", p.entry_point}, {"prompt", p.prompt}});
        for (int k = 0; k < s.samples; ++k)
            requests.push_back(
                c.prompts.request("solve", s.model, {{"user", solve_text}},
                                  derive_seed(c.seed, {"solve", p.id, std::to_string(k)})));
        const std::string tests_text =
            c.prompts.render("tests", "user",
                             {{"count", std::to_string(s.tests_per_reply)},
                              {"entry_point", p.entry_point},
                              {"prompt", p.prompt}});
        for (int k = 0; k < s.test_replies; ++k)
            requests.push_back(
                c.prompts.request("tests", s.model, {{"user", tests_text}},
                                  derive_seed(c.seed, {"tests", p.id, std::to_string(k)})));
    }
    const std::vector<Answer> answers = ask(c, "solve", requests, summary);
    const std::size_t per =
        static_cast<std::size_t>(s.samples) + static_cast<std::size_t>(s.test_replies);

    // Per target: the samples' code (with their answer index) and the distinct LLM tests.
    struct Work {
        std::vector<std::pair<std::string, bool>> samples; // code, truncated
        std::vector<std::string> tests;
        std::size_t first_job = 0; // real-tests jobs, then per sample an LLM-tests job, then ref
    };
    std::vector<Work> work(targets.size());
    std::vector<sandbox::HarnessJob> jobs;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Problem& p = *targets[t].problem;
        Work& w = work[t];
        std::set<std::string> seen;
        for (std::size_t k = 0; k < per; ++k) {
            const Answer& a = answers[t * per + k];
            if (!a.ok) continue;
            if (k < static_cast<std::size_t>(s.samples)) {
                auto code = llm::extract_code(a.content, {std::string(kPython), p.entry_point});
                if (code)
                    w.samples.emplace_back(code->code, a.truncated);
                else
                    ++summary.solve_rejected["sample: no code in the reply"];
                continue;
            }
            const auto block = llm::extract_code(a.content, {std::string(kPython), ""});
            if (!block) {
                ++summary.solve_rejected["tests: no code in the reply"];
                continue;
            }
            auto asserts = asserts_of(block->code, p.entry_point);
            if (!asserts) {
                ++summary.solve_rejected["tests: " + asserts.error().message];
                continue;
            }
            if (asserts->empty()) ++summary.solve_rejected["tests: none that call the entry point"];
            for (std::string& test : *asserts)
                if (w.tests.size() < kMaxTestsPerProblem && seen.insert(test).second)
                    w.tests.push_back(std::move(test));
        }
        Problem llm_tests = p;
        llm_tests.test_setup.clear();
        llm_tests.tests.clear();
        for (std::size_t i = 0; i < w.tests.size(); ++i)
            llm_tests.tests.push_back({fmt::format("llm_{}", i), w.tests[i], Visibility::visible});
        w.first_job = jobs.size();
        for (const auto& sample : w.samples)
            jobs.push_back(make_job(p, sample.first, quick(c.language.limits)));
        if (!w.tests.empty()) {
            for (const auto& sample : w.samples)
                jobs.push_back(make_job(llm_tests, sample.first, quick(c.language.limits)));
            jobs.push_back(make_job(llm_tests, p.solution, quick(c.language.limits)));
        }
    }
    const auto runs = ASSAY_TRY(execute(c, jobs, "samples x tests"));

    c.db.transaction([&] {
        for (std::size_t t = 0; t < targets.size(); ++t) {
            const Problem& p = *targets[t].problem;
            const Work& w = work[t];
            const std::size_t n = w.samples.size();
            std::vector<std::int64_t> ids(n);
            std::vector<bool> real_pass(n);
            int passed = 0;
            for (std::size_t k = 0; k < n; ++k) {
                const Executed& e = runs[w.first_job + k];
                ids[k] = c.db.put_candidate(
                    {p.id, store::CandidateKind::solution, store::Origin::llm, w.samples[k].first,
                     std::nullopt, "solve",
                     json{{"stage", "solve"}, {"truncated", w.samples[k].second}}.dump()});
                c.db.put_execution(ids[k], c.run, e.key, e.result);
                real_pass[k] = e.result.all_passed();
                passed += real_pass[k] ? 1 : 0;
            }
            summary.samples += static_cast<int>(n);
            summary.samples_passed += passed;
            c.db.put_solve_stats(p.id, static_cast<int>(n), passed);
            if (w.tests.empty() || n == 0) continue;

            // The solutions x tests matrix, and the agreement that chooses tests.
            std::vector<std::vector<std::size_t>> passes(n);
            for (std::size_t k = 0; k < n; ++k) {
                const sandbox::JobResult& r = runs[w.first_job + n + k].result;
                for (std::size_t i = 0; i < r.cases.size(); ++i)
                    if (r.verdict == Verdict::ok && r.cases[i].verdict == TestVerdict::passed)
                        passes[k].push_back(i);
            }
            const sandbox::JobResult& reference = runs[w.first_job + 2 * n].result;
            const std::vector<std::size_t> group = consensus(passes);
            std::set<std::size_t> chosen;
            if (!group.empty()) {
                chosen.insert(passes[group.front()].begin(), passes[group.front()].end());
                ++summary.codet_problems;
                summary.codet_pick_passed += real_pass[group.front()] ? 1 : 0;
            }
            summary.tests_proposed += static_cast<int>(w.tests.size());
            for (std::size_t i = 0; i < w.tests.size(); ++i) {
                const bool correct = reference.verdict == Verdict::ok &&
                                     i < reference.cases.size() &&
                                     reference.cases[i].verdict == TestVerdict::passed;
                const bool is_chosen = chosen.count(i) != 0;
                json agreeing = json::array();
                for (std::size_t k = 0; k < n; ++k)
                    if (std::find(passes[k].begin(), passes[k].end(), i) != passes[k].end())
                        agreeing.push_back(ids[k]);
                summary.tests_chosen += is_chosen ? 1 : 0;
                summary.tests_chosen_correct += is_chosen && correct ? 1 : 0;
                summary.tests_rejected_incorrect += !is_chosen && !correct ? 1 : 0;
                c.db.put_candidate({p.id, store::CandidateKind::test, store::Origin::llm,
                                    w.tests[i], std::nullopt,
                                    is_chosen ? "codet-chosen" : "codet-rejected",
                                    json{{"stage", "solve"},
                                         {"passing_samples", agreeing},
                                         {"reference_passes", correct}}
                                        .dump()});
            }
        }
    });
    return {};
}

} // namespace assay::pipeline
