#include "pipeline/stages/solve.hpp"

#include "pipeline/stages/common.hpp"
#include "pipeline/verify.hpp"

#include <algorithm>
#include <fmt/format.h>
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

namespace {

// What a job of the solve batch checks.
struct SolveJob {
    enum class Role { sample_on_real_tests, sample_on_model_tests, reference_on_model_tests };
    std::size_t target = 0;
    Role role = Role::sample_on_real_tests;
    std::size_t sample = 0; // for the sample roles
};

// Per target: the samples' code and the distinct model-written tests; after the batch, their runs.
struct Work {
    struct Sample {
        std::string code;
        bool truncated = false;
        std::string call; // the llm call it came from
    };
    std::vector<Sample> samples;
    std::vector<std::string> tests;
    std::vector<const Executed*> on_real_tests;  // per sample
    std::vector<const Executed*> on_model_tests; // per sample (when there are tests)
    const Executed* reference = nullptr;         // on the model's tests (when there are any)
};

class Solve {
  public:
    Solve(const LlmContext& c, const std::vector<Target>& targets, LlmSummary& summary)
        : c_(c), s_(c.settings), targets_(targets), summary_(summary), work_(targets.size()) {}

    Expected<void> run() {
        read(c_.driver.ask("solve", requests(), summary_));
        const auto ran = ASSAY_TRY(c_.driver.run(jobs(), "samples x tests"));
        for (const Ran<SolveJob>& r : ran) {
            Work& w = work_[r.tag.target];
            switch (r.tag.role) {
            case SolveJob::Role::sample_on_real_tests:
                w.on_real_tests[r.tag.sample] = &r.run;
                break;
            case SolveJob::Role::sample_on_model_tests:
                w.on_model_tests[r.tag.sample] = &r.run;
                break;
            case SolveJob::Role::reference_on_model_tests:
                w.reference = &r.run;
                break;
            }
        }
        c_.driver.commit([&] {
            for (std::size_t t = 0; t < targets_.size(); ++t)
                record(*targets_[t].problem, work_[t]);
        });
        return {};
    }

  private:
    [[nodiscard]] std::size_t per_target() const {
        return static_cast<std::size_t>(s_.samples) + static_cast<std::size_t>(s_.test_replies);
    }

    // Per target: `samples` solutions asked for, then `test_replies` test blocks.
    std::vector<llm::ChatRequest> requests() const {
        const std::uint64_t seed = c_.driver.seed();
        std::vector<llm::ChatRequest> out;
        for (const Target& t : targets_) {
            const Problem& p = *t.problem;
            const std::string solve_text = c_.prompts.render(
                "solve", "user", {{"entry_point", p.entry_point}, {"prompt", p.prompt}});
            for (int k = 0; k < s_.samples; ++k)
                out.push_back(
                    c_.prompts.request("solve", s_.model, {{"user", solve_text}},
                                       derive_seed(seed, {"solve", p.id, std::to_string(k)})));
            const std::string tests_text =
                c_.prompts.render("tests", "user",
                                  {{"count", std::to_string(s_.tests_per_reply)},
                                   {"entry_point", p.entry_point},
                                   {"prompt", p.prompt}});
            for (int k = 0; k < s_.test_replies; ++k)
                out.push_back(
                    c_.prompts.request("tests", s_.model, {{"user", tests_text}},
                                       derive_seed(seed, {"tests", p.id, std::to_string(k)})));
        }
        return out;
    }

    void read(const std::vector<Answer>& answers) {
        const std::size_t per = per_target();
        for (std::size_t t = 0; t < targets_.size(); ++t) {
            std::set<std::string> seen;
            for (std::size_t k = 0; k < per; ++k) {
                const Answer& a = answers[t * per + k];
                if (!a.ok) continue;
                if (k < static_cast<std::size_t>(s_.samples))
                    read_sample(a, t);
                else
                    read_tests(a, t, seen);
            }
        }
    }

    void read_sample(const Answer& a, std::size_t t) {
        const Language& language = c_.driver.language();
        auto code = llm::extract_code(a.content, {language, targets_[t].problem->entry_point});
        if (code)
            work_[t].samples.push_back({code->code, a.truncated, a.call});
        else
            ++summary_.solve_rejected["sample: no code in the reply"];
    }

    void read_tests(const Answer& a, std::size_t t, std::set<std::string>& seen) {
        const Language& language = c_.driver.language();
        const auto block = llm::extract_code(a.content, {language, ""});
        if (!block) {
            ++summary_.solve_rejected["tests: no code in the reply"];
            return;
        }
        auto asserts = asserts_of(language, block->code, targets_[t].problem->entry_point);
        if (!asserts) {
            ++summary_.solve_rejected["tests: " + asserts.error().message];
            return;
        }
        if (asserts->empty()) ++summary_.solve_rejected["tests: none that call the entry point"];
        Work& w = work_[t];
        for (std::string& test : *asserts)
            if (w.tests.size() < kMaxTestsPerProblem && seen.insert(test).second)
                w.tests.push_back(std::move(test));
    }

