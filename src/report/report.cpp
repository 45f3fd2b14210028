#include "report/report.hpp"

#include "report/html.hpp"
#include "report/sections.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <numeric>
#include <tuple>
#include <unistd.h>

namespace assay::report {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kStyle = R"css(
body { font-family: system-ui, sans-serif; margin: 24px; color: #212121; background: #fff;
       max-width: 1180px; }
h1 { margin-bottom: 4px; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 32px; }
nav a { margin-right: 12px; }
.numbers { display: flex; flex-wrap: wrap; gap: 12px; }
.number { border: 1px solid #ddd; border-radius: 4px; padding: 8px 14px; min-width: 120px; }
.number b { display: block; font-size: 22px; }
section { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; }
section > h2, section > p, section > table, section > h3, section > div { flex-basis: 100%; }
figure.chart { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart-svg { font-size: 11px; fill: #212121; }
svg.chart-svg .axis { stroke: #616161; stroke-width: 1; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.message { max-width: 520px; white-space: pre-wrap; font-family: monospace; font-size: 12px; }
.passed { color: #2e7d32; }
.failed { color: #c62828; }
)css";

std::string number_box(std::string_view label, std::string_view value) {
    return fmt::format("<div class=\"number\"><b>{}</b>{}</div>", escape(value), escape(label));
}

std::int64_t total(const store::Counts& counts) {
    return std::accumulate(counts.begin(), counts.end(), std::int64_t{0},
                           [](std::int64_t sum, const auto& entry) { return sum + entry.second; });
}

std::string counts_table(std::string_view key, const store::Counts& counts) {
    std::string out =
        fmt::format("<table><thead><tr><th>{}</th><th>rows</th></tr></thead><tbody>", escape(key));
    for (const auto& [name, n] : counts)
        out += fmt::format("<tr><td>{}</td><td>{}</td></tr>", escape(name), n);
    return out + "</tbody></table>\n";
}

std::string runs_table(const std::vector<store::RunRow>& runs) {
    std::string out = "<table><thead><tr><th>run</th><th>command</th><th>status</th>"
                      "<th>started</th><th>finished</th></tr></thead><tbody>";
    const std::size_t first = runs.size() > 10 ? runs.size() - 10 : 0;
    for (std::size_t i = first; i < runs.size(); ++i)
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                           runs[i].id, escape(runs[i].command), escape(runs[i].status),
                           escape(runs[i].started_at), escape(runs[i].finished_at));
    return out + "</tbody></table>\n";
}

std::string overview(const ReportInput& input) {
    const store::ReportData& d = input.data;
    std::int64_t executions = 0;
    std::int64_t passed = 0;
    for (const auto& [stage, counts] : d.stage_outcomes) {
        executions += total(counts);
        if (const auto it = counts.find("passed"); it != counts.end()) passed += it->second;
    }
    std::string out = sections::open("overview", "Overview");
    out += "<div class=\"numbers\">";
    out += number_box("problems", std::to_string(total(d.problems)));
    out += number_box("candidates", std::to_string(total(d.candidates)));
    out += number_box("executions", std::to_string(executions));
    out += number_box("executions passed",
                      percent(static_cast<double>(passed), static_cast<double>(executions)));
    out += number_box("LLM calls", std::to_string(d.llm_calls.size()));
    out += number_box("Reflexion traces", std::to_string(d.reflexion.size()));
    out += number_box("runs", std::to_string(d.runs.size()));
    out += "</div>\n";
    out += "<div>" + counts_table("problems by source", d.problems) +
           counts_table("candidates by kind/origin", d.candidates) + "</div>\n";
    if (!d.runs.empty()) out += "<h3>Runs (the newest 10)</h3>\n" + runs_table(d.runs);
    return out + "</section>\n";
}

std::string optional_score(const std::optional<double>& value) {
    return value ? number(*value, 2) : "–";
}

std::string worst_table(const std::vector<const store::ProblemOutcome*>& worst) {
    std::string out = sections::open("worst", "Worst problems");
    if (worst.empty())
        return out + sections::note("No problem has a solution run on every test.") +
               "</section>\n";
    out += sections::note("The problems whose solutions pass least often (then the weakest "
                          "tests by mutation score); each links to its candidates below.");
    out += "<table><thead><tr><th>#</th><th>problem</th><th>source</th><th>difficulty</th>"
           "<th>solutions passing</th><th>reference</th><th>mutation score</th>"
           "<th>sample pass rate</th></tr></thead><tbody>";
    for (std::size_t i = 0; i < worst.size(); ++i) {
        const store::ProblemOutcome& p = *worst[i];
        const std::string reference =
            !p.reference_passed ? "–" : (*p.reference_passed ? "passes" : "fails");
        out += fmt::format(
            "<tr><td>{}</td><td><a href=\"#problem-{}\">{}</a></td><td>{}</td><td>{}</td>"
            "<td>{}/{} ({})</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1, i + 1, escape(p.id), escape(p.source), escape(p.difficulty), p.solutions_passed,
            p.solutions, percent(p.solutions_passed, p.solutions), reference,
            optional_score(p.mutation_score), optional_score(p.solve_rate));
    }
    return out + "</tbody></table>\n</section>\n";
}

std::string candidate_rows(const std::vector<store::CandidateOutcome>& candidates) {
    std::string out = "<table><thead><tr><th>candidate</th><th>kind</th><th>origin</th>"
                      "<th>label</th><th>verdict</th><th>tests</th><th>message</th></tr>"
                      "</thead><tbody>";
    for (const store::CandidateOutcome& c : candidates) {
        const std::string verdict =
            !c.verdict ? "not run"
                       : fmt::format("<span class=\"{}\">{}</span>", c.passed ? "passed" : "failed",
                                     escape(c.passed ? "passed" : *c.verdict));
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                           "<td>{}/{}</td><td class=\"message\">{}</td></tr>",
                           c.id, escape(c.kind), escape(c.origin), escape(c.label), verdict,
                           c.tests_passed, c.tests_total, escape(util::clip(c.message, 300)));
    }
    return out + "</tbody></table>\n";
}

std::string details(const ReportInput& input,
                    const std::vector<const store::ProblemOutcome*>& worst) {
    if (worst.empty()) return {};
    std::string out = "<section id=\"details\">\n<h2>Problems in detail</h2>\n";
    for (std::size_t i = 0; i < worst.size(); ++i) {
        const store::ProblemOutcome& p = *worst[i];
        out +=
            fmt::format("<div id=\"problem-{}\">\n<h3>{}. {}</h3>\n", i + 1, i + 1, escape(p.id));
        out += sections::note(fmt::format(
            "{}; {}/{} solutions pass; {} mutants stored.", p.title, p.solutions_passed,
            p.solutions, p.mutants_total ? std::to_string(*p.mutants_total) : std::string("no")));
        const auto it = input.candidates.find(p.id);
        if (it != input.candidates.end()) {
            if (it->second.size() >= static_cast<std::size_t>(kCandidatesShown))
                out += sections::note(
                    fmt::format("The first {} candidates, by id.", kCandidatesShown));
            out += candidate_rows(it->second);
        }
        out += "<p><a href=\"#worst\">back to the table</a></p>\n</div>\n";
    }
    return out + "</section>\n";
}

constexpr std::string_view kNav =
    "<nav><a href=\"#overview\">overview</a><a href=\"#verdicts\">verdicts</a>"
    "<a href=\"#pass-rates\">pass rates</a><a href=\"#mutation\">mutation</a>"
    "<a href=\"#kinds\">bug and refactoring kinds</a><a href=\"#reflexion\">Reflexion</a>"
    "<a href=\"#llm\">LLM</a><a href=\"#filtering\">decontamination</a>"
    "<a href=\"#worst\">worst problems</a></nav>\n";

} // namespace

std::vector<const store::ProblemOutcome*> worst_problems(const store::ReportData& data,
                                                         std::size_t count) {
    std::vector<const store::ProblemOutcome*> out;
    for (const store::ProblemOutcome& p : data.problems_by_id)
        if (p.solutions > 0) out.push_back(&p);
    const auto key = [](const store::ProblemOutcome* p) {
        return std::tuple(static_cast<double>(p->solutions_passed) / p->solutions,
                          p->mutation_score.value_or(2.0), std::string_view(p->id));
    };
    std::stable_sort(out.begin(), out.end(),
                     [&](const auto* a, const auto* b) { return key(a) < key(b); });
    if (out.size() > count) out.resize(count);
    return out;
}

std::string render(const ReportInput& input) {
    const auto worst = worst_problems(input.data, kWorstProblems);
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += fmt::format("<title>assay report: {}</title>\n<style>{}</style>\n</head>\n<body>\n",
                       escape(input.database), kStyle);
    out += fmt::format("<header><h1>assay report</h1><p>Database <code>{}</code>, schema "
                       "version {}.</p></header>\n",
                       escape(input.database), input.data.schema_version);
    out += kNav;
    out += overview(input);
    out += sections::languages(input.data);
    out += sections::verdicts(input.data);
    out += sections::problems(input.data);
    out += sections::mutation(input.data);
    out += sections::kinds(input.data);
    out += sections::reflexion(input.data);
    out += sections::llm(input.data);
    out += sections::filtering(input.data);
    out += worst_table(worst);
    out += details(input, worst);
    return out + "</body>\n</html>\n";
}

Expected<std::string> build(store::Store& db, const std::optional<FinishingRun>& finishing) {
    ReportInput input{db.path().filename().string(), ASSAY_TRY(store::report_data(db)), {}};
    if (finishing)
        for (store::RunRow& run : input.data.runs)
            if (run.id == finishing->id) {
                run.status = "done";
                run.summary = finishing->summary;
            }
    for (const store::ProblemOutcome* p : worst_problems(input.data, kWorstProblems))
        input.candidates[p->id] = ASSAY_TRY(store::problem_candidates(db, p->id, kCandidatesShown));
    return render(input);
}

Expected<void> write_file(const fs::path& out, std::string_view html) {
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    const fs::path temp = dir / fmt::format(".{}.tmp-{}", out.filename().string(), ::getpid());
    std::error_code error;
    {
        std::ofstream file(temp, std::ios::binary | std::ios::trunc);
        file << html;
        file.flush();
        if (!file) {
            const int why = errno;
            fs::remove(temp, error);
            return fail_env_at(out.string(), "cannot write the report: {}",
                               why != 0 ? std::strerror(why) : "write failed");
        }
    }
    fs::rename(temp, out, error);
    if (error) {
        const std::string why = error.message();
        fs::remove(temp, error);
        return fail_env_at(out.string(), "cannot move the report into place: {}", why);
    }
    return {};
}

} // namespace assay::report
