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
} // namespace

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
        };
    });
}

} // namespace assay::store
