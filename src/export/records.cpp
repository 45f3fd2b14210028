#include "export/records.hpp"

namespace assay::exports {

namespace {
// Joins the standing of candidate `candidate` as `alias`: its newest execution with as many
// cases as its problem has tests (every job of a full run has one case per test).
std::string standing(std::string_view candidate, std::string_view alias) {
    return fmt::format("JOIN executions {1} ON {1}.id = (SELECT max(x.id) FROM executions x "
                       "WHERE x.candidate_id = {0}.id AND x.tests_total = (SELECT count(*) "
                       "FROM tests t WHERE t.problem_id = {0}.problem_id))",
                       candidate, alias);
}

std::vector<CandidateRow> candidate_rows(store::Store& db, const std::string& where,
                                         bool with_parent) {
    std::string sql = "SELECT c.problem_id, c.kind, c.origin, c.label, c.code, " +
                      std::string(with_parent ? "p.code" : "''") + ", e.id FROM candidates c " +
                      standing("c", "e");
    if (with_parent)
        sql += " JOIN candidates p ON p.id = c.parent_id " + standing("p", "pe") +
               " AND pe.passed = 1";
    sql += " WHERE " + where + " ORDER BY c.problem_id, c.id";
    std::vector<CandidateRow> rows;
    store::Statement s(db.handle(), sql);
    store::Statement cases(db.handle(), "SELECT test_name, verdict, message, ms FROM test_results "
                                        "WHERE execution_id = ? AND verdict != 'passed' "
                                        "ORDER BY position");
    while (s.step()) {
        CandidateRow row{s.column_text(0),
                         s.column_text(1),
                         s.column_text(2),
                         s.column_text(3),
                         s.column_text(4),
                         s.column_text(5),
                         {}};
        cases.bind(1, s.column_int(6));
        while (cases.step())
            row.failing.push_back(
                {cases.column_text(0),
                 parse_test_verdict(cases.column_text(1)).value_or(TestVerdict::error),
                 cases.column_text(2), cases.column_double(3)});
        cases.reset();
        rows.push_back(std::move(row));
    }
    return rows;
}
} // namespace

std::map<std::string, ProblemRecord> problem_records(store::Store& db) {
    std::map<std::string, ProblemRecord> out;
    for (Problem& p : db.problems()) {
        const std::string id = p.id;
        out[id].problem = std::move(p);
    }
    store::Statement s(db.handle(), "SELECT problem_id, mutation_score FROM problem_stats "
                                    "WHERE mutation_score IS NOT NULL");
    while (s.step())
        if (auto it = out.find(s.column_text(0)); it != out.end())
            it->second.mutation_score = s.column_double(1);
    return out;
}

std::vector<CandidateRow> passing_solutions(store::Store& db) {
    return candidate_rows(db, "c.kind IN ('solution', 'refactor') AND e.passed = 1", false);
}

std::vector<CandidateRow> killed_bugs(store::Store& db) {
    return candidate_rows(db, "c.kind = 'bug' AND e.passed = 0 AND e.verdict = 'ok'", true);
}

std::vector<CandidateRow> kept_refactorings(store::Store& db) {
    return candidate_rows(db, "c.kind = 'refactor' AND e.passed = 1", true);
}

} // namespace assay::exports
