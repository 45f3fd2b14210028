#include "report/sections.hpp"

#include "report/charts.hpp"
#include "report/html.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <tuple>

namespace assay::report::sections {

namespace {

constexpr std::array<std::string_view, 7> kStageOrder{"instruct", "verify", "mutate",   "refactor",
                                                      "solve",    "bugs",   "reflexion"};
constexpr std::array<std::string_view, 9> kOutcomeOrder{
    "passed",       "tests failed",      "compile_error", "runtime_error", "timeout",
    "memory_limit", "forbidden_syscall", "output_limit",  "internal_error"};

// The position of `name` in `order`, or past its end (unknown names sort last, by name).
template <std::size_t N>
std::size_t rank(const std::array<std::string_view, N>& order, std::string_view name) {
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), name) - order.begin());
}

template <std::size_t N>
std::vector<std::string> ordered(std::vector<std::string> names,
                                 const std::array<std::string_view, N>& order) {
    std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
        return std::pair(rank(order, a), a) < std::pair(rank(order, b), b);
    });
    return names;
}

double share(int part, int whole) {
    return whole > 0 ? static_cast<double>(part) / whole : 0;
}

// A quantile of sorted `values` (nearest rank).
double quantile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return 0;
    const auto index =
        static_cast<std::size_t>(std::lround(q * static_cast<double>(sorted.size() - 1)));
    return sorted[std::min(index, sorted.size() - 1)];
}

// Bars of kind tallies, the most frequent first, at most `limit`.
std::vector<StackedBar> tally_bars(const std::vector<store::LabelTally>& tallies,
                                   std::size_t limit) {
    std::vector<StackedBar> bars;
    bars.reserve(tallies.size());
    for (const store::LabelTally& t : tallies)
        bars.push_back({fmt::format("{} · {}", t.label.empty() ? "(none)" : t.label, t.origin),
                        {static_cast<double>(t.kept), static_cast<double>(t.dropped)}});
    std::stable_sort(bars.begin(), bars.end(), [](const StackedBar& a, const StackedBar& b) {
        return a.values[0] + a.values[1] > b.values[0] + b.values[1];
    });
    if (bars.size() > limit) bars.resize(limit);
    return bars;
}

// `tallies` as a sentence ("K of N <what> (P%)") and a chart.
std::string kind_block(const std::vector<store::LabelTally>& tallies, const ChartHead& head,
                       std::string_view what, const std::vector<std::string>& series,
                       std::string_view none) {
    if (tallies.empty()) return note(none);
    std::int64_t kept = 0;
    std::int64_t total = 0;
    for (const store::LabelTally& t : tallies) {
        kept += t.kept;
        total += t.kept + t.dropped;
    }
    return note(fmt::format("{} of {} {} ({}); {} kinds{}.", kept, total, what,
                            percent(static_cast<double>(kept), static_cast<double>(total)),
                            tallies.size(),
                            tallies.size() > 30 ? ", the 30 most frequent shown" : "")) +
           stacked_bar_chart(head, series, tally_bars(tallies, 30));
}

std::string llm_table(const std::map<std::string, std::vector<const store::LlmCallRow*>>& by) {
    std::string out = "<table><thead><tr><th>model</th><th>calls</th><th>prompt tokens</th>"
                      "<th>completion tokens</th><th>HTTP attempts</th><th>latency mean</th>"
                      "<th>p50</th><th>p95</th><th>max</th></tr></thead><tbody>";
    for (const auto& [model, calls] : by) {
        std::int64_t prompt = 0;
        std::int64_t completion = 0;
        std::int64_t attempts = 0;
        std::vector<double> latency;
        for (const store::LlmCallRow* c : calls) {
            prompt += c->prompt_tokens;
            completion += c->completion_tokens;
            attempts += c->attempts;
            latency.push_back(c->latency_ms);
        }
        std::sort(latency.begin(), latency.end());
        const double mean = std::accumulate(latency.begin(), latency.end(), 0.0) /
                            static_cast<double>(latency.size());
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                           "<td>{} ms</td><td>{} ms</td><td>{} ms</td><td>{} ms</td></tr>",
                           escape(model), calls.size(), prompt, completion, attempts, number(mean),
                           number(quantile(latency, 0.5)), number(quantile(latency, 0.95)),
                           number(latency.back()));
    }
    return out + "</tbody></table>\n";
}

} // namespace

