#include "export/kto.hpp"

#include "export/conversation.hpp"

#include <algorithm>

namespace assay::exports {

using nlohmann::json;

std::string_view to_string(KtoSource source) {
    switch (source) {
    case KtoSource::solution:
        return "solution";
    case KtoSource::refactor:
        return "refactor";
    case KtoSource::bug:
        return "bug";
    case KtoSource::failed_sample:
        return "failed_sample";
    case KtoSource::failed_attempt:
        return "failed_attempt";
    }
    return "solution";
}

bool label_of(KtoSource source) {
    return source == KtoSource::solution || source == KtoSource::refactor;
}

namespace {
bool blank(const std::string& code) {
    return code.find_first_not_of(" \t\r\n") == std::string::npos;
}

bool failed(const store::ExecutionSummary& e) {
    return !e.passed && e.verdict != "internal_error";
}
} // namespace

std::vector<KtoCandidate> kto_candidates(const std::vector<store::CandidateRow>& passing,
                                         const std::vector<store::CandidateRow>& bugs,
                                         const std::vector<store::SolutionRow>& samples,
                                         const std::vector<store::TrajectoryRow>& reflexion) {
    std::vector<KtoCandidate> all;
    all.reserve(passing.size() + bugs.size() + samples.size());
    for (const store::CandidateRow& c : passing)
        all.push_back({c.problem_id, c.origin, c.code,
                       c.kind == "refactor" ? KtoSource::refactor : KtoSource::solution});
    // Solutions before refactorings, as the source order promises.
    std::stable_partition(all.begin(), all.end(),
                          [](const KtoCandidate& k) { return k.source == KtoSource::solution; });
    for (const store::CandidateRow& c : bugs)
        all.push_back({c.problem_id, c.origin, c.code, KtoSource::bug});
    for (const store::SolutionRow& s : samples)
        if (failed(s.standing))
            all.push_back({s.problem_id, s.origin, s.code, KtoSource::failed_sample});
    for (const store::TrajectoryRow& t : reflexion)
        for (const store::StepRow& step : t.steps)
            if (step.execution && failed(*step.execution))
                all.push_back({t.problem_id, step.origin, step.code, KtoSource::failed_attempt});
    std::erase_if(all, [](const KtoCandidate& k) { return blank(k.code); });
    // Problem by problem, keeping the order above within each.
    std::stable_sort(all.begin(), all.end(), [](const KtoCandidate& a, const KtoCandidate& b) {
        return a.problem_id < b.problem_id;
    });
    return all;
}

json kto_row(std::string_view format, const Problem& problem, const KtoCandidate& candidate) {
    json row{{"origin", candidate.origin},
             {"problem_id", candidate.problem_id},
             {"language", problem.language},
             {"source", std::string(to_string(candidate.source))},
             {"label", label_of(candidate.source)}};
    if (format == "messages") {
        row["prompt"] = json::array({message("user", problem.prompt)});
        row["completion"] = json::array({message("assistant", candidate.code)});
    } else {
        row["prompt"] = problem.prompt;
        row["completion"] = candidate.code;
    }
    return row;
}

} // namespace assay::exports
