#include "store/merge.hpp"

#include "store/connection.hpp"

#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <optional>
#include <string_view>

namespace assay::store {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 12> kTables{
    "runs",          "problems",     "tests",        "candidates",
    "executions",    "test_results", "trajectories", "trajectory_steps",
    "problem_stats", "llm_calls",    "job_results",  "exclusions"};

// Staging: every source's rows, tagged with the source's number (`src`), then the union built
// from them in canonical order, with maps from each source's ids to the new ones.
constexpr std::string_view kBuild = R"sql(
INSERT INTO main.runs(command, args, started_at, finished_at, status, summary, host, pid,
                      process_start)
SELECT command, args, started_at, finished_at, status, summary, host, pid, process_start FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY command, started_at, host, pid, process_start
                               ORDER BY finished_at IS NULL, finished_at DESC, status, summary)
         AS n FROM s_runs) WHERE n = 1
ORDER BY started_at, host, pid, process_start, command;
CREATE TEMP TABLE m_runs AS
SELECT s.src, s.id AS old, r.id AS new FROM s_runs s JOIN main.runs r
  ON r.command = s.command AND r.started_at = s.started_at AND r.host IS s.host
 AND r.pid IS s.pid AND r.process_start IS s.process_start;

INSERT INTO main.problems
SELECT id, language, title, prompt, entry_point, solution, test_setup, topics, difficulty, source,
       origin_file FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY origin_file) AS n FROM s_problems)
WHERE n = 1 ORDER BY id;
INSERT INTO main.tests
SELECT DISTINCT problem_id, name, code, visibility, position FROM s_tests
ORDER BY problem_id, position, name;

CREATE TEMP TABLE c_all AS
SELECT src, id AS old, problem_id, kind, origin, parent_id, label, code, code_hash, meta,
       ROW_NUMBER() OVER (PARTITION BY src, problem_id ORDER BY id) AS rank
FROM s_candidates;
CREATE TEMP TABLE c_pick AS
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY problem_id, kind, origin, code_hash
                               ORDER BY rank, label, meta, src) AS n FROM c_all) WHERE n = 1
ORDER BY problem_id, rank, kind, origin, code_hash;
INSERT INTO main.candidates(problem_id, kind, origin, label, code, code_hash, meta)
SELECT problem_id, kind, origin, label, code, code_hash, meta FROM c_pick
ORDER BY problem_id, rank, kind, origin, code_hash;
CREATE TEMP TABLE m_cand AS
SELECT a.src, a.old, c.id AS new FROM c_all a JOIN main.candidates c
  ON c.problem_id = a.problem_id AND c.kind = a.kind AND c.origin = a.origin
 AND c.code_hash = a.code_hash;
CREATE INDEX temp.m_cand_old ON m_cand(src, old);
UPDATE main.candidates SET parent_id = (
  SELECT mp.new FROM c_pick p
  JOIN m_cand mc ON mc.src = p.src AND mc.old = p.old
  JOIN m_cand mp ON mp.src = p.src AND mp.old = p.parent_id
  WHERE mc.new = main.candidates.id);

CREATE TEMP TABLE e_all AS
SELECT e.*, mc.new AS candidate_new, mr.new AS run_new, c.problem_id AS problem_id,
       ROW_NUMBER() OVER (PARTITION BY e.src, c.problem_id ORDER BY e.id) AS rank
FROM s_executions e
JOIN s_candidates c ON c.src = e.src AND c.id = e.candidate_id
JOIN m_cand mc ON mc.src = e.src AND mc.old = e.candidate_id
JOIN m_runs mr ON mr.src = e.src AND mr.old = e.run_id;
CREATE TEMP TABLE e_pick AS
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY key ORDER BY rank, created_at, verdict, src) AS n
  FROM e_all) WHERE n = 1;
INSERT INTO main.executions(key, candidate_id, run_id, verdict, tests_passed, tests_total, passed,
                            cpu_ms, wall_ms, peak_rss_kb, stdout, stderr, stdout_truncated,
                            stderr_truncated, message, forbidden_syscall, created_at)
SELECT key, candidate_new, run_new, verdict, tests_passed, tests_total, passed, cpu_ms, wall_ms,
       peak_rss_kb, stdout, stderr, stdout_truncated, stderr_truncated, message,
       forbidden_syscall, created_at
