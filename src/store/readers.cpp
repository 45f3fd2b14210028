#include "store/readers.hpp"

#include "store/connection.hpp"

namespace assay::store {

// Joins the standing of candidate `candidate` as `alias`: the newest execution of its code on
// its problem with as many cases as the problem has tests (every job of a full run has one case
// per test). Of its code, not of the candidate row: executions are content-addressed, so when a
// model's refactoring, bug or sample is the very program another candidate already ran with the
// same tests and limits, the execution is that other candidate's.
std::string standing_join(std::string_view candidate, std::string_view alias) {
    return fmt::format("JOIN executions {1} ON {1}.id = (SELECT max(x.id) FROM executions x "
                       "JOIN candidates same ON same.id = x.candidate_id "
                       "WHERE same.problem_id = {0}.problem_id AND same.code_hash = {0}.code_hash "
                       "AND x.tests_total = (SELECT count(*) FROM tests t "
                       "WHERE t.problem_id = {0}.problem_id))",
                       candidate, alias);
}

namespace {
// The reasoning of llm call `call` (its request_hash), cut as the driver cuts the answer (16
// bytes per token asked for; pipeline::kMaxBytesPerToken), "" when it is NULL (a call recorded
// before schema version 5).
std::string reasoning_of(std::string_view call) {
    return fmt::format("coalesce(substr({0}.reasoning, 1, 16 * json_extract({0}.request, "
                       "'$.max_tokens')), '')",
                       call);
}

// Joins the llm call a candidate's meta names (`llm_call`) as `alias`, when there is one.
std::string llm_call(std::string_view candidate, std::string_view alias) {
    return fmt::format(" LEFT JOIN llm_calls {1} ON {1}.request_hash = CASE WHEN "
                       "json_valid({0}.meta) THEN json_extract({0}.meta, '$.llm_call') END",
                       candidate, alias);
}

sandbox::CaseResult case_result(const Statement& s) {
    return {.name = s.column_text(0),
            .verdict = parse_test_verdict(s.column_text(1)).value_or(TestVerdict::error),
            .message = s.column_text(2),
            .ms = s.column_double(3)};
}

std::vector<CandidateRow> candidate_rows(sqlite3* db, const std::string& where, bool with_parent) {
    std::string sql = "SELECT c.problem_id, c.kind, c.origin, c.label, c.code, " +
                      std::string(with_parent ? "p.code" : "''") + ", e.id, " + reasoning_of("l") +
                      " FROM candidates c " + standing_join("c", "e") + llm_call("c", "l");
    if (with_parent)
        sql += " JOIN candidates p ON p.id = c.parent_id " + standing_join("p", "pe") +
               " AND pe.passed = 1";
    sql += " WHERE " + where + " ORDER BY c.problem_id, c.id";
    std::vector<CandidateRow> rows;
    Statement s(db, sql);
    Statement cases(db, "SELECT test_name, verdict, message, ms FROM test_results "
                        "WHERE execution_id = ? AND verdict != 'passed' ORDER BY position");
    while (s.step()) {
        CandidateRow row{.problem_id = s.column_text(0),
                         .kind = s.column_text(1),
                         .origin = s.column_text(2),
                         .label = s.column_text(3),
                         .code = s.column_text(4),
                         .parent_code = s.column_text(5),
                         .failing = {},
                         .reasoning = s.column_text(7)};
        cases.bind(1, s.column_int(6));
        while (cases.step())
            row.failing.push_back(case_result(cases));
        cases.reset();
        rows.push_back(std::move(row));
    }
    return rows;
}

// Reads executions by id, with their first case that did not pass.
class ExecutionReader {
  public:
    explicit ExecutionReader(sqlite3* db)
        : execution_(db, "SELECT verdict, passed, tests_passed, tests_total, message "
                         "FROM executions WHERE id = ?"),
          failure_(db, "SELECT test_name, verdict, message, ms FROM test_results "
                       "WHERE execution_id = ? AND verdict != 'passed' "
                       "ORDER BY position LIMIT 1") {}

    std::optional<ExecutionSummary> read(std::int64_t id) {
        execution_.bind(1, id);
        std::optional<ExecutionSummary> out;
        if (execution_.step())
            out = ExecutionSummary{.id = id,
                                   .verdict = execution_.column_text(0),
                                   .passed = execution_.column_int(1) != 0,
                                   .tests_passed = static_cast<int>(execution_.column_int(2)),
                                   .tests_total = static_cast<int>(execution_.column_int(3)),
                                   .message = execution_.column_text(4),
                                   .first_failure = {}};
        execution_.reset();
        if (!out) return out;
        failure_.bind(1, id);
        if (failure_.step()) out->first_failure = case_result(failure_);
        failure_.reset();
        return out;
    }

