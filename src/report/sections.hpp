// For src/report/*.cpp only: the sections of the page, each one <section> as HTML text.
#pragma once

#include "store/report_data.hpp"

#include <string>
#include <string_view>

namespace assay::report::sections {

// Executions by the stage that made them and their outcome.
[[nodiscard]] std::string verdicts(const store::ReportData& data);
// Pass rate per problem (a histogram) and per declared and measured difficulty.
[[nodiscard]] std::string problems(const store::ReportData& data);
// The histogram of the problems' mutation scores.
[[nodiscard]] std::string mutation(const store::ReportData& data);
// Bug kinds (killed or survived) and refactoring kinds (kept or failing).
[[nodiscard]] std::string kinds(const store::ReportData& data);
// How many attempts each solved Reflexion trace took.
[[nodiscard]] std::string reflexion(const store::ReportData& data);
// LLM calls, tokens and latency by model.
[[nodiscard]] std::string llm(const store::ReportData& data);
// What decontamination and near-duplicate removal left out of the exports, by rule, and the
// matches themselves.
[[nodiscard]] std::string filtering(const store::ReportData& data);

// "<section id=ID><h2>TITLE</h2>" (title escaped).
// Every figure per problem language: problems, programs by kind, executions passed, traces,
// problems left out of the exports.
[[nodiscard]] std::string languages(const store::ReportData& data);

[[nodiscard]] std::string open(std::string_view id, std::string_view title);
// A paragraph holding `text`, escaped.
[[nodiscard]] std::string note(std::string_view text);

} // namespace assay::report::sections
