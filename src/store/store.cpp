#include "store/store.hpp"

#include "core/language.hpp"
#include "store/connection.hpp"
#include "store/migrations.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace assay::store {

namespace fs = std::filesystem;

std::string_view to_string(CandidateKind kind) {
    switch (kind) {
    case CandidateKind::solution:
        return "solution";
    case CandidateKind::test:
        return "test";
    case CandidateKind::bug:
        return "bug";
    case CandidateKind::refactor:
        return "refactor";
    case CandidateKind::repair:
        return "repair";
    }
    return "solution";
}

std::string_view to_string(Origin origin) {
    switch (origin) {
    case Origin::seed:
        return "seed";
    case Origin::sample:
        return "sample";
    case Origin::mutation:
        return "mutation";
    case Origin::llm:
        return "llm";
    }
    return "seed";
}

namespace {

constexpr auto kBusyTimeout = std::chrono::milliseconds(10'000);

// The schema version, and every migration after it, in one immediate transaction: two
// processes opening one fresh database at once must not both see version 0 and both migrate.
// An up-to-date database is seen without taking the write lock; the version that decides is
// the one read inside the transaction.
Expected<void> migrate(Store& store) {
    const auto all = migrations();
    const int newest = static_cast<int>(all.size());
    sqlite3* db = Connection::of(store);
    auto too_new = [&](int version) {
        return fail_at(store.path().string(),
                       "database schema version {} is newer than this assay ({})", version, newest);
    };
    if (const int seen = store.schema_version(); seen >= newest)
        return seen > newest ? Expected<void>(too_new(seen)) : Expected<void>();
    Transaction t(db, kBusyTimeout);
    const int from = store.schema_version();
    if (from > newest) return too_new(from);
    for (int version = from + 1; version <= newest; ++version)
        exec(db, all[static_cast<std::size_t>(version - 1)]);
    if (from < newest) exec(db, fmt::format("PRAGMA user_version={}", newest));
    t.commit();
    return {};
}

} // namespace

bool cacheable(Verdict verdict) {
    return verdict != Verdict::timeout && verdict != Verdict::internal_error;
}

Error database_error(const fs::path& path, std::string_view what, const std::exception& error) {
    const std::string reason = error.what();
    const std::string message = what.empty() ? reason : fmt::format("{}: {}", what, reason);
    // Not a database is the user's input; anything else (read-only, locked, I/O) is the
    // environment's.
    if (reason.find("file is not a database") != std::string::npos)
        return Error{message, path.string(), ErrorKind::bad_input};
    return Error{message, path.string(), ErrorKind::environment};
}

void Store::fail_statement(const SqlError& error) const {
    throw FatalError(database_error(path_, "", error));
}

Expected<Store> Store::open(const fs::path& path) {
    sqlite3* raw = nullptr;
    const int code =
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    DbHandle db(raw);
    if (code != SQLITE_OK)
        return fail_env_at(path.string(), "cannot open database: {}",
                           raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(code));
    sqlite3_busy_timeout(db.get(), static_cast<int>(kBusyTimeout.count()));
    Store store(std::move(db), path);
    const auto migrated = guarded(store, "", [&]() -> Expected<void> {
        sqlite3* c = Connection::of(store);
        exec_waiting(c, "PRAGMA journal_mode=WAL", kBusyTimeout);
        exec(c, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        return migrate(store);
    });
    if (!migrated) return Unexpected(migrated.error());
    ASSAY_TRY(*migrated);
    return store;
}

int Store::schema_version() {
    Statement s(db_.get(), "PRAGMA user_version");
    return s.step() ? static_cast<int>(s.column_int(0)) : 0;
}

namespace {

// This machine's name and boot: a pid means this process only on the same host and boot.
std::string host_identity() {
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0) return "";
    auto boot = util::read_file("/proc/sys/kernel/random/boot_id");
    return fmt::format("{}/{}", name.data(), boot ? util::trimmed(*boot) : std::string());
}

// When the process `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat), or ""
// when there is no such process: with the pid, it names one process however pids are reused.
std::string process_start(long pid) {
    auto stat = util::read_file(fmt::format("/proc/{}/stat", pid));
    if (!stat) return "";
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const std::size_t close = stat->rfind(')');
    if (close == std::string::npos) return "";
    std::istringstream fields(stat->substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22) return field;
    }
    return "";
}

} // namespace

