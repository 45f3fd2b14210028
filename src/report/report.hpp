// `assay report`: one self-contained HTML page (inline CSS and SVG; no script, font, image or
// address from elsewhere) with a database's numbers and charts: verdicts per stage, pass rates per
// problem and difficulty, mutation scores, bug and refactoring kinds, Reflexion steps to solve,
// LLM calls, tokens and latency, decontamination and deduplication counts where recorded, and the
// worst problems, each linked to a section of its own with its candidates and their runs. Every
// text from the database is escaped.
#pragma once

#include "store/report_data.hpp"
#include "store/store.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::report {

// How many problems the worst-problems table lists, and candidates each problem's section shows.
inline constexpr std::size_t kWorstProblems = 20;
inline constexpr int kCandidatesShown = 60;

struct ReportInput {
    std::string database; // the name the page gives the database
    store::ReportData data;
    // The candidates of the worst problems, by problem id.
    std::map<std::string, std::vector<store::CandidateOutcome>> candidates;
};

// Up to `count` problems that have a solution with a standing, the lowest pass rate first, then
// the lowest mutation score (none counts as the highest), then by id.
[[nodiscard]] std::vector<const store::ProblemOutcome*>
worst_problems(const store::ReportData& data, std::size_t count);

// The page.
[[nodiscard]] std::string render(const ReportInput& input);

// A run not yet finished whose page is being written (`assay run` writes its report before it
// marks itself done): the page shows it as `done` with this summary.
struct FinishingRun {
    std::int64_t id = 0;
    std::string summary; // the JSON summary it is about to record
};

// Reads what the page shows from `db` and renders it.
[[nodiscard]] Expected<std::string> build(store::Store& db,
                                          const std::optional<FinishingRun>& finishing = {});

// Writes `html` to `out` through a temporary file beside it, renamed into place; an error names
// `out` (exit 3).
[[nodiscard]] Expected<void> write_file(const std::filesystem::path& out, std::string_view html);

} // namespace assay::report