FROM e_pick ORDER BY problem_id, rank, key;
CREATE TEMP TABLE m_exec AS
SELECT e.src, e.id AS old, x.id AS new FROM s_executions e JOIN main.executions x ON x.key = e.key;
CREATE INDEX temp.m_exec_old ON m_exec(src, old);
INSERT INTO main.test_results
SELECT x.id, t.position, t.test_name, t.verdict, t.message, t.ms
FROM e_pick p JOIN main.executions x ON x.key = p.key
JOIN s_test_results t ON t.src = p.src AND t.execution_id = p.id
ORDER BY x.id, t.position;

CREATE TEMP TABLE t_all AS
SELECT t.*, coalesce(t.key, 'unkeyed:' || t.problem_id || ':' || t.kind || ':' || t.solved
                              || ':' || t.meta) AS identity,
       ROW_NUMBER() OVER (PARTITION BY t.src, t.problem_id ORDER BY t.id) AS rank,
       mr.new AS run_new
FROM s_trajectories t JOIN m_runs mr ON mr.src = t.src AND mr.old = t.run_id;
CREATE TEMP TABLE t_pick AS
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY identity ORDER BY rank, run_new, src) AS n
  FROM t_all) WHERE n = 1;
CREATE TEMP TABLE m_traj AS
SELECT src, id AS old, ROW_NUMBER() OVER (ORDER BY problem_id, rank, identity) AS new
FROM t_pick;
-- A Reflexion trajectory's meta names its final execution's row (store/trajectory_meta.hpp).
INSERT INTO main.trajectories(id, problem_id, kind, run_id, solved, meta, key)
SELECT m.new, p.problem_id, p.kind, p.run_new, p.solved,
       CASE WHEN json_valid(p.meta) AND json_type(p.meta, '$.final.execution') = 'integer'
            THEN json_set(p.meta, '$.final.execution', coalesce(
                   (SELECT mx.new FROM m_exec mx WHERE mx.src = p.src
                       AND mx.old = json_extract(p.meta, '$.final.execution')), 0))
            ELSE p.meta END,
       p.key
FROM t_pick p JOIN m_traj m ON m.src = p.src AND m.old = p.id
ORDER BY m.new;
INSERT INTO main.trajectory_steps
SELECT mt.new, s.position, mc.new, mx.new, s.feedback, s.reflection
FROM m_traj mt JOIN s_trajectory_steps s ON s.src = mt.src AND s.trajectory_id = mt.old
JOIN m_cand mc ON mc.src = s.src AND mc.old = s.candidate_id
LEFT JOIN m_exec mx ON mx.src = s.src AND mx.old = s.execution_id
ORDER BY mt.new, s.position;

INSERT INTO main.problem_stats
SELECT problem_id, run_new, reference_passed, reference_message, mutants_total, mutants_killed,
       mutation_score, refactorings_kept, solve_samples, solve_passed, solve_rate,
       solve_difficulty FROM (
  SELECT s.*, mr.new AS run_new,
         ROW_NUMBER() OVER (PARTITION BY s.problem_id ORDER BY mr.new DESC, s.src) AS n
  FROM s_problem_stats s JOIN m_runs mr ON mr.src = s.src AND mr.old = s.run_id) WHERE n = 1
ORDER BY problem_id;

INSERT INTO main.llm_calls
SELECT request_hash, model, request, reply, finish_reason, prompt_tokens, completion_tokens,
       latency_ms, attempts, created_at, reasoning FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY request_hash ORDER BY created_at, src) AS n
  FROM s_llm_calls) WHERE n = 1
ORDER BY created_at, request_hash;

INSERT INTO main.job_results
SELECT key, result, created_at FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY key ORDER BY created_at, src) AS n
  FROM s_job_results) WHERE n = 1
ORDER BY key;
)sql";

constexpr std::string_view kExclusions = R"sql(
INSERT INTO main.exclusions(problem_id, candidate_id, rule, against, score, run_id)
SELECT DISTINCT e.problem_id, mc.new, e.rule, e.against, e.score, mr.new
FROM s_exclusions e JOIN m_runs mr ON mr.src = e.src AND mr.old = e.run_id
LEFT JOIN m_cand mc ON mc.src = e.src AND mc.old = e.candidate_id
ORDER BY e.problem_id, e.rule, e.against, e.score;
)sql";

// The first problem that two sources hold with other content (its tests included), if any:
// what differs, and the problem's id.
struct Conflict {
    std::string what;
    std::string problem;
};