std::int64_t Store::begin_run(std::string_view command, std::string_view args_json) {
    Statement s(db_.get(),
                "INSERT INTO runs(command, args, host, pid, process_start) VALUES (?,?,?,?,?)");
    const long pid = ::getpid();
    s.bind(1, command).bind(2, args_json).bind(3, host_identity());
    s.bind(4, static_cast<std::int64_t>(pid)).bind(5, process_start(pid)).run();
    return sqlite3_last_insert_rowid(db_.get());
}

int Store::mark_dead_runs() {
    std::vector<std::int64_t> dead;
    {
        Statement s(db_.get(), "SELECT id, pid, process_start FROM runs WHERE status = 'running' "
                               "AND host = ? AND pid IS NOT NULL");
        s.bind(1, host_identity());
        while (s.step()) {
            const std::string started = s.column_text(2);
            // Without its start (an unreadable /proc) a run cannot be told from a live one.
            if (!started.empty() && process_start(s.column_int(1)) != started)
                dead.push_back(s.column_int(0));
        }
    }
    Statement mark(db_.get(), "UPDATE runs SET status = 'died', finished_at = "
                              "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?");
    for (std::int64_t id : dead) {
        mark.bind(1, id).run();
        mark.reset();
    }
    return static_cast<int>(dead.size());
}

void Store::finish_run(std::int64_t run, std::string_view status, std::string_view summary_json) {
    Statement s(db_.get(), "UPDATE runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
                           "status = ?, summary = ? WHERE id = ?");
    s.bind(1, status).bind(2, summary_json).bind(3, run).run();
}

void Store::put_problem(const Problem& p) {
    Statement s(db_.get(),
                "INSERT INTO problems(id, language, title, prompt, entry_point, solution, "
                "test_setup, topics, difficulty, source, origin_file) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                "language=excluded.language, title=excluded.title, prompt=excluded.prompt, "
                "entry_point=excluded.entry_point, solution=excluded.solution, "
                "test_setup=excluded.test_setup, topics=excluded.topics, "
                "difficulty=excluded.difficulty, source=excluded.source, "
                "origin_file=excluded.origin_file");
    s.bind(1, p.id).bind(2, p.language).bind(3, p.title).bind(4, p.prompt).bind(5, p.entry_point);
    s.bind(6, p.solution).bind(7, p.test_setup).bind(8, nlohmann::json(p.topics).dump());
    s.bind(9, p.difficulty).bind(10, to_string(p.source)).bind(11, p.origin_file).run();
    Statement clear(db_.get(), "DELETE FROM tests WHERE problem_id = ?");
    clear.bind(1, p.id).run();
    Statement test(db_.get(), "INSERT INTO tests(problem_id, name, code, visibility, position) "
                              "VALUES (?,?,?,?,?)");
    for (std::size_t i = 0; i < p.tests.size(); ++i) {
        const TestCase& t = p.tests[i];
        test.bind(1, p.id).bind(2, t.name).bind(3, t.code);
        test.bind(4, t.visibility == Visibility::visible ? "visible" : "hidden");
        test.bind(5, static_cast<std::int64_t>(i)).run();
        test.reset();
    }
}

