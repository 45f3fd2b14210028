#include "store/stats.hpp"

#include "store/connection.hpp"

namespace assay::store {

namespace {
// `sql` selects (key, count) rows.
Counts counts(Store& db, const char* sql) {
    Counts out;
    Statement s(Connection::of(db), sql);
    while (s.step())
        out[s.column_text(0)] = s.column_int(1);
    return out;
}
// `sql` selects (language, key, count) rows into `section` of each language.
void counts_by_language(Store& db, const char* section, const char* sql,
                        std::map<std::string, std::map<std::string, Counts>>& out) {
    Statement s(Connection::of(db), sql);
    while (s.step())
        out[s.column_text(0)][section][s.column_text(1)] = s.column_int(2);
}

} // namespace

std::map<std::string, std::map<std::string, Counts>> counts_by_language(Store& db) {
    std::map<std::string, std::map<std::string, Counts>> out;
    const auto count = [&](const char* section, const char* sql) {
        counts_by_language(db, section, sql, out);
    };
    count("problems", "SELECT language, source, count(*) FROM problems GROUP BY language, source");
    count("candidates", "SELECT p.language, c.kind || '/' || c.origin, count(*) FROM candidates c "
                        "JOIN problems p ON p.id = c.problem_id "
                        "GROUP BY p.language, c.kind, c.origin");
    count("verdicts", "SELECT p.language, e.verdict, count(*) FROM executions e "
                      "JOIN candidates c ON c.id = e.candidate_id "
                      "JOIN problems p ON p.id = c.problem_id GROUP BY p.language, e.verdict");
    count("passed", "SELECT p.language, CASE e.passed WHEN 1 THEN 'passed' ELSE 'failed' END, "
                    "count(*) FROM executions e JOIN candidates c ON c.id = e.candidate_id "
                    "JOIN problems p ON p.id = c.problem_id GROUP BY p.language, e.passed");
    count("trajectories",
          "SELECT p.language, t.kind || CASE t.solved WHEN 1 THEN '/solved' ELSE '/unsolved' END, "
          "count(*) FROM trajectories t JOIN problems p ON p.id = t.problem_id "
          "GROUP BY p.language, t.kind, t.solved");
    count("difficulty", "SELECT p.language, s.solve_difficulty, count(*) FROM problem_stats s "
                        "JOIN problems p ON p.id = s.problem_id "
                        "WHERE s.solve_difficulty IS NOT NULL "
                        "GROUP BY p.language, s.solve_difficulty");
    count("exclusions", "SELECT p.language, x.rule, count(*) FROM exclusions x "
                        "JOIN problems p ON p.id = x.problem_id GROUP BY p.language, x.rule");
    return out;
}

Expected<DatabaseStats> database_stats(Store& db) {
    return guarded(db, "counting the rows", [&] {
        return DatabaseStats{
            .schema_version = db.schema_version(),
            .problems = counts(db, "SELECT source, count(*) FROM problems GROUP BY source"),
            .candidates = counts(db, "SELECT kind || '/' || origin, count(*) FROM candidates "
                                     "GROUP BY kind, origin"),
            .verdicts = counts(db, "SELECT verdict, count(*) FROM executions GROUP BY verdict"),
            .passed = counts(db, "SELECT CASE passed WHEN 1 THEN 'passed' ELSE 'failed' END, "
                                 "count(*) FROM executions GROUP BY passed"),
            .runs = counts(db, "SELECT command || ':' || status, count(*) FROM runs "
                               "GROUP BY command, status"),
            .trajectories =
                counts(db, "SELECT kind || CASE solved WHEN 1 THEN '/solved' ELSE '/unsolved' "
                           "END, count(*) FROM trajectories GROUP BY kind, solved"),
            .llm_calls = counts(db, "SELECT model || ' ' || finish_reason, count(*) "
                                    "FROM llm_calls GROUP BY model, finish_reason"),
            .difficulty = counts(db, "SELECT solve_difficulty, count(*) FROM problem_stats "
                                     "WHERE solve_difficulty IS NOT NULL "
                                     "GROUP BY solve_difficulty"),
            .exclusions = counts(db, "SELECT rule, count(*) FROM exclusions GROUP BY rule"),
            .by_language = counts_by_language(db),
        };
    });
}

} // namespace assay::store
