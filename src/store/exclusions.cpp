#include "store/exclusions.hpp"

#include "store/connection.hpp"

namespace assay::store {

void replace_exclusions(Store& db, const std::vector<Exclusion>& exclusions) {
    Statement(Connection::of(db), "DELETE FROM exclusions").run();
    for (const Exclusion& e : exclusions) {
        Statement s(Connection::of(db),
                    "INSERT INTO exclusions(problem_id, candidate_id, rule, against, score, "
                    "run_id) VALUES (?, ?, ?, ?, ?, ?)");
        s.bind(1, e.problem_id);
        if (e.candidate)
            s.bind(2, *e.candidate);
        else
            s.bind_null(2);
        s.bind(3, e.rule).bind(4, e.against).bind(5, e.score).bind(6, e.run).run();
    }
}

Expected<std::vector<CandidateCode>> candidate_codes(Store& db) {
    return guarded(db, "reading the candidates", [&] {
        Statement s(Connection::of(db),
                    "SELECT id, problem_id, code FROM candidates "
                    "WHERE kind IN ('solution', 'refactor', 'repair') ORDER BY problem_id, id");
        std::vector<CandidateCode> out;
        while (s.step())
            out.push_back({s.column_int(0), s.column_text(1), s.column_text(2)});
        return out;
    });
}

Expected<std::vector<Exclusion>> exclusions(Store& db) {
    return guarded(db, "reading the exclusions", [&] {
        Statement s(Connection::of(db),
                    "SELECT problem_id, candidate_id, rule, against, score, run_id "
                    "FROM exclusions ORDER BY problem_id, rule, against");
        std::vector<Exclusion> out;
        while (s.step())
            out.push_back(
                {.problem_id = s.column_text(0),
                 .candidate = s.column_is_null(1) ? std::nullopt : std::optional(s.column_int(1)),
                 .rule = s.column_text(2),
                 .against = s.column_text(3),
                 .score = s.column_double(4),
                 .run = s.column_int(5)});
        return out;
    });
}

Expected<std::set<std::string>> excluded_problems(Store& db) {
    return guarded(db, "reading the exclusions", [&] {
        Statement s(Connection::of(db), "SELECT DISTINCT problem_id FROM exclusions");
        std::set<std::string> out;
        while (s.step())
            out.insert(s.column_text(0));
        return out;
    });
}

} // namespace assay::store