std::int64_t Store::put_candidate(const CandidateRecord& c) {
    const std::string hash = util::content_hash(c.code);
    Statement insert(db_.get(),
                     "INSERT INTO candidates(problem_id, kind, origin, parent_id, label, code, "
                     "code_hash, meta) VALUES (?,?,?,?,?,?,?,?) "
                     "ON CONFLICT(problem_id, kind, origin, code_hash) DO NOTHING");
    insert.bind(1, c.problem_id).bind(2, to_string(c.kind)).bind(3, to_string(c.origin));
    if (c.parent)
        insert.bind(4, *c.parent);
    else
        insert.bind_null(4);
    insert.bind(5, c.label).bind(6, c.code).bind(7, hash).bind(8, c.meta_json).run();
    Statement find(db_.get(), "SELECT id FROM candidates WHERE problem_id = ? AND kind = ? AND "
                              "origin = ? AND code_hash = ?");
    find.bind(1, c.problem_id).bind(2, to_string(c.kind)).bind(3, to_string(c.origin));
    find.bind(4, hash);
    if (!find.step())
        throw FatalError(ExitCode::internal, Error{"candidate vanished after insert", {}});
    return find.column_int(0);
}

std::vector<Problem> Store::problems() {
    std::vector<Problem> out;
    Statement s(db_.get(), "SELECT id, language, title, prompt, entry_point, solution, test_setup, "
                           "topics, difficulty, source, origin_file FROM problems ORDER BY id");
    while (s.step()) {
        Problem p;
        p.id = s.column_text(0);
        p.language = s.column_text(1);
        p.title = s.column_text(2);
        p.prompt = s.column_text(3);
        p.entry_point = s.column_text(4);
        p.solution = s.column_text(5);
        p.test_setup = s.column_text(6);
        p.topics = nlohmann::json::parse(s.column_text(7)).get<std::vector<std::string>>();
        p.difficulty = s.column_text(8);
        p.source = parse_problem_source(s.column_text(9)).value_or(ProblemSource::bank);
        p.origin_file = s.column_text(10);
        out.push_back(std::move(p));
    }
    Statement tests(db_.get(), "SELECT name, code, visibility FROM tests WHERE problem_id = ? "
                               "ORDER BY position");
    for (Problem& p : out) {
        tests.bind(1, p.id);
        while (tests.step())
            p.tests.push_back(
                {tests.column_text(0), tests.column_text(1),
                 tests.column_text(2) == "hidden" ? Visibility::hidden : Visibility::visible});
        tests.reset();
    }
    return out;
}

std::int64_t Store::put_trajectory(const TrajectoryRecord& t) {
    Statement existing(db_.get(), "SELECT id FROM trajectories WHERE key = ?");
    existing.bind(1, t.key);
    if (existing.step()) return existing.column_int(0);
    Statement insert(db_.get(), "INSERT INTO trajectories(key, problem_id, kind, run_id, solved, "
                                "meta) VALUES (?,?,?,?,?,?)");
    insert.bind(1, t.key).bind(2, t.problem_id).bind(3, t.kind).bind(4, t.run);
    insert.bind(5, t.solved ? 1 : 0).bind(6, t.meta_json).run();
    const std::int64_t id = sqlite3_last_insert_rowid(db_.get());
    Statement step(db_.get(), "INSERT INTO trajectory_steps(trajectory_id, position, candidate_id, "
                              "execution_id, feedback, reflection) VALUES (?,?,?,?,?,?)");
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        const TrajectoryStep& s = t.steps[i];
        step.bind(1, id).bind(2, static_cast<std::int64_t>(i)).bind(3, s.candidate);
        if (s.execution)
            step.bind(4, *s.execution);
        else
            step.bind_null(4);
        step.bind(5, s.feedback).bind(6, s.reflection).run();
        step.reset();
    }
    return id;
}

namespace {
void bind_optional(Statement& s, int index, std::optional<int> value) {
    if (value)
        s.bind(index, *value);
    else
        s.bind_null(index);
}
} // namespace

