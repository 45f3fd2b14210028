#include "pipeline/run_summary.hpp"

#include <fmt/format.h>

namespace assay::pipeline {

using nlohmann::json;

json RunSummary::to_json() const {
    json mutant_kinds = json::object();
    for (const auto& [kind, c] : mutants)
        mutant_kinds[kind] = {{"generated", c.generated},
                              {"killed", c.killed},
                              {"survived", c.survived},
                              {"errored", c.errored}};
    json refactor_kinds = json::object();
    for (const auto& [kind, c] : refactorings)
        refactor_kinds[kind] = {{"generated", c.generated}, {"kept", c.kept}};
    json by_language = json::object();
    for (const auto& [name, c] : languages)
        by_language[name] = {{"problems", c.problems}, {"references_passed", c.references_passed}};
    return {{"run_id", run_id},
            {"problems", problems},
            {"languages", by_language},
            {"references_passed", references_passed},
            {"references_failed", references_failed},
            {"mutants", mutant_kinds},
            {"refactorings", refactor_kinds},
            {"mutation_scores", mutation_scores},
            {"exported", exported},
            {"llm", llm ? llm->to_json() : json()},
            {"decontamination", decontamination ? json{{"benchmark_files", decontamination->files},
                                                       {"benchmarks", decontamination->benchmarks},
                                                       {"checked", decontamination->checked},
                                                       {"dropped", decontamination->total()},
                                                       {"by_rule", decontamination->dropped}}
                                                : json()},
            {"seconds", seconds}};
}

std::string RunSummary::describe() const {
    std::string out = fmt::format("problems: {} (references passed {}, failed {})\n", problems,
                                  references_passed, references_failed.size());
    if (languages.size() > 1)
        for (const auto& [name, c] : languages)
            out += fmt::format("  {}: {} problems, {} references passed\n", name, c.problems,
                               c.references_passed);
    if (runs_died > 0)
        out += fmt::format("earlier runs found dead (killed) and marked died: {}\n", runs_died);
    for (const auto& [id, why] : references_failed)
        out += fmt::format("  FAIL {}: {}\n", id, why);
    MutantCounts all;
    for (const auto& [kind, c] : mutants) {
        all.generated += c.generated, all.killed += c.killed, all.survived += c.survived;
        all.errored += c.errored;
    }
    out += fmt::format("mutants: {} generated, {} killed (bugs), {} survived, {} errored\n",
                       all.generated, all.killed, all.survived, all.errored);
    for (const auto& [kind, c] : mutants)
        out += fmt::format("  {:<22} {:>4} generated {:>4} killed {:>4} survived\n", kind,
                           c.generated, c.killed, c.survived);
    if (!mutation_scores.empty()) {
        double total = 0;
        for (const auto& [id, score] : mutation_scores)
            total += score;
        out += fmt::format("mean mutation score: {:.2f} over {} problems\n",
                           total / static_cast<double>(mutation_scores.size()),
                           mutation_scores.size());
    }
    for (const auto& [kind, c] : refactorings)
        out += fmt::format("refactoring {:<30} {:>4} generated {:>4} kept\n", kind, c.generated,
                           c.kept);
    if (llm) out += llm->describe();
    if (decontamination) {
        const DecontaminationCounts& d = *decontamination;
        std::string rules;
        for (const auto& [rule, count] : d.dropped)
            rules += fmt::format("{}{} {}", rules.empty() ? "" : ", ", rule, count);
        out += fmt::format("decontamination: dropped {} of {} problems from the exports{} "
                           "(against {} benchmark problems in {} files)\n",
                           d.total(), d.checked, rules.empty() ? "" : " (" + rules + ")",
                           d.benchmarks, d.files.size());
    } else if (!exported.empty()) {
        out += "decontamination: off (every stored problem is exported)\n";
    }
    for (const auto& [file, rows] : exported)
        out += fmt::format("exported {}: {} rows\n", file, rows);
    out += fmt::format("wall time: {:.1f} s\n", seconds);
    return out;
}

} // namespace assay::pipeline
