// reflexion: attempts with test feedback until the tests pass (Reflexion traces).
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

// ---------------------------------------------------------------------------------------------
// Reflexion

namespace {

struct Step {
    std::string code;
    std::int64_t candidate = 0;
    std::int64_t execution = 0;
    sandbox::JobResult result; // visible tests
    std::string feedback;
    std::string reflection;
};

struct Trace {
    std::size_t target = 0;
    std::uint64_t seed = 0;
    std::vector<llm::Message> conversation; // without the system message
    std::vector<Step> steps;
    bool done = false;
    bool aborted = false; // an LLM call failed: the trace is left for a later run to finish
};

} // namespace

Expected<void> reflexion(const LlmContext& c, const std::vector<Target>& targets,
                         LlmSummary& summary) {
    const llm::PromptTemplate& tmpl = c.prompts.at("reflexion");
    std::vector<Trace> traces;
    std::vector<Problem> visible;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Problem& p = *targets[t].problem;
        const std::string tests = visible_tests(p);
        if (tests.empty()) continue;
        Trace trace;
        trace.target = t;
        trace.seed = derive_seed(c.seed, {"reflexion", p.id});
        trace.conversation.push_back({"user", c.prompts.render("reflexion", "user",
                                                               {{"entry_point", p.entry_point},
                                                                {"prompt", p.prompt},
                                                                {"tests", tests}})});
        traces.push_back(std::move(trace));
    }
    visible.reserve(targets.size());
    for (const Target& t : targets)
        visible.push_back(only_visible(*t.problem));

    for (int round = 0; round < c.settings.max_steps; ++round) {
        std::vector<std::size_t> active;
        std::vector<llm::ChatRequest> requests;
        for (std::size_t i = 0; i < traces.size(); ++i) {
            if (traces[i].done) continue;
            active.push_back(i);
            requests.push_back(
                c.prompts.request("reflexion", c.settings.model, traces[i].conversation,
                                  derive_seed(traces[i].seed, {"step", std::to_string(round)})));
        }
        if (active.empty()) break;
        const std::vector<Answer> answers = ask(c, "reflexion", requests, summary);
        std::vector<sandbox::HarnessJob> jobs;
        std::vector<std::size_t> ran;
        for (std::size_t k = 0; k < active.size(); ++k) {
            Trace& trace = traces[active[k]];
            if (!answers[k].ok) {
                trace.done = true;
                trace.aborted = true;
                continue;
            }
            const Problem& p = *targets[trace.target].problem;
            auto code =
                llm::extract_code(answers[k].content, {std::string(kPython), p.entry_point});
            Step step;
            step.code = code ? code->code : std::string();
            if (!trace.steps.empty())
                trace.steps.back().reflection =
                    clip(trimmed(code ? code->prose : answers[k].content), 4000);
            trace.conversation.push_back({"assistant", answers[k].content});
            trace.steps.push_back(std::move(step));
            jobs.push_back(
                make_job(visible[trace.target], trace.steps.back().code, quick(c.language.limits)));
            ran.push_back(active[k]);
        }
        const auto runs = ASSAY_TRY(execute(c, jobs, fmt::format("reflexion step {}", round + 1)));
        for (std::size_t k = 0; k < ran.size(); ++k) {
            Trace& trace = traces[ran[k]];
            Step& step = trace.steps.back();
            step.result = runs[k].result;
            c.db.transaction([&] {
                const Problem& p = *targets[trace.target].problem;
                const bool first = trace.steps.size() == 1;
                step.candidate = c.db.put_candidate(
                    {p.id, first ? store::CandidateKind::solution : store::CandidateKind::repair,
                     store::Origin::llm, step.code,
                     first ? std::nullopt
                           : std::optional<std::int64_t>(
                                 trace.steps[trace.steps.size() - 2].candidate),
                     "reflexion",
                     json{{"stage", "reflexion"}, {"step", trace.steps.size() - 1}}.dump()});
                step.execution =
                    c.db.put_execution(step.candidate, c.run, runs[k].key, step.result);
            });
            if (step.result.all_passed()) {
                trace.done = true;
                continue;
            }
            step.feedback = step.code.empty() ? std::string("Your reply held no Python program.")
                                              : test_feedback(jobs[k], step.result);
            if (round + 1 < c.settings.max_steps)
                trace.conversation.push_back(
                    {"user",
                     c.prompts.render("reflexion", "retry",
                                      {{"tests_passed", std::to_string(step.result.passed())},
                                       {"tests_total", std::to_string(step.result.cases.size())},
                                       {"feedback", step.feedback}})});
        }
    }

    // The final attempt of each trace, judged on every test. A trace cut short by a failed call
    // is not recorded (its attempts and their runs are): trajectories are stored once by key,
    // and the rerun that gets the missing reply must be the one to write it.
    std::vector<sandbox::HarnessJob> finals;
    std::vector<std::size_t> judged;
    for (std::size_t i = 0; i < traces.size(); ++i) {
        summary.traces_aborted += traces[i].aborted ? 1 : 0;
        if (!traces[i].steps.empty() && !traces[i].aborted) {
            finals.push_back(make_job(*targets[traces[i].target].problem,
                                      traces[i].steps.back().code, quick(c.language.limits)));
            judged.push_back(i);
        }
    }
    const auto final_runs = ASSAY_TRY(execute(c, finals, "reflexion final"));
    c.db.transaction([&] {
        for (std::size_t k = 0; k < judged.size(); ++k) {
            Trace& trace = traces[judged[k]];
            const Problem& p = *targets[trace.target].problem;
            const sandbox::JobResult& final_result = final_runs[k].result;
            const std::int64_t final_execution = c.db.put_execution(
                trace.steps.back().candidate, c.run, final_runs[k].key, final_result);
            const bool solved = trace.steps.back().result.all_passed() && final_result.all_passed();
            json messages = json::array({{{"role", "system"}, {"content", tmpl.system}}});
            for (const llm::Message& m : trace.conversation)
                messages.push_back({{"role", m.role}, {"content", m.content}});
            json meta{{"messages", messages},
                      {"final",
                       {{"execution", final_execution},
                        {"verdict", to_string(final_result.verdict)},
                        {"tests_passed", final_result.passed()},
                        {"tests_total", final_result.cases.size()}}},
                      {"max_steps", c.settings.max_steps},
                      {"model", c.settings.model},
                      {"seed", trace.seed}};
            std::vector<store::TrajectoryStep> steps;
            for (const Step& step : trace.steps)
                steps.push_back({step.candidate, step.execution, step.feedback, step.reflection});
            c.db.put_trajectory({fmt::format("reflexion:{}:{}", p.id, trace.seed), p.id,
                                 "reflexion", c.run, solved, meta.dump(), std::move(steps)});
            ++summary.traces;
            summary.traces_solved += solved ? 1 : 0;
            summary.traces_solved_first += solved && trace.steps.size() == 1 ? 1 : 0;
            ++summary.trace_steps[static_cast<int>(trace.steps.size())];
        }
    });
    return {};
}

} // namespace assay::pipeline