std::optional<Conflict> conflict(sqlite3* db) {
    Statement p(db, "SELECT id FROM (SELECT DISTINCT id, language, title, prompt, entry_point, "
                    "solution, test_setup, topics, difficulty, source FROM s_problems) "
                    "GROUP BY id HAVING COUNT(*) > 1 ORDER BY id LIMIT 1");
    if (p.step()) return Conflict{fmt::format("problem '{}'", p.column_text(0)), p.column_text(0)};
    Statement t(db, "SELECT problem_id, name FROM (SELECT DISTINCT problem_id, name, code, "
                    "visibility, position FROM s_tests) GROUP BY problem_id, name "
                    "HAVING COUNT(*) > 1 ORDER BY problem_id, name LIMIT 1");
    if (t.step())
        return Conflict{
            fmt::format("test '{}' of problem '{}'", t.column_text(1), t.column_text(0)),
            t.column_text(0)};
    return std::nullopt;
}

std::int64_t count(sqlite3* db, std::string_view table) {
    Statement s(db, fmt::format("SELECT COUNT(*) FROM main.{}", table));
    return s.step() ? s.column_int(0) : 0;
}

// Which sources hold `what` (the first conflict), for the message.
std::string holders(sqlite3* db, const std::vector<fs::path>& sources, const std::string& id) {
    Statement s(db, "SELECT DISTINCT src FROM s_problems WHERE id = ? ORDER BY src");
    s.bind(1, id);
    std::vector<std::string> names;
    while (s.step())
        names.push_back(sources.at(static_cast<std::size_t>(s.column_int(0))).string());
    return fmt::format("{}", fmt::join(names, ", "));
}

// A connection to the existing database at `path` (`flags`: read-only or read-write), or why not.
Expected<DbHandle> open_handle(const fs::path& path, int flags) {
    sqlite3* raw = nullptr;
    const int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    DbHandle db(raw);
    if (code != SQLITE_OK)
        return fail_env_at(path.string(), "cannot open database: {}",
                           raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(code));
    return db;
}

} // namespace

Expected<DatabaseInfo> inspect(const fs::path& path) {
    std::error_code error;
    if (!fs::is_regular_file(path, error)) return fail_at(path.string(), "no such database file");
    const DbHandle db = ASSAY_TRY(open_handle(path, SQLITE_OPEN_READONLY));
    try {
        DatabaseInfo info;
        Statement v(db.get(), "PRAGMA user_version");
        info.schema_version = v.step() ? static_cast<int>(v.column_int(0)) : 0;
        Statement has(db.get(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'runs'");
        if (!has.step()) return fail_at(path.string(), "not an assay database (no runs table)");
        Statement runs(db.get(), "SELECT id, command, args, status, started_at FROM runs "
                                 "ORDER BY id");
        while (runs.step())
            info.runs.push_back({runs.column_int(0), runs.column_text(1), runs.column_text(2),
                                 runs.column_text(3), runs.column_text(4)});
        return info;
    } catch (const std::exception& e) {
        return Unexpected(database_error(path, "", e));
    }
}

Expected<MergeCounts> merge_into(Store& target, const std::vector<fs::path>& sources,
                                 bool keep_exclusions) {
    auto merged = guarded(target, "merge", [&]() -> Expected<MergeCounts> {
        sqlite3* db = Connection::of(target);
        for (const std::string_view table : kTables)
            exec(db, fmt::format("CREATE TEMP TABLE s_{0} AS SELECT 0 AS src, * FROM main.{0} "
                                 "WHERE 0",
                                 table));
        for (std::size_t k = 0; k < sources.size(); ++k) {
            Statement attach(db, "ATTACH DATABASE ? AS src");
            attach.bind(1, sources[k].string());
            attach.run();
            for (const std::string_view table : kTables)
                exec(db, fmt::format("INSERT INTO s_{0} SELECT {1}, * FROM src.{0}", table, k));
            exec(db, "DETACH DATABASE src");
        }
        if (const auto differs = conflict(db))
            return fail("{} differs between the databases ({}): they are not shards of one run",
                        differs->what, holders(db, sources, differs->problem));
        Transaction t(db);
        exec(db, kBuild);
        if (keep_exclusions) exec(db, kExclusions);
        t.commit();
        return MergeCounts{count(db, "runs"),         count(db, "problems"),
                           count(db, "candidates"),   count(db, "executions"),
                           count(db, "trajectories"), count(db, "llm_calls")};
    });
    if (!merged) return Unexpected(merged.error());
    return *merged;
}

Expected<void> settle(const fs::path& path) {
    std::error_code error;
    if (!fs::exists(path, error)) return {};
    const DbHandle db = ASSAY_TRY(open_handle(path, SQLITE_OPEN_READWRITE));
    sqlite3_busy_timeout(db.get(), 5000);
    try {
        exec(db.get(), "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");
    } catch (const std::exception& e) {
        return Unexpected(database_error(path, "checkpoint", e));
    }
    return {};
}

} // namespace assay::store