std::string open(std::string_view id, std::string_view title) {
    return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n", escape(id), escape(title));
}

std::string note(std::string_view text) {
    return fmt::format("<p>{}</p>\n", escape(text));
}

std::string languages(const store::ReportData& data) {
    std::string out = open("languages", "By language");
    if (data.by_language.empty())
        return out + note("No problem is recorded in this database.") + "</section>\n";
    const auto total = [](const std::map<std::string, store::Counts>& sections,
                          const std::string& section, std::string_view prefix = "") {
        std::int64_t n = 0;
        if (const auto it = sections.find(section); it != sections.end())
            for (const auto& [key, count] : it->second)
                if (key.starts_with(prefix)) n += count;
        return n;
    };
    out += note("Each problem's figures under its language: its programs by kind (references, "
                "samples, bugs, refactorings, repairs), their executions, the traces recorded and "
                "the problems decontamination leaves out of the exports.");
    out += "<table><thead><tr><th>language</th><th>problems</th><th>solutions</th><th>bugs</th>"
           "<th>refactorings</th><th>executions passed</th><th>traces</th><th>excluded</th>"
           "</tr></thead><tbody>";
    for (const auto& [language, sections] : data.by_language) {
        const std::int64_t runs = total(sections, "passed");
        const std::int64_t passed = total(sections, "passed", "passed");
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                           "<td>{} of {} ({})</td><td>{}</td><td>{}</td></tr>",
                           escape(language), total(sections, "problems"),
                           total(sections, "candidates", "solution/"),
                           total(sections, "candidates", "bug/"),
                           total(sections, "candidates", "refactor/"), passed, runs,
                           percent(static_cast<double>(passed), static_cast<double>(runs)),
                           total(sections, "trajectories"), total(sections, "exclusions"));
    }
    return out + "</tbody></table>\n</section>\n";
}

std::string verdicts(const store::ReportData& data) {
    std::string out = open("verdicts", "Verdicts per stage");
    if (data.stage_outcomes.empty())
        return out + note("No execution is recorded in this database.") + "</section>\n";
    std::set<std::string> outcome_set;
    std::vector<std::string> stages;
    for (const auto& [stage, counts] : data.stage_outcomes) {
        stages.push_back(stage);
        for (const auto& [outcome, n] : counts)
            outcome_set.insert(outcome);
    }
    const std::vector<std::string> series =
        ordered(std::vector<std::string>(outcome_set.begin(), outcome_set.end()), kOutcomeOrder);
    std::vector<StackedBar> bars;
    for (const std::string& stage : ordered(stages, kStageOrder)) {
        StackedBar bar{stage, {}};
        const store::Counts& counts = data.stage_outcomes.at(stage);
        for (const std::string& outcome : series) {
            const auto it = counts.find(outcome);
            bar.values.push_back(it == counts.end() ? 0 : static_cast<double>(it->second));
        }
        bars.push_back(std::move(bar));
    }
    out += note("Every execution (one program against its tests), by the stage that made the "
                "program and how the run ended: passed, a test failed, or the run's verdict.");
    out += stacked_bar_chart({"verdicts", "Executions by stage and outcome"}, series, bars);
    return out + "</section>\n";
}

std::string problems(const store::ReportData& data) {
    std::string out = open("pass-rates", "Pass rates");
    std::vector<double> rates;
    std::map<std::string, std::array<int, 3>> by_difficulty; // passed, solutions, problems
    store::Counts measured;
    for (const store::ProblemOutcome& p : data.problems_by_id) {
        if (p.solve_difficulty) ++measured[*p.solve_difficulty];
        if (p.solutions == 0) continue;
        rates.push_back(share(p.solutions_passed, p.solutions));
        auto& d = by_difficulty[p.difficulty.empty() ? "(none)" : p.difficulty];
        d[0] += p.solutions_passed;
        d[1] += p.solutions;
        d[2] += 1;
    }
    if (rates.empty())
        return out + note("No solution has been run on every test of its problem.") +
               "</section>\n";
    out += note(fmt::format("A problem's pass rate is the share of its solutions (references, "
                            "model samples, Reflexion attempts) whose newest run on every test "
                            "passed; {} problems have one.",
                            rates.size()));
    out += column_chart({"pass-rate", "Pass rate per problem"}, histogram(rates, 0, 1, 10, 1),
                        "pass rate (problems per bin)");
    std::vector<Bar> bars;
    bars.reserve(by_difficulty.size());
    for (const auto& [difficulty, d] : by_difficulty)
        bars.push_back({fmt::format("{} ({} problems)", difficulty, d[2]),
                        100.0 * share(d[0], d[1]),
                        fmt::format("{} ({}/{})", percent(d[0], d[1]), d[0], d[1])});
    out += bar_chart({"pass-rate-difficulty", "Pass rate by declared difficulty", 100}, bars);
    if (!measured.empty()) {
        std::vector<Bar> counted;
        counted.reserve(measured.size());
        for (const auto& [difficulty, n] : measured)
            counted.push_back({difficulty, static_cast<double>(n), ""});
        out += bar_chart({"measured-difficulty", "Problems by measured difficulty (model "
                                                 "sample pass rate)"},
                         counted);
    }
    return out + "</section>\n";
}