void Store::put_problem_stats(const ProblemStats& p) {
    Statement s(db_.get(),
                "INSERT INTO problem_stats(problem_id, run_id, reference_passed, "
                "reference_message, mutants_total, mutants_killed, mutation_score, "
                "refactorings_kept) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(problem_id) DO UPDATE "
                "SET run_id=excluded.run_id, reference_passed=excluded.reference_passed, "
                "reference_message=excluded.reference_message, "
                "mutants_total=coalesce(excluded.mutants_total, mutants_total), "
                "mutants_killed=coalesce(excluded.mutants_killed, mutants_killed), "
                "mutation_score=coalesce(excluded.mutation_score, mutation_score), "
                "refactorings_kept=coalesce(excluded.refactorings_kept, refactorings_kept)");
    s.bind(1, p.problem_id).bind(2, p.run).bind(3, p.reference_passed ? 1 : 0);
    s.bind(4, p.reference_message);
    bind_optional(s, 5, p.mutants_total);
    bind_optional(s, 6, p.mutants_killed);
    if (p.mutants_total && p.mutants_killed && *p.mutants_total > 0)
        s.bind(7, static_cast<double>(*p.mutants_killed) / *p.mutants_total);
    else
        s.bind_null(7);
    bind_optional(s, 8, p.refactorings_kept);
    s.run();
}

void Store::put_solve_stats(std::string_view problem_id, int samples, int passed) {
    if (samples <= 0) return;
    const double rate = static_cast<double>(passed) / samples;
    const std::string_view difficulty = rate >= 0.75 ? "easy" : rate >= 0.25 ? "medium" : "hard";
    Statement s(db_.get(), "UPDATE problem_stats SET solve_samples = ?, solve_passed = ?, "
                           "solve_rate = ?, solve_difficulty = ? WHERE problem_id = ?");
    s.bind(1, samples).bind(2, passed).bind(3, rate).bind(4, difficulty).bind(5, problem_id);
    s.run();
}

std::optional<sandbox::JobResult> Store::find_execution(std::string_view key) {
    Statement s(db_.get(), "SELECT id, verdict, cpu_ms, wall_ms, peak_rss_kb, stdout, stderr, "
                           "stdout_truncated, stderr_truncated, message, forbidden_syscall "
                           "FROM executions WHERE key = ?");
    s.bind(1, key);
    if (!s.step()) return journaled_result(key);
    sandbox::JobResult r;
    const std::int64_t id = s.column_int(0);
    r.verdict = parse_verdict(s.column_text(1)).value_or(Verdict::internal_error);
    if (!cacheable(r.verdict)) return std::nullopt;
    r.cpu_ms = s.column_int(2);
    r.wall_ms = s.column_double(3);
    r.peak_rss_kb = s.column_int(4);
    r.stdout_text = s.column_text(5);
    r.stderr_text = s.column_text(6);
    r.stdout_truncated = s.column_int(7) != 0;
    r.stderr_truncated = s.column_int(8) != 0;
    r.message = s.column_text(9);
    r.forbidden_syscall = s.column_text(10);
    Statement tests(db_.get(), "SELECT test_name, verdict, message, ms FROM test_results "
                               "WHERE execution_id = ? ORDER BY position");
    tests.bind(1, id);
    while (tests.step())
        r.cases.push_back({tests.column_text(0),
                           parse_test_verdict(tests.column_text(1)).value_or(TestVerdict::error),
                           tests.column_text(2), tests.column_double(3)});
    return r;
}

