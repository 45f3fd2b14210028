// The store side of `assay merge` (pipeline/merge.hpp): reading a shard's database without
// changing it, and writing the union of several databases into a new one.
//
// The union is keyed by content, never by row id, so it is idempotent and order-free: merging
// A and B, B and A, or A, B and their earlier merge gives the same database.
//   runs          by (command, started_at, host, pid, process_start); the most finished copy
//   problems      by id; tests by (problem, name). Two sources with one id and other content
//                 are refused (origin_file aside: paths differ between machines)
//   candidates    by (problem, kind, origin, code hash); parents follow
//   executions    by key (code, tests, limits, harness); per-test results follow
//   trajectories  by key; steps follow
//   problem_stats by problem, the newest run's
//   llm_calls     by request hash; job_results by key
//   exclusions    kept (distinct) unless the caller decontaminates again
// Row ids are given in a canonical order: problems by id, and within a problem candidates,
// executions and trajectories in the order their source recorded them (a shard records a problem's
// rows as a single run does, so the exports, which read them in that order, are the same).
#pragma once

#include "store/store.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace assay::store {

// A run as merge reads it (not report_data.hpp's RunRow: one name, one type, or the program is
// ill-formed and a destructor of one may run on the other).
struct DatabaseRun {
    std::int64_t id = 0;
    std::string command;
    std::string args; // JSON
    std::string status;
    std::string started_at;
};

struct DatabaseInfo {
    int schema_version = 0;
    std::vector<DatabaseRun> runs; // in id order
};

// Opens `path` read-only: its schema version and runs. A file that is not a database, or has no
// runs table, is bad input naming it.
[[nodiscard]] Expected<DatabaseInfo> inspect(const std::filesystem::path& path);

struct MergeCounts {
    std::int64_t runs = 0;
    std::int64_t problems = 0;
    std::int64_t candidates = 0;
    std::int64_t executions = 0;
    std::int64_t trajectories = 0;
    std::int64_t llm_calls = 0;
};

// Writes the union of `sources` (each checked by the caller) into `target`, an empty store
// (fresh file), in one transaction. `keep_exclusions`: copy the sources' exclusions; false when
// the caller decontaminates the union again. A problem or test that two sources hold with other
// content is bad input naming both.
[[nodiscard]] Expected<MergeCounts>
merge_into(Store& target, const std::vector<std::filesystem::path>& sources, bool keep_exclusions);

// Makes `path` a single file (its write-ahead log checkpointed into it and removed), so that it
// can be renamed, or renamed over, without a stale log beside it.
[[nodiscard]] Expected<void> settle(const std::filesystem::path& path);

} // namespace assay::store
