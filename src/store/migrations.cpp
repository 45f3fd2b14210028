#include "store/migrations.hpp"

#include <array>

namespace assay::store {

namespace {

// 1: runs, problems, tests, candidates, executions, per-test results, trajectories.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  command TEXT NOT NULL,
  args TEXT NOT NULL,
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  finished_at TEXT,
  status TEXT NOT NULL DEFAULT 'running',
  summary TEXT
);
CREATE TABLE problems (
  id TEXT PRIMARY KEY,
  language TEXT NOT NULL,
  title TEXT NOT NULL,
  prompt TEXT NOT NULL,
  entry_point TEXT NOT NULL,
  solution TEXT NOT NULL,
  test_setup TEXT NOT NULL,
  topics TEXT NOT NULL,
  difficulty TEXT NOT NULL,
  source TEXT NOT NULL,
  origin_file TEXT NOT NULL
);
CREATE TABLE tests (
  problem_id TEXT NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  code TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('visible','hidden')),
  position INTEGER NOT NULL,
  PRIMARY KEY (problem_id, name)
);
CREATE TABLE candidates (
  id INTEGER PRIMARY KEY,
  problem_id TEXT NOT NULL REFERENCES problems(id),
  kind TEXT NOT NULL CHECK (kind IN ('solution','test','bug','refactor','repair')),
  origin TEXT NOT NULL CHECK (origin IN ('seed','sample','mutation','llm')),
  parent_id INTEGER REFERENCES candidates(id),
  label TEXT NOT NULL DEFAULT '',
  code TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  meta TEXT NOT NULL DEFAULT '{}',
  UNIQUE (problem_id, kind, origin, code_hash)
);
CREATE TABLE executions (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  candidate_id INTEGER NOT NULL REFERENCES candidates(id),
  run_id INTEGER NOT NULL REFERENCES runs(id),
  verdict TEXT NOT NULL,
  tests_passed INTEGER NOT NULL,
  tests_total INTEGER NOT NULL,
  passed INTEGER NOT NULL,
  cpu_ms INTEGER NOT NULL,
  wall_ms REAL NOT NULL,
  peak_rss_kb INTEGER NOT NULL,
  stdout TEXT NOT NULL,
  stderr TEXT NOT NULL,
  stdout_truncated INTEGER NOT NULL,
  stderr_truncated INTEGER NOT NULL,
  message TEXT NOT NULL,
  forbidden_syscall TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX executions_candidate ON executions(candidate_id);
CREATE TABLE test_results (
  execution_id INTEGER NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  test_name TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('passed','failed','error','timeout')),
  message TEXT NOT NULL,
  ms REAL NOT NULL,
  PRIMARY KEY (execution_id, position)
);
CREATE TABLE trajectories (
  id INTEGER PRIMARY KEY,
  problem_id TEXT NOT NULL REFERENCES problems(id),
  kind TEXT NOT NULL,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  solved INTEGER NOT NULL,
  meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE trajectory_steps (
  trajectory_id INTEGER NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  candidate_id INTEGER NOT NULL REFERENCES candidates(id),
  execution_id INTEGER REFERENCES executions(id),
  feedback TEXT NOT NULL DEFAULT '',
  reflection TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (trajectory_id, position)
);
)sql";

// 2: per-problem outcome of `assay run` (reference verdict, mutation score), and a key
// that makes re-recording a trajectory idempotent.
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE problem_stats (
  problem_id TEXT PRIMARY KEY REFERENCES problems(id) ON DELETE CASCADE,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  reference_passed INTEGER NOT NULL,
  reference_message TEXT NOT NULL DEFAULT '',
  mutants_total INTEGER,
  mutants_killed INTEGER,
  mutation_score REAL,
  refactorings_kept INTEGER
);
ALTER TABLE trajectories ADD COLUMN key TEXT;
CREATE UNIQUE INDEX trajectories_key ON trajectories(key);
CREATE INDEX candidates_parent ON candidates(parent_id);
)sql";

// 3: every successful LLM call, keyed by the content hash of its canonical request
// (llm::request_hash), so a rerun is answered offline. Never holds the API key.
constexpr std::string_view kVersion3 = R"sql(
CREATE TABLE llm_calls (
  request_hash TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  request TEXT NOT NULL,
  reply TEXT NOT NULL,
  finish_reason TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  attempts INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
)sql";

// 4: how often sampled LLM solutions pass a problem's tests: its measured difficulty.
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE problem_stats ADD COLUMN solve_samples INTEGER;
ALTER TABLE problem_stats ADD COLUMN solve_passed INTEGER;
ALTER TABLE problem_stats ADD COLUMN solve_rate REAL;
ALTER TABLE problem_stats ADD COLUMN solve_difficulty TEXT;
)sql";

// 5: crash-safe runs. A job's result is journaled the moment it is known (job_results, keyed
// by the execution key; a rerun is answered from it; put_execution moves it into executions),
// and a run records the process that owns it, so the next run can tell one that died from one
// still going.
constexpr std::string_view kVersion5 = R"sql(
CREATE TABLE job_results (
  key TEXT PRIMARY KEY,
  result TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
ALTER TABLE runs ADD COLUMN host TEXT;
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN process_start TEXT;
)sql";

// 6: the reasoning of each LLM call (a reasoning model's think blocks or reasoning field), apart
// from its answer in `reply`. NULL for calls recorded before: their `reply` is the whole content,
// reasoning included, and is split when read (llm::find_llm_call).
constexpr std::string_view kVersion6 = R"sql(
ALTER TABLE llm_calls ADD COLUMN reasoning TEXT;
)sql";

// 7: decontamination and near-duplicate removal (pipeline/stages/decontaminate.hpp): one row per
// problem left out of the exports, with the rule, what it matched and the score. The newest
// decontamination replaces the rows of earlier ones.
constexpr std::string_view kVersion7 = R"sql(
CREATE TABLE exclusions (
  id INTEGER PRIMARY KEY,
  problem_id TEXT NOT NULL REFERENCES problems(id),
  candidate_id INTEGER REFERENCES candidates(id),
  rule TEXT NOT NULL,
  against TEXT NOT NULL,
  score REAL NOT NULL,
  run_id INTEGER NOT NULL REFERENCES runs(id)
);
CREATE INDEX exclusions_problem ON exclusions(problem_id);
)sql";

} // namespace

std::span<const std::string_view> migrations() {
    static constexpr std::array<std::string_view, 7> kMigrations{
        kVersion1, kVersion2, kVersion3, kVersion4, kVersion5, kVersion6, kVersion7};
    return kMigrations;
}

} // namespace assay::store
