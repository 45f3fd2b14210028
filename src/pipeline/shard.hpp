// Shards (README.md "Beyond one machine"): `assay run --shard I/N` is a normal run over the part of
// the work that shard I of N owns, with its own database and out dir; `assay merge` combines the
// shards' databases (store/merge.hpp). Ownership is a pure function of a stable key, so the same
// seed gives the same rows whatever N:
//   - a seed problem (bank, imported) belongs to the shard its id hashes to (FNV-1a 64 of
//     "assay-shard:" + id, modulo N);
//   - instruct's i-th request (pipeline/stages/instruct.hpp), and every problem it makes, to
//     shard i mod N. Every shard reads every seed problem: instruct's few-shot examples and its
//     number of requests are the same in each.
#pragma once

#include "core/problem.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::pipeline {

struct Shard {
    std::size_t index = 0; // 0-based
    std::size_t count = 1;

    // Whether this shard owns the problem with this id.
    [[nodiscard]] bool owns_problem(std::string_view id) const;
    // Whether this shard makes instruct's `request`-th request.
    [[nodiscard]] bool owns_request(std::size_t request) const { return request % count == index; }
    // "I/N".
    [[nodiscard]] std::string text() const;
};

// Parses "I/N" (0 <= I < N, N >= 1); the error says what is wrong with `text`.
[[nodiscard]] Expected<Shard> parse_shard(std::string_view text);

// The shard of this process when --shard is absent and `count` (--shards N) is given: its index
// from SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN, so an array --array=1-4 is shards 0..3;
// SLURM_ARRAY_TASK_COUNT, when set, must be N), else from JOB_COMPLETION_INDEX (a Kubernetes
// Indexed Job). Fails naming the variable when neither is set or one is not a number in range.
using Environment = std::optional<std::string> (*)(const char* name);
[[nodiscard]] Expected<Shard> shard_from_environment(std::size_t count, Environment env);

// The problems that `shard` owns, in their order.
[[nodiscard]] std::vector<Problem> owned(const std::vector<Problem>& problems, const Shard& shard);

// A digest of the problems a run was given (ids, statements, references, tests), recorded with
// the run so that `assay merge` can tell shards of one run from shards of another.
[[nodiscard]] std::string problems_digest(const std::vector<Problem>& problems);

} // namespace assay::pipeline
