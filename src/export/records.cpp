#include "export/records.hpp"

namespace assay::exports {

namespace {
// Joins the standing of candidate `candidate` as `alias`: the newest execution of its code on
// its problem with as many cases as the problem has tests (every job of a full run has one case
// per test). Of its code, not of the candidate row: executions are content-addressed, so when a
// model's refactoring, bug or sample is the very program another candidate already ran with the
// same tests and limits, the execution is that other candidate's.
std::string standing(std::string_view candidate, std::string_view alias) {
    return fmt::format("JOIN executions {1} ON {1}.id = (SELECT max(x.id) FROM executions x "
                       "JOIN candidates same ON same.id = x.candidate_id "
                       "WHERE same.problem_id = {0}.problem_id AND same.code_hash = {0}.code_hash "
                       "AND x.tests_total = (SELECT count(*) FROM tests t "
                       "WHERE t.problem_id = {0}.problem_id))",
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

// Reads executions by id, with their first case that did not pass.
class ExecutionReader {
  public:
    explicit ExecutionReader(store::Store& db)
        : execution_(db.handle(), "SELECT verdict, passed, tests_passed, tests_total, message "
                                  "FROM executions WHERE id = ?"),
          failure_(db.handle(), "SELECT test_name, verdict, message, ms FROM test_results "
                                "WHERE execution_id = ? AND verdict != 'passed' "
                                "ORDER BY position LIMIT 1") {}

    std::optional<ExecutionSummary> read(std::int64_t id) {
        execution_.bind(1, id);
        std::optional<ExecutionSummary> out;
        if (execution_.step())
            out = ExecutionSummary{id,
                                   execution_.column_text(0),
                                   execution_.column_int(1) != 0,
                                   static_cast<int>(execution_.column_int(2)),
                                   static_cast<int>(execution_.column_int(3)),
                                   execution_.column_text(4),
                                   {}};
        execution_.reset();
        if (!out) return out;
        failure_.bind(1, id);
        if (failure_.step())
            out->first_failure = sandbox::CaseResult{
                failure_.column_text(0),
                parse_test_verdict(failure_.column_text(1)).value_or(TestVerdict::error),
                failure_.column_text(2), failure_.column_double(3)};
        failure_.reset();
        return out;
    }

  private:
    store::Statement execution_;
    store::Statement failure_;
};

nlohmann::json parse_object(const std::string& text) {
    auto meta = nlohmann::json::parse(text, nullptr, false);
    return meta.is_object() ? meta : nlohmann::json::object();
}

// meta.final.execution, when it is an id.
std::optional<std::int64_t> final_execution_id(const nlohmann::json& meta) {
    const auto final = meta.find("final");
    if (final == meta.end() || !final->is_object()) return std::nullopt;
    const auto id = final->find("execution");
    if (id == final->end() || !id->is_number_integer()) return std::nullopt;
    return id->get<std::int64_t>();
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

std::vector<SolutionRow> model_solutions(store::Store& db) {
    store::Statement s(db.handle(), "SELECT c.id, c.problem_id, c.origin, c.code, e.id "
                                    "FROM candidates c " +
                                        standing("c", "e") +
                                        " WHERE c.kind = 'solution' AND c.origin IN ('llm', "
                                        "'sample') ORDER BY c.problem_id, c.id");
    ExecutionReader executions(db);
    std::vector<SolutionRow> out;
    while (s.step())
        if (auto run = executions.read(s.column_int(4)))
            out.push_back({s.column_int(0), s.column_text(1), s.column_text(2), s.column_text(3),
                           std::move(*run)});
    return out;
}

std::vector<TrajectoryRow> trajectories(store::Store& db, std::string_view kind) {
    store::Statement s(db.handle(), "SELECT id, coalesce(key, ''), problem_id, solved, meta "
                                    "FROM trajectories WHERE kind = ? ORDER BY problem_id, id");
    store::Statement steps(
        db.handle(), "SELECT s.candidate_id, c.kind, c.origin, c.code, s.execution_id, "
                     "s.feedback, s.reflection FROM trajectory_steps s JOIN candidates c "
                     "ON c.id = s.candidate_id WHERE s.trajectory_id = ? ORDER BY s.position");
    ExecutionReader executions(db);
    std::vector<TrajectoryRow> out;
    s.bind(1, kind);
    while (s.step()) {
        TrajectoryRow t{s.column_int(0),
                        s.column_text(1),
                        s.column_text(2),
                        s.column_int(3) != 0,
                        parse_object(s.column_text(4)),
                        {},
                        {}};
        steps.bind(1, t.id);
        while (steps.step()) {
            StepRow step{steps.column_int(0),
                         steps.column_text(1),
                         steps.column_text(2),
                         steps.column_text(3),
                         {},
                         steps.column_text(5),
                         steps.column_text(6)};
            if (!steps.column_is_null(4)) step.execution = executions.read(steps.column_int(4));
            t.steps.push_back(std::move(step));
        }
        steps.reset();
        if (const auto id = final_execution_id(t.meta)) t.final_execution = executions.read(*id);
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace assay::exports