    TaggedJobs<SolveJob> jobs() {
        using Role = SolveJob::Role;
        TaggedJobs<SolveJob> out;
        for (std::size_t t = 0; t < targets_.size(); ++t) {
            const Problem& p = *targets_[t].problem;
            const sandbox::Limits limits =
                quick(c_.driver.language().limits, targets_[t].reference_cpu_ms);
            Work& w = work_[t];
            w.on_real_tests.resize(w.samples.size());
            for (std::size_t k = 0; k < w.samples.size(); ++k)
                out.add({t, Role::sample_on_real_tests, k}, make_job(p, w.samples[k].code, limits));
            if (w.tests.empty()) continue;
            Problem model_tests = p;
            model_tests.test_setup.clear();
            model_tests.tests.clear();
            for (std::size_t i = 0; i < w.tests.size(); ++i)
                model_tests.tests.push_back(
                    {fmt::format("llm_{}", i), w.tests[i], Visibility::visible});
            w.on_model_tests.resize(w.samples.size());
            for (std::size_t k = 0; k < w.samples.size(); ++k)
                out.add({t, Role::sample_on_model_tests, k},
                        make_job(model_tests, w.samples[k].code, limits));
            out.add({t, Role::reference_on_model_tests, 0},
                    make_job(model_tests, p.solution, limits));
        }
        return out;
    }

    // The samples with their runs on the real tests; returns their candidate ids.
    std::vector<std::int64_t> record_samples(const Problem& p, const Work& w) {
        store::Store& db = c_.driver.store();
        std::vector<std::int64_t> ids;
        int passed = 0;
        for (std::size_t k = 0; k < w.samples.size(); ++k) {
            const Executed& e = *w.on_real_tests[k];
            ids.push_back(
                db.put_candidate({p.id, store::CandidateKind::solution, store::Origin::llm,
                                  w.samples[k].code, std::nullopt, "solve",
                                  json{{"stage", "solve"},
                                       {"truncated", w.samples[k].truncated},
                                       {"llm_call", w.samples[k].call}}
                                      .dump()}));
            db.put_execution(ids.back(), c_.driver.run_id(), e.key, e.result);
            passed += e.result.all_passed() ? 1 : 0;
        }
        summary_.samples += static_cast<int>(w.samples.size());
        summary_.samples_passed += passed;
        db.put_solve_stats(p.id, static_cast<int>(w.samples.size()), passed);
        return ids;
    }

    void record(const Problem& p, const Work& w) {
        const std::vector<std::int64_t> ids = record_samples(p, w);
        const std::size_t n = w.samples.size();
        if (w.tests.empty() || n == 0) return;
        // The solutions x tests matrix, and the agreement that chooses tests.
        std::vector<std::vector<std::size_t>> passes(n);
        for (std::size_t k = 0; k < n; ++k) {
            const sandbox::JobResult& r = w.on_model_tests[k]->result;
            for (std::size_t i = 0; i < r.cases.size(); ++i)
                if (r.verdict == Verdict::ok && r.cases[i].verdict == TestVerdict::passed)
                    passes[k].push_back(i);
        }
        const std::vector<std::size_t> group = consensus(passes);
        std::set<std::size_t> chosen;
        if (!group.empty()) {
            chosen.insert(passes[group.front()].begin(), passes[group.front()].end());
            ++summary_.codet_problems;
            summary_.codet_pick_passed +=
                w.on_real_tests[group.front()]->result.all_passed() ? 1 : 0;
        }
        summary_.tests_proposed += static_cast<int>(w.tests.size());
        for (std::size_t i = 0; i < w.tests.size(); ++i)
            record_test(p, w, i, chosen.count(i) != 0, passes, ids);
    }

    void record_test(const Problem& p, const Work& w, std::size_t i, bool is_chosen,
                     const std::vector<std::vector<std::size_t>>& passes,
                     const std::vector<std::int64_t>& ids) {
        const sandbox::JobResult& reference = w.reference->result;
        const bool correct = reference.verdict == Verdict::ok && i < reference.cases.size() &&
                             reference.cases[i].verdict == TestVerdict::passed;
        json agreeing = json::array();
        for (std::size_t k = 0; k < passes.size(); ++k)
            if (std::find(passes[k].begin(), passes[k].end(), i) != passes[k].end())
                agreeing.push_back(ids[k]);
        summary_.tests_chosen += is_chosen ? 1 : 0;
        summary_.tests_chosen_correct += is_chosen && correct ? 1 : 0;
        summary_.tests_rejected_incorrect += !is_chosen && !correct ? 1 : 0;
        c_.driver.store().put_candidate(
            {p.id, store::CandidateKind::test, store::Origin::llm, w.tests[i], std::nullopt,
             is_chosen ? "codet-chosen" : "codet-rejected",
             json{{"stage", "solve"}, {"passing_samples", agreeing}, {"reference_passes", correct}}
                 .dump()});
    }

    const LlmContext& c_;
    const LlmSettings& s_;
    const std::vector<Target>& targets_;
    LlmSummary& summary_;
    std::vector<Work> work_;
};

} // namespace

Expected<void> solve(const LlmContext& context, const std::vector<Target>& targets,
                     LlmSummary& summary) {
    return Solve(context, targets, summary).run();
}

} // namespace assay::pipeline
