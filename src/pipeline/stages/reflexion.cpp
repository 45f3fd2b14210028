#include "pipeline/stages/reflexion.hpp"

#include "pipeline/stages/bugfix.hpp"
#include "pipeline/stages/common.hpp"
#include "pipeline/verify.hpp"
#include "store/trajectory_meta.hpp"

#include <fmt/format.h>

namespace assay::pipeline {

using nlohmann::json;
using namespace stages;

namespace {

struct Step {
    std::string code;
    std::string call; // the llm call whose answer holds it
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

class Reflexion {
  public:
    Reflexion(const LlmContext& c, const std::vector<Target>& targets, LlmSummary& summary)
        : c_(c), targets_(targets), summary_(summary) {
        for (std::size_t t = 0; t < targets.size(); ++t)
            begin(t);
        visible_.reserve(targets.size());
        for (const Target& t : targets)
            visible_.push_back(only_visible(*t.problem));
    }

    Expected<void> run() {
        for (int round = 0; round < c_.settings.max_steps; ++round) {
            std::vector<std::size_t> active;
            for (std::size_t i = 0; i < traces_.size(); ++i)
                if (!traces_[i].done) active.push_back(i);
            if (active.empty()) break;
            ASSAY_TRY(step(round, active));
        }
        return judge();
    }

  private:
    void begin(std::size_t t) {
        const Problem& p = *targets_[t].problem;
        const std::string tests = visible_tests(p);
        if (tests.empty()) return;
        Trace trace;
        trace.target = t;
        trace.seed = derive_seed(c_.driver.seed(), {"reflexion", p.id});
        trace.conversation.push_back({"user", c_.prompts.render("reflexion", "user",
                                                                {{"entry_point", p.entry_point},
                                                                 {"prompt", p.prompt},
                                                                 {"tests", tests}})});
        traces_.push_back(std::move(trace));
    }

    // One attempt of every active trace, run on the visible tests.
    Expected<void> step(int round, const std::vector<std::size_t>& active) {
        std::vector<llm::ChatRequest> requests;
        requests.reserve(active.size());
        for (const std::size_t i : active)
            requests.push_back(
                c_.prompts.request("reflexion", c_.settings.model, traces_[i].conversation,
                                   derive_seed(traces_[i].seed, {"step", std::to_string(round)})));
        const std::vector<Answer> answers = c_.driver.ask("reflexion", requests, summary_);
        TaggedJobs<std::size_t> jobs;
        for (std::size_t k = 0; k < active.size(); ++k)
            if (attempt(traces_[active[k]], answers[k]))
                jobs.add(active[k],
                         make_job(visible_[traces_[active[k]].target],
                                  traces_[active[k]].steps.back().code,
                                  quick(c_.driver.language().limits,
                                        targets_[traces_[active[k]].target].reference_cpu_ms)));
        const auto ran =
            ASSAY_TRY(c_.driver.run(std::move(jobs), fmt::format("reflexion step {}", round + 1)));
        for (const Ran<std::size_t>& r : ran)
            after(traces_[r.tag], r, round);
        return {};
    }

    // Reads an answer into the trace's next step; false when the call failed (the trace ends).
    bool attempt(Trace& trace, const Answer& answer) const {
        if (!answer.ok) {
            trace.done = true;
            trace.aborted = true;
            return false;
        }
        const Problem& p = *targets_[trace.target].problem;
        auto code = llm::extract_code(answer.content, {c_.driver.language(), p.entry_point});
        Step step;
        step.code = code ? code->code : std::string();
        step.call = answer.call;
        if (!trace.steps.empty())
            trace.steps.back().reflection =
                clip(trimmed(code ? code->prose : answer.content), 4000);
        trace.conversation.push_back({"assistant", answer.content});
        trace.steps.push_back(std::move(step));
        return true;
    }

