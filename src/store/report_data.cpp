#include "store/report_data.hpp"

#include "store/connection.hpp"
#include "store/stats.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <tuple>

namespace assay::store {

namespace {

// The stage that made candidate `c`: the one its meta names (the LLM stages write it), else the
// one its kind and origin imply.
constexpr std::string_view kStageOf = R"sql(
CASE
  WHEN c.kind = 'repair' THEN 'reflexion'
  WHEN json_valid(c.meta) AND json_type(c.meta, '$.stage') = 'text'
    THEN json_extract(c.meta, '$.stage')
  WHEN c.kind = 'solution' THEN 'verify'
  WHEN c.kind = 'bug' AND c.origin = 'mutation' THEN 'mutate'
  WHEN c.kind = 'bug' THEN 'bugs'
  WHEN c.kind = 'test' THEN 'solve'
  ELSE c.kind
END)sql";

Counts counts(sqlite3* db, const std::string& sql) {
    Counts out;
    Statement s(db, sql);
    while (s.step())
        out[s.column_text(0)] = s.column_int(1);
    return out;
}

std::vector<RunRow> runs(sqlite3* db) {
    std::vector<RunRow> out;
    Statement s(db, "SELECT id, command, status, started_at, coalesce(finished_at, ''), "
                    "coalesce(summary, '') FROM runs ORDER BY id");
    while (s.step())
        out.push_back({.id = s.column_int(0),
                       .command = s.column_text(1),
                       .status = s.column_text(2),
                       .started_at = s.column_text(3),
                       .finished_at = s.column_text(4),
                       .summary = s.column_text(5)});
    return out;
}

std::map<std::string, Counts> stage_outcomes(sqlite3* db) {
    std::map<std::string, Counts> out;
    Statement s(db, fmt::format("SELECT {}, CASE WHEN e.passed = 1 THEN 'passed' "
                                "WHEN e.verdict = 'ok' THEN 'tests failed' ELSE e.verdict END, "
                                "count(*) FROM executions e JOIN candidates c "
                                "ON c.id = e.candidate_id GROUP BY 1, 2",
                                kStageOf));
    while (s.step())
        out[s.column_text(0)][s.column_text(1)] = s.column_int(2);
    return out;
}

std::optional<double> optional_double(const Statement& s, int column) {
    if (s.column_is_null(column)) return std::nullopt;
    return s.column_double(column);
}

std::optional<int> optional_int(const Statement& s, int column) {
    if (s.column_is_null(column)) return std::nullopt;
    return static_cast<int>(s.column_int(column));
}

std::vector<ProblemOutcome> problem_outcomes(sqlite3* db) {
    std::vector<ProblemOutcome> out;
    Statement s(db, "SELECT p.id, p.title, p.source, p.difficulty, st.reference_passed, "
                    "st.mutation_score, st.mutants_total, st.solve_rate, st.solve_difficulty "
                    "FROM problems p LEFT JOIN problem_stats st ON st.problem_id = p.id "
                    "ORDER BY p.id");
    while (s.step()) {
        ProblemOutcome p{.id = s.column_text(0),
                         .title = s.column_text(1),
                         .source = s.column_text(2),
                         .difficulty = s.column_text(3),
                         .reference_passed = {},
                         .mutation_score = optional_double(s, 5),
                         .mutants_total = optional_int(s, 6),
                         .solve_rate = optional_double(s, 7),
                         .solve_difficulty = {}};
        if (!s.column_is_null(4)) p.reference_passed = s.column_int(4) != 0;
        if (!s.column_is_null(8)) p.solve_difficulty = s.column_text(8);
        out.push_back(std::move(p));
    }
    Statement solutions(db, "SELECT c.problem_id, count(*), sum(e.passed) FROM candidates c " +
                                standing_join("c", "e") +
                                " WHERE c.kind IN ('solution', 'repair') GROUP BY c.problem_id");
    std::map<std::string, std::pair<int, int>> tally;
    while (solutions.step())
        tally[solutions.column_text(0)] = {static_cast<int>(solutions.column_int(1)),
                                           static_cast<int>(solutions.column_int(2))};
    for (ProblemOutcome& p : out)
        if (auto it = tally.find(p.id); it != tally.end())
            std::tie(p.solutions, p.solutions_passed) = it->second;
    return out;
}

// Bugs: kept = killed (the standing failed); refactorings: kept = passed.
std::vector<LabelTally> label_tallies(sqlite3* db, std::string_view kind) {
    const std::string kept = kind == "bug" ? "e.passed = 0" : "e.passed = 1";
    Statement s(db, fmt::format("SELECT c.label, c.origin, sum({0}), sum(NOT ({0})) "
                                "FROM candidates c {1} WHERE c.kind = ? "
                                "GROUP BY c.label, c.origin ORDER BY c.label, c.origin",
                                kept, standing_join("c", "e")));
    s.bind(1, kind);
    std::vector<LabelTally> out;
    while (s.step())
        out.push_back({.label = s.column_text(0),
                       .origin = s.column_text(1),
                       .kept = s.column_int(2),
                       .dropped = s.column_int(3)});
    return out;
}

std::vector<TraceLength> reflexion_lengths(sqlite3* db) {
    std::vector<TraceLength> out;
    Statement s(db, "SELECT t.solved, (SELECT count(*) FROM trajectory_steps s "
                    "WHERE s.trajectory_id = t.id) FROM trajectories t "
                    "WHERE t.kind = 'reflexion' ORDER BY t.id");
    while (s.step())
        out.push_back({.steps = static_cast<int>(s.column_int(1)), .solved = s.column_int(0) != 0});
    return out;
}

std::vector<LlmCallRow> llm_calls(sqlite3* db) {
    std::vector<LlmCallRow> out;
    Statement s(db, "SELECT model, finish_reason, prompt_tokens, completion_tokens, latency_ms, "
                    "attempts FROM llm_calls ORDER BY rowid");
    while (s.step())
        out.push_back({.model = s.column_text(0),
                       .finish_reason = s.column_text(1),
                       .prompt_tokens = s.column_int(2),
                       .completion_tokens = s.column_int(3),
                       .latency_ms = s.column_double(4),
                       .attempts = static_cast<int>(s.column_int(5))});
    return out;
}

} // namespace