std::int64_t Store::put_execution(std::int64_t candidate, std::int64_t run, std::string_view key,
                                  const sandbox::JobResult& r) {
    Statement existing(db_.get(), "SELECT id, verdict FROM executions WHERE key = ?");
    existing.bind(1, key);
    std::optional<std::int64_t> replace;
    if (existing.step()) {
        const auto verdict = parse_verdict(existing.column_text(1));
        if (verdict && cacheable(*verdict)) return existing.column_int(0);
        // Run again (a timeout or internal error): the row keeps its id, which trajectory steps
        // may reference, and gets the new outcome.
        replace = existing.column_int(0);
    }
    Statement s(db_.get(),
                replace
                    ? "UPDATE executions SET key=?, candidate_id=?, run_id=?, verdict=?, "
                      "tests_passed=?, tests_total=?, passed=?, cpu_ms=?, wall_ms=?, "
                      "peak_rss_kb=?, stdout=?, stderr=?, stdout_truncated=?, "
                      "stderr_truncated=?, message=?, forbidden_syscall=? WHERE id=?"
                    : "INSERT INTO executions(key, candidate_id, run_id, verdict, tests_passed, "
                      "tests_total, passed, cpu_ms, wall_ms, peak_rss_kb, stdout, stderr, "
                      "stdout_truncated, stderr_truncated, message, forbidden_syscall) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, key).bind(2, candidate).bind(3, run).bind(4, to_string(r.verdict));
    s.bind(5, r.passed()).bind(6, static_cast<std::int64_t>(r.cases.size()));
    s.bind(7, r.all_passed() ? 1 : 0).bind(8, static_cast<std::int64_t>(r.cpu_ms));
    s.bind(9, r.wall_ms).bind(10, static_cast<std::int64_t>(r.peak_rss_kb));
    s.bind(11, r.stdout_text).bind(12, r.stderr_text).bind(13, r.stdout_truncated ? 1 : 0);
    s.bind(14, r.stderr_truncated ? 1 : 0).bind(15, r.message).bind(16, r.forbidden_syscall);
    if (replace) s.bind(17, *replace);
    s.run();
    const std::int64_t id = replace ? *replace : sqlite3_last_insert_rowid(db_.get());
    if (replace) {
        Statement clear(db_.get(), "DELETE FROM test_results WHERE execution_id = ?");
        clear.bind(1, id).run();
    }
    Statement test(db_.get(), "INSERT INTO test_results(execution_id, position, test_name, "
                              "verdict, message, ms) VALUES (?,?,?,?,?,?)");
    for (std::size_t i = 0; i < r.cases.size(); ++i) {
        const sandbox::CaseResult& c = r.cases[i];
        test.bind(1, id).bind(2, static_cast<std::int64_t>(i)).bind(3, c.name);
        test.bind(4, to_string(c.verdict)).bind(5, c.message).bind(6, c.ms).run();
        test.reset();
    }
    drop_journaled(key);
    return id;
}

namespace {
// The harnesses and language descriptors as this build finds them: a verdict depends on them as
// much as on the code, so any change to them invalidates the execution cache.
const std::string& harness_fingerprint() {
    static const std::string fingerprint = [] {
        std::vector<fs::path> files;
        std::error_code error;
        for (const char* dir : {"testsuites", "languages"})
            for (fs::recursive_directory_iterator it(project_root() / dir, error), end;
                 !error && it != end; it.increment(error))
                if (it->is_regular_file() && it->path().filename().string().front() != '.' &&
                    it->path().extension() != ".pyc")
                    files.push_back(it->path());
        std::sort(files.begin(), files.end());
        std::vector<std::string> contents;
        for (const fs::path& file : files) {
            contents.push_back(fs::relative(file, project_root()).string());
            contents.push_back(value_or_throw(util::read_file(file.string())));
        }
        return util::content_hash_parts({contents.begin(), contents.end()});
    }();
    return fingerprint;
}
} // namespace

std::string execution_key(const sandbox::HarnessJob& job) {
    std::vector<std::string_view> parts{harness_fingerprint(), job.code, job.entry_point, job.setup,
                                        job.context};
    for (const sandbox::HarnessCase& c : job.cases) {
        parts.push_back(c.name);
        parts.push_back(c.code);
    }
    const std::string limits = fmt::format("{}/{}/{}/{}", job.limits.wall_ms, job.limits.cpu_ms,
                                           job.limits.memory_mb, job.limits.output_bytes);
    parts.push_back(limits);
    return util::content_hash_parts(parts);
}

} // namespace assay::store