  private:
    Statement execution_;
    Statement failure_;
};

std::vector<StepRow> steps_of(Statement& steps, ExecutionReader& executions, std::int64_t id) {
    std::vector<StepRow> out;
    steps.bind(1, id);
    while (steps.step()) {
        StepRow step{.candidate = steps.column_int(0),
                     .kind = steps.column_text(1),
                     .origin = steps.column_text(2),
                     .code = steps.column_text(3),
                     .execution = {},
                     .feedback = steps.column_text(5),
                     .reflection = steps.column_text(6),
                     .reasoning = {}};
        if (!steps.column_is_null(4)) step.execution = executions.read(steps.column_int(4));
        out.push_back(std::move(step));
    }
    steps.reset();
    return out;
}

// Each step's reasoning, from the call the trajectory's meta names for it.
void add_reasoning(Statement& reasoning, TrajectoryRow& t) {
    if (!t.meta.calls) return;
    for (std::size_t i = 0; i < t.steps.size() && i < t.meta.calls->size(); ++i) {
        reasoning.bind(1, (*t.meta.calls)[i]);
        if (reasoning.step()) t.steps[i].reasoning = reasoning.column_text(0);
        reasoning.reset();
    }
}
} // namespace

Expected<std::map<std::string, ProblemRecord>> problem_records(Store& db) {
    return guarded(db, "reading the problems", [&] {
        std::map<std::string, ProblemRecord> out;
        for (Problem& p : db.problems()) {
            const std::string id = p.id;
            out[id].problem = std::move(p);
        }
        Statement s(Connection::of(db), "SELECT problem_id, mutation_score FROM problem_stats "
                                        "WHERE mutation_score IS NOT NULL");
        while (s.step())
            if (auto it = out.find(s.column_text(0)); it != out.end())
                it->second.mutation_score = s.column_double(1);
        return out;
    });
}

Expected<std::vector<CandidateRow>> passing_solutions(Store& db) {
    return guarded(db, "reading the passing solutions", [&] {
        return candidate_rows(Connection::of(db),
                              "c.kind IN ('solution', 'refactor') AND e.passed = 1", false);
    });
}

Expected<std::vector<CandidateRow>> killed_bugs(Store& db) {
    return guarded(db, "reading the killed bugs", [&] {
        return candidate_rows(Connection::of(db),
                              "c.kind = 'bug' AND e.passed = 0 AND e.verdict = 'ok'", true);
    });
}

Expected<std::vector<CandidateRow>> kept_refactorings(Store& db) {
    return guarded(db, "reading the kept refactorings", [&] {
        return candidate_rows(Connection::of(db), "c.kind = 'refactor' AND e.passed = 1", true);
    });
}

Expected<std::vector<SolutionRow>> model_solutions(Store& db) {
    return guarded(db, "reading the model solutions", [&] {
        Statement s(Connection::of(db), "SELECT c.id, c.problem_id, c.origin, c.code, e.id "
                                        "FROM candidates c " +
                                            standing_join("c", "e") +
                                            " WHERE c.kind = 'solution' AND c.origin IN ('llm', "
                                            "'sample') ORDER BY c.problem_id, c.id");
        ExecutionReader executions(Connection::of(db));
        std::vector<SolutionRow> out;
        while (s.step())
            if (auto run = executions.read(s.column_int(4)))
                out.push_back({.id = s.column_int(0),
                               .problem_id = s.column_text(1),
                               .origin = s.column_text(2),
                               .code = s.column_text(3),
                               .standing = std::move(*run)});
        return out;
    });
}

Expected<std::vector<TrajectoryRow>> trajectories(Store& db, std::string_view kind) {
    return guarded(db, "reading the trajectories", [&] {
        Statement s(Connection::of(db), "SELECT id, coalesce(key, ''), problem_id, solved, meta "
                                        "FROM trajectories WHERE kind = ? "
                                        "ORDER BY problem_id, id");
        Statement steps(Connection::of(db),
                        "SELECT s.candidate_id, c.kind, c.origin, c.code, s.execution_id, "
                        "s.feedback, s.reflection FROM trajectory_steps s JOIN candidates c "
                        "ON c.id = s.candidate_id WHERE s.trajectory_id = ? ORDER BY s.position");
        Statement reasoning(Connection::of(db), "SELECT " + reasoning_of("l") +
                                                    " FROM llm_calls l WHERE l.request_hash = ?");
        ExecutionReader executions(Connection::of(db));
        std::vector<TrajectoryRow> out;
        s.bind(1, kind);
        while (s.step()) {
            TrajectoryRow t{.id = s.column_int(0),
                            .key = s.column_text(1),
                            .problem_id = s.column_text(2),
                            .solved = s.column_int(3) != 0,
                            .meta = parse_trajectory_meta(s.column_text(4)),
                            .steps = {},
                            .final_execution = {}};
            t.steps = steps_of(steps, executions, t.id);
            add_reasoning(reasoning, t);
            if (t.meta.final_run) t.final_execution = executions.read(t.meta.final_run->execution);
            out.push_back(std::move(t));
        }
        return out;
    });
}

Expected<std::vector<std::string>> candidate_labels(Store& db, std::string_view kind) {
    return guarded(db, "reading the candidate labels", [&] {
        Statement s(Connection::of(db), "SELECT DISTINCT label FROM candidates WHERE kind = ? "
                                        "AND label != '' ORDER BY label");
        s.bind(1, kind);
        std::vector<std::string> out;
        while (s.step())
            out.push_back(s.column_text(0));
        return out;
    });
}

Expected<std::vector<std::string>> problem_languages(Store& db) {
    return guarded(db, "reading the problem languages", [&] {
        Statement s(Connection::of(db), "SELECT DISTINCT language FROM problems ORDER BY language");
        std::vector<std::string> out;
        while (s.step())
            out.push_back(s.column_text(0));
        return out;
    });
}

} // namespace assay::store