std::string mutation(const store::ReportData& data) {
    std::string out = open("mutation", "Mutation scores");
    std::vector<double> scores;
    for (const store::ProblemOutcome& p : data.problems_by_id)
        if (p.mutation_score) scores.push_back(*p.mutation_score);
    if (scores.empty())
        return out + note("No mutation score is recorded in this database.") + "</section>\n";
    const double mean =
        std::accumulate(scores.begin(), scores.end(), 0.0) / static_cast<double>(scores.size());
    out += note(fmt::format("A problem's mutation score is the share of its stored mutants that "
                            "fail at least one test; {} problems have one, mean {}.",
                            scores.size(), number(mean, 3)));
    out += column_chart({"mutation-score", "Mutation score histogram"},
                        histogram(scores, 0, 1, 10, 1), "mutation score (problems per bin)");
    return out + "</section>\n";
}

std::string kinds(const store::ReportData& data) {
    std::string out = open("kinds", "Bug and refactoring kinds");
    out += kind_block(data.bug_kinds, {"bug-kinds", "Bug kinds"}, "bugs killed by a test",
                      {"killed (kept)", "survived every test"},
                      "No bug is recorded in this database.");
    out += kind_block(data.refactor_kinds, {"refactor-kinds", "Refactoring kinds"},
                      "refactorings passing every test", {"passes (kept)", "fails a test"},
                      "No refactoring is recorded in this database.");
    return out + "</section>\n";
}

std::string reflexion(const store::ReportData& data) {
    std::string out = open("reflexion", "Reflexion steps to solve");
    if (data.reflexion.empty())
        return out + note("No Reflexion trajectory is recorded in this database.") + "</section>\n";
    int longest = 1;
    int solved = 0;
    int solved_steps = 0;
    for (const store::TraceLength& t : data.reflexion) {
        longest = std::max(longest, t.steps);
        solved += t.solved ? 1 : 0;
        solved_steps += t.solved ? t.steps : 0;
    }
    std::vector<Bar> columns;
    for (int steps = 1; steps <= longest; ++steps)
        columns.push_back({std::to_string(steps), 0, ""});
    columns.push_back({"unsolved", 0, ""});
    for (const store::TraceLength& t : data.reflexion)
        columns[t.solved ? static_cast<std::size_t>(std::max(t.steps, 1) - 1) : columns.size() - 1]
            .value += 1;
    out += note(fmt::format("{} of {} traces solved ({}); mean attempts to solve {}.", solved,
                            data.reflexion.size(),
                            percent(solved, static_cast<double>(data.reflexion.size())),
                            solved > 0 ? number(share(solved_steps, solved), 2) : "–"));
    out += column_chart({"reflexion-steps", "Reflexion traces by attempts to solve"}, columns,
                        "attempts until the tests passed (traces)");
    return out + "</section>\n";
}

