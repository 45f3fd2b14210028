// The record of everything assay ran (ARCHITECTURE.md "Store"): SQLite in WAL mode, one writer,
// versioned migrations. Content-addressed keys make reruns idempotent and give the execution
// cache: an execution is keyed by the hash of the code, the tests and the limits.
#pragma once

#include "core/problem.hpp"
#include "sandbox/harness.hpp"
#include "store/sqlite.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace assay::store {

// What a candidate is, and where it came from.
enum class CandidateKind { solution, test, bug, refactor, repair };
enum class Origin { seed, sample, mutation, llm };

[[nodiscard]] std::string_view to_string(CandidateKind kind);
[[nodiscard]] std::string_view to_string(Origin origin);

struct CandidateRecord {
    std::string problem_id;
    CandidateKind kind = CandidateKind::solution;
    Origin origin = Origin::seed;
    std::string code;
    std::optional<std::int64_t> parent; // the candidate this one was derived from
    std::string label;                  // e.g. the mutation operator or refactoring kind
    std::string meta_json = "{}";       // anything else, as JSON
};

// One step of a trajectory: a candidate, its execution, and what the next attempt was told.
struct TrajectoryStep {
    std::int64_t candidate = 0;
    std::optional<std::int64_t> execution;
    std::string feedback;   // e.g. the failing tests and their messages
    std::string reflection; // the model's (or nobody's) reasoning about the feedback
};

struct TrajectoryRecord {
    std::string key; // unique: recording the same key again changes nothing
    std::string problem_id;
    std::string kind; // "bugfix", "reflexion", ...
    std::int64_t run = 0;
    bool solved = false;
    std::string meta_json = "{}"; // nlohmann::json(TrajectoryMeta).dump() (trajectory_meta.hpp)
    std::vector<TrajectoryStep> steps; // in order, from position 0
};

// What `assay run` learned about one problem. An absent count means the stage did not run,
// and leaves a previously recorded value in place.
struct ProblemStats {
    std::string problem_id;
    std::int64_t run = 0;
    bool reference_passed = false;
    std::string reference_message;     // why the reference failed; empty when it passed
    std::optional<int> mutants_total;  // mutants stored (killed + survived)
    std::optional<int> mutants_killed; // mutants failing at least one test
    std::optional<int> refactorings_kept;
};

// Errors: what returns Expected (open, the readers of readers.hpp and stats.hpp) never throws;
// what returns a plain value (the writers, and the reads the pipeline makes between them) throws
// FatalError (exit 3) when a statement fails, which ends the command and rolls back
// `transaction` rather than lose a row.
class Store {
  public:
    // Opens (creating if needed) the database and applies pending migrations.
    [[nodiscard]] static Expected<Store> open(const std::filesystem::path& path);

    // The file it was opened from; errors about it name it.
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

    // The newest schema version this build knows, and the database's.
    static constexpr int kSchemaVersion = 7;
    [[nodiscard]] int schema_version();

    // One invocation of a verb, owned by this process (host, pid and the process's start, so
    // that a later run can tell whether it is still going). finish_run records its status
    // ("done", "interrupted", "failed") and a JSON summary.
    std::int64_t begin_run(std::string_view command, std::string_view args_json);
    void finish_run(std::int64_t run, std::string_view status, std::string_view summary_json);
    // Marks `died` every run still `running` whose process on this host is gone (killed, or the
    // machine restarted); returns how many. Runs of other hosts, and of builds that did not
    // record their process, are left as they are.
    int mark_dead_runs();

    // Inserts or updates a problem and its tests (keyed by id).
    void put_problem(const Problem& problem);
    // Returns the id of the candidate with this problem, kind, origin and code, inserting it
    // if new.
    std::int64_t put_candidate(const CandidateRecord& candidate);

    // Every stored problem with its tests, ordered by id.
    [[nodiscard]] std::vector<Problem> problems();

    // Records a trajectory and its steps unless one with the same key exists; returns its id.
    std::int64_t put_trajectory(const TrajectoryRecord& trajectory);

    // Inserts or updates the stats of a problem (which must be stored). The mutation score is
    // killed / total, or NULL when no mutant was stored.
    void put_problem_stats(const ProblemStats& stats);

    // Records how many of `samples` sampled solutions passed every test of a problem whose stats
    // are stored, their rate, and the difficulty it implies: easy (>= 0.75), medium (>= 0.25),
    // hard. Does nothing when `samples` is 0.
    void put_solve_stats(std::string_view problem_id, int samples, int passed);

    // The cached result of an execution with this key, if any (and cacheable): a recorded
    // execution's, else a journaled one's.
    [[nodiscard]] std::optional<sandbox::JobResult> find_execution(std::string_view key);
    // Journals job results (key, result) the moment they are known, in one transaction of its
    // own, before any record is built from them: a run killed mid-batch keeps them, and its rerun
    // is answered from them (find_execution). Uncacheable verdicts are skipped.
    void journal_results(const std::vector<std::pair<std::string, sandbox::JobResult>>& results);
    // Empties the journal when `finished` (a run that just ended) was the only run running: what
    // it held was never recorded because no stage kept it.
    void clear_journal(std::int64_t finished);
    // Records an execution (and its per-test results) unless one with `key` exists; returns
    // the execution id either way. Its journaled result, if any, is dropped.
    std::int64_t put_execution(std::int64_t candidate, std::int64_t run, std::string_view key,
                               const sandbox::JobResult& result);

    // Runs `body` in one write transaction; on a failing statement rolls it back and throws
    // FatalError naming this database (exit 3; 2 when the file is not a database).
    template <typename F> void transaction(F&& body) {
        try {
            Transaction t(db_.get());
            body();
            t.commit();
        } catch (const SqlError& error) {
            fail_statement(error);
        }
    }

  private:
    [[noreturn]] void fail_statement(const SqlError& error) const;
    [[nodiscard]] std::optional<sandbox::JobResult> journaled_result(std::string_view key);
    void drop_journaled(std::string_view key);
    friend class Connection; // store/connection.hpp: the store's own files reach db_ through it
    Store(DbHandle db, std::filesystem::path path) : db_(std::move(db)), path_(std::move(path)) {}
    DbHandle db_;
    std::filesystem::path path_;
};

// Whether a stored verdict may answer a later run: timeouts and internal errors depend on the
// machine's load, so they are run again (and their row replaced).
[[nodiscard]] bool cacheable(Verdict verdict);

// The execution-cache key of running `code` against `job`'s tests under its limits, with the
// harnesses and language descriptors (testsuites/, languages/) that judge it.
[[nodiscard]] std::string execution_key(const sandbox::HarnessJob& job);

} // namespace assay::store
