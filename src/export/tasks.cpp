#include "export/tasks.hpp"

#include "export/test_script.hpp"

namespace assay::exports {

using nlohmann::json;

std::map<std::string, SampleRecord>
sample_records(const std::vector<store::SolutionRow>& solutions,
               const std::map<std::string, store::ProblemRecord>& problems) {
    std::map<std::string, SampleRecord> out;
    for (const store::SolutionRow& s : solutions) {
        const auto problem = problems.find(s.problem_id);
        if (problem == problems.end() || s.code == problem->second.problem.solution ||
            s.standing.verdict == "internal_error")
            continue;
        SampleRecord& record = out[s.problem_id];
        ++record.samples;
        if (s.standing.passed) ++record.passed;
    }
    return out;
}

json task_row(const store::ProblemRecord& record, const store::CandidateRow& reference,
              const std::optional<SampleRecord>& samples) {
    const Problem& p = record.problem;
    json tests = json::array();
    for (const TestCase& t : p.tests)
        tests.push_back(t.code);
    const bool sampled = samples && samples->samples > 0;
    return {{"origin", reference.origin},
            {"problem_id", p.id},
            {"language", p.language},
            {"source", std::string(to_string(p.source))},
            {"prompt", p.prompt},
            {"entry_point", p.entry_point},
            {"tests", test_script(p)},
            {"test_setup", p.test_setup},
            {"test_list", std::move(tests)},
            {"reference", reference.code},
            {"sample_pass_rate", sampled
                                     ? json(static_cast<double>(samples->passed) / samples->samples)
                                     : json(nullptr)},
            {"samples", sampled ? samples->samples : 0},
            {"stated_difficulty", p.difficulty.empty() ? json(nullptr) : json(p.difficulty)}};
}

} // namespace assay::exports