std::string llm(const store::ReportData& data) {
    std::string out = open("llm", "LLM calls");
    if (data.llm_calls.empty())
        return out + note("No LLM call is recorded in this database (an offline run).") +
               "</section>\n";
    std::map<std::string, std::vector<const store::LlmCallRow*>> by_model;
    store::Counts finish;
    std::vector<double> latency;
    for (const store::LlmCallRow& c : data.llm_calls) {
        by_model[c.model].push_back(&c);
        ++finish[c.finish_reason.empty() ? "(none)" : c.finish_reason];
        latency.push_back(c.latency_ms);
    }
    out += note("Every successful call, as recorded (a rerun answered from the database adds "
                "none). Latency is the whole transfer, retries included.");
    out += llm_table(by_model);
    std::vector<StackedBar> tokens;
    tokens.reserve(by_model.size());
    for (const auto& [model, calls] : by_model) {
        StackedBar bar{model, {0, 0}};
        for (const store::LlmCallRow* c : calls) {
            bar.values[0] += static_cast<double>(c->prompt_tokens);
            bar.values[1] += static_cast<double>(c->completion_tokens);
        }
        tokens.push_back(std::move(bar));
    }
    out += stacked_bar_chart({"llm-tokens", "Tokens by model"}, {"prompt", "completion"}, tokens);
    std::vector<Bar> reasons;
    reasons.reserve(finish.size());
    for (const auto& [reason, n] : finish)
        reasons.push_back({reason, static_cast<double>(n), ""});
    out += bar_chart({"llm-finish", "Calls by finish reason"}, reasons);
    const double slowest = *std::max_element(latency.begin(), latency.end());
    out += column_chart({"llm-latency", "Call latency histogram"},
                        histogram(latency, 0, std::max(slowest, 1.0), 10, 0),
                        "latency in ms, lower bound of the bin (calls)");
    return out + "</section>\n";
}

std::string filtering(const store::ReportData& data) {
    std::string out = open("filtering", "Decontamination and deduplication");
    // The newest run whose summary says what its decontaminate stage checked.
    nlohmann::json stage;
    std::int64_t stage_run = 0;
    for (const store::RunRow& run : data.runs) {
        const auto parsed = nlohmann::json::parse(run.summary, nullptr, false);
        if (parsed.is_object() && parsed.contains("decontamination") &&
            parsed["decontamination"].is_object())
            std::tie(stage, stage_run) = std::pair(parsed["decontamination"], run.id);
    }
    if (stage.is_null() && data.exclusions.empty())
        return out + note("Decontamination and deduplication are not recorded in this database.") +
               "</section>\n";
    // A number, or the length of a list (benchmark_files names each file).
    const auto count = [&](const char* key) -> std::int64_t {
        if (!stage.contains(key)) return 0;
        const nlohmann::json& v = stage[key];
        if (v.is_array()) return static_cast<std::int64_t>(v.size());
        return v.is_number() ? v.get<std::int64_t>() : 0;
    };
    if (!stage.is_null())
        out += note(fmt::format(
            "Run {} checked {} problems against {} benchmark problems in {} files and left {} "
            "out of the exports: a solution or prompt that copies or nearly copies a benchmark "
            "task, and all but one of each cluster of near-duplicate problems.",
            stage_run, count("checked"), count("benchmarks"), count("benchmark_files"),
            count("dropped")));
    if (data.exclusions.empty()) return out + note("No problem is excluded.") + "</section>\n";
    // A problem may match several rules; the bars count matches, the table lists them.
    store::Counts by_rule;
    std::set<std::string> problems;
    for (const store::Exclusion& e : data.exclusions) {
        ++by_rule[e.rule];
        problems.insert(e.problem_id);
    }
    std::vector<Bar> bars;
    bars.reserve(by_rule.size());
    for (const auto& [rule, n] : by_rule)
        bars.push_back({rule, static_cast<double>(n), ""});
    out += bar_chart(
        {"exclusion-rules", fmt::format("Matches by rule ({} problems excluded)", problems.size())},
        bars);
    constexpr std::size_t kShown = 200;
    out += "<table><thead><tr><th>problem</th><th>rule</th><th>against</th><th>score</th>"
           "</tr></thead><tbody>";
    for (std::size_t i = 0; i < std::min(kShown, data.exclusions.size()); ++i) {
        const store::Exclusion& e = data.exclusions[i];
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td></tr>",
                           escape(e.problem_id), escape(e.rule), escape(e.against), e.score);
    }
    out += "</tbody></table>\n";
    if (data.exclusions.size() > kShown)
        out += note(fmt::format("and {} more matches (assay stats lists every rule's count).",
                                data.exclusions.size() - kShown));
    return out + "</section>\n";
}

} // namespace assay::report::sections