    // Records the attempt and its run; unless it passed, tells the model what failed.
    void after(Trace& trace, const Ran<std::size_t>& ran, int round) {
        Step& step = trace.steps.back();
        step.result = ran.result();
        c_.driver.commit([&] {
            store::Store& db = c_.driver.store();
            const Problem& p = *targets_[trace.target].problem;
            const bool first = trace.steps.size() == 1;
            step.candidate = db.put_candidate(
                {p.id, first ? store::CandidateKind::solution : store::CandidateKind::repair,
                 store::Origin::llm, step.code,
                 first ? std::nullopt
                       : std::optional<std::int64_t>(trace.steps[trace.steps.size() - 2].candidate),
                 "reflexion",
                 json{{"stage", "reflexion"},
                      {"step", trace.steps.size() - 1},
                      {"llm_call", step.call}}
                     .dump()});
            step.execution =
                db.put_execution(step.candidate, c_.driver.run_id(), ran.run.key, step.result);
        });
        if (step.result.all_passed()) {
            trace.done = true;
            return;
        }
        step.feedback = step.code.empty() ? fmt::format("Your reply held no {} program.",
                                                        c_.driver.language().title)
                                          : test_feedback(ran.job, step.result);
        if (round + 1 < c_.settings.max_steps)
            trace.conversation.push_back(
                {"user",
                 c_.prompts.render("reflexion", "retry",
                                   {{"tests_passed", std::to_string(step.result.passed())},
                                    {"tests_total", std::to_string(step.result.cases.size())},
                                    {"feedback", step.feedback}})});
    }

    // The final attempt of each trace, judged on every test. A trace cut short by a failed call
    // is not recorded (its attempts and their runs are): trajectories are stored once by key,
    // and the rerun that gets the missing reply must be the one to write it.
    Expected<void> judge() {
        TaggedJobs<std::size_t> finals;
        for (std::size_t i = 0; i < traces_.size(); ++i) {
            summary_.traces_aborted += traces_[i].aborted ? 1 : 0;
            if (!traces_[i].steps.empty() && !traces_[i].aborted)
                finals.add(i, make_job(*targets_[traces_[i].target].problem,
                                       traces_[i].steps.back().code,
                                       quick(c_.driver.language().limits,
                                             targets_[traces_[i].target].reference_cpu_ms)));
        }
        const auto ran = ASSAY_TRY(c_.driver.run(std::move(finals), "reflexion final"));
        c_.driver.commit([&] {
            for (const Ran<std::size_t>& r : ran)
                record(traces_[r.tag], r.run);
        });
        return {};
    }

    void record(const Trace& trace, const Executed& final_run) {
        store::Store& db = c_.driver.store();
        const Problem& p = *targets_[trace.target].problem;
        const sandbox::JobResult& final_result = final_run.result;
        const std::int64_t final_execution = db.put_execution(
            trace.steps.back().candidate, c_.driver.run_id(), final_run.key, final_result);
        const bool solved = trace.steps.back().result.all_passed() && final_result.all_passed();
        std::vector<store::TrajectoryMessage> messages{
            {"system", c_.prompts.at("reflexion").system}};
        for (const llm::Message& m : trace.conversation)
            messages.push_back({m.role, m.content});
        std::vector<std::string> calls;
        for (const Step& step : trace.steps)
            calls.push_back(step.call);
        const store::TrajectoryMeta meta{
            .messages = std::move(messages),
            .calls = std::move(calls),
            .final_run =
                store::TrajectoryFinal{.execution = final_execution,
                                       .verdict = std::string(to_string(final_result.verdict)),
                                       .tests_passed = final_result.passed(),
                                       .tests_total = static_cast<int>(final_result.cases.size())},
            .max_steps = c_.settings.max_steps,
            .model = c_.settings.model,
            .seed = trace.seed};
        std::vector<store::TrajectoryStep> steps;
        for (const Step& step : trace.steps)
            steps.push_back({step.candidate, step.execution, step.feedback, step.reflection});
        db.put_trajectory({fmt::format("reflexion:{}:{}", p.id, trace.seed), p.id, "reflexion",
                           c_.driver.run_id(), solved, json(meta).dump(), std::move(steps)});
        ++summary_.traces;
        summary_.traces_solved += solved ? 1 : 0;
        summary_.traces_solved_first += solved && trace.steps.size() == 1 ? 1 : 0;
        ++summary_.trace_steps[static_cast<int>(trace.steps.size())];
    }

    const LlmContext& c_;
    const std::vector<Target>& targets_;
    LlmSummary& summary_;
    std::vector<Trace> traces_;
    std::vector<Problem> visible_;
};

} // namespace

Expected<void> reflexion(const LlmContext& context, const std::vector<Target>& targets,
                         LlmSummary& summary) {
    return Reflexion(context, targets, summary).run();
}

} // namespace assay::pipeline
