// LlmSummary: what the LLM stages asked, kept and rejected.
#include "pipeline/llm_summary.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace assay::pipeline {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------

int LlmSummary::requests() const {
    int n = 0;
    for (const auto& [stage, k] : calls)
        n += k.requests;
    return n;
}

int LlmSummary::failed() const {
    int n = 0;
    for (const auto& [stage, k] : calls)
        n += k.failed;
    return n;
}

json LlmSummary::to_json() const {
    json call_stats = json::object();
    for (const auto& [stage, k] : calls)
        call_stats[stage] = {{"requests", k.requests},
                             {"failed", k.failed},
                             {"truncated", k.truncated},
                             {"retried_for_length", k.retried_for_length}};
    json steps = json::object();
    for (const auto& [n, count] : trace_steps)
        steps[std::to_string(n)] = count;
    return {
        {"calls", call_stats},
        {"http_requests", http_requests},
        {"cache_hits", cache_hits},
        {"tokens", tokens},
        {"first_error", first_error},
        {"instruct",
         {{"asked", problems_asked},
          {"accepted", problems_accepted},
          {"rejected", problems_rejected}}},
        {"solve",
         {{"samples", samples},
          {"samples_passed", samples_passed},
          {"tests_proposed", tests_proposed},
          {"tests_chosen", tests_chosen},
          {"tests_chosen_correct", tests_chosen_correct},
          {"tests_rejected_incorrect", tests_rejected_incorrect},
          {"codet_problems", codet_problems},
          {"codet_pick_passed", codet_pick_passed},
          {"rejected", solve_rejected}}},
        {"bugs", {{"asked", bugs_asked}, {"kept", bugs_kept}, {"rejected", bugs_rejected}}},
        {"refactor",
         {{"asked", refactors_asked}, {"kept", refactors_kept}, {"rejected", refactors_rejected}}},
        {"reflexion",
         {{"traces", traces},
          {"solved", traces_solved},
          {"solved_first_try", traces_solved_first},
          {"aborted", traces_aborted},
          {"steps", steps}}}};
}

std::string LlmSummary::describe() const {
    std::string out;
    out += fmt::format("llm: {} requests ({} answered from the cache, {} HTTP requests, {} "
                       "failed), {} tokens\n",
                       requests(), cache_hits, http_requests, failed(), tokens);
    if (!first_error.empty()) out += fmt::format("  first failure: {}\n", first_error);
    if (problems_asked > 0) {
        out += fmt::format("new problems: {} asked, {} accepted\n", problems_asked,
                           problems_accepted.size());
        for (const auto& [why, n] : problems_rejected)
            out += fmt::format("  rejected {:>3}: {}\n", n, why);
    }
    if (samples > 0)
        out += fmt::format("samples: {} passed of {} ({:.0f}%); LLM tests: {} proposed, {} chosen "
                           "by agreement ({} of them right), {} wrong ones left out; consensus "
                           "pick passes on {}/{} problems\n",
                           samples_passed, samples, 100.0 * samples_passed / samples,
                           tests_proposed, tests_chosen, tests_chosen_correct,
                           tests_rejected_incorrect, codet_pick_passed, codet_problems);
    else if (!solve_rejected.empty())
        out += "samples: none with code\n";
    for (const auto& [why, n] : solve_rejected)
        out += fmt::format("  rejected {:>3}: {}\n", n, why);
    if (bugs_asked > 0) {
        out += fmt::format("llm bugs: {} asked, {} kept\n", bugs_asked, bugs_kept);
        for (const auto& [why, n] : bugs_rejected)
            out += fmt::format("  rejected {:>3}: {}\n", n, why);
    }
    if (refactors_asked > 0) {
        out +=
            fmt::format("llm refactorings: {} asked, {} kept\n", refactors_asked, refactors_kept);
        for (const auto& [why, n] : refactors_rejected)
            out += fmt::format("  rejected {:>3}: {}\n", n, why);
    }
    if (traces > 0) {
        out +=
            fmt::format("reflexion: {} traces, {} solved ({} on the first attempt); steps:", traces,
                        traces_solved, traces_solved_first);
        for (const auto& [n, count] : trace_steps)
            out += fmt::format(" {}x{}", count, n);
        out += "\n";
    }
    if (traces_aborted > 0)
        out += fmt::format("reflexion: {} traces cut short by a failed call, left for a rerun\n",
                           traces_aborted);
    return out;
}

} // namespace assay::pipeline