Expected<ReportData> report_data(Store& db) {
    std::vector<Exclusion> excluded = ASSAY_TRY(exclusions(db));
    return guarded(db, "reading the report's numbers", [&] {
        sqlite3* c = Connection::of(db);
        return ReportData{
            .schema_version = db.schema_version(),
            .runs = runs(c),
            .problems = counts(c, "SELECT source, count(*) FROM problems GROUP BY source"),
            .candidates = counts(c, "SELECT kind || '/' || origin, count(*) FROM candidates "
                                    "GROUP BY kind, origin"),
            .stage_outcomes = stage_outcomes(c),
            .problems_by_id = problem_outcomes(c),
            .bug_kinds = label_tallies(c, "bug"),
            .refactor_kinds = label_tallies(c, "refactor"),
            .reflexion = reflexion_lengths(c),
            .llm_calls = llm_calls(c),
            .exclusions = std::move(excluded),
            .by_language = counts_by_language(db),
        };
    });
}

Expected<std::vector<CandidateOutcome>> problem_candidates(Store& db, std::string_view problem_id,
                                                           int limit) {
    return guarded(db, "reading a problem's candidates", [&] {
        Statement s(Connection::of(db),
                    "SELECT c.id, c.kind, c.origin, c.label, e.verdict, e.passed, "
                    "e.tests_passed, e.tests_total, e.message FROM candidates c "
                    "LEFT JOIN executions e ON e.id = (SELECT max(x.id) FROM executions x "
                    "JOIN candidates same ON same.id = x.candidate_id "
                    "WHERE same.problem_id = c.problem_id AND same.code_hash = c.code_hash) "
                    "WHERE c.problem_id = ? ORDER BY c.id LIMIT ?");
        s.bind(1, problem_id).bind(2, limit);
        std::vector<CandidateOutcome> out;
        while (s.step()) {
            CandidateOutcome c{.id = s.column_int(0),
                               .kind = s.column_text(1),
                               .origin = s.column_text(2),
                               .label = s.column_text(3),
                               .verdict = {},
                               .passed = false,
                               .tests_passed = 0,
                               .tests_total = 0,
                               .message = {}};
            if (!s.column_is_null(4)) {
                c.verdict = s.column_text(4);
                c.passed = s.column_int(5) != 0;
                c.tests_passed = static_cast<int>(s.column_int(6));
                c.tests_total = static_cast<int>(s.column_int(7));
                c.message = s.column_text(8);
            }
            out.push_back(std::move(c));
        }
        return out;
    });
}

} // namespace assay::store
