// `assay merge --db OUT SHARD.db...` (README.md "Beyond one machine"): the databases of the shards
// of one run (`assay run --shard I/N`, pipeline/shard.hpp) become one, on which `assay export`,
// `stats` and `report` work as on a single run's.
//
// Checked first, before anything is written (bad input, exit 2):
//   - every database (and OUT, when it exists: it is merged too) is an assay database of this
//     build's schema version;
//   - the newest `assay run` recorded in each is `done` (a shard that failed or was stopped is
//     run again with the same command first);
//   - all record the same run configuration: seed, stages, limit, languages, mutants, the LLM's
//     model and settings, the number of shards, decontamination settings and the digest of the
//     problems given. What may differ: the problem paths, --jobs, the LLM's URL, the shard index
//     and the benchmark files' directory.
// Then the union (store/merge.hpp: keyed by content, so idempotent and order-free) is written to
// a new file beside OUT; when the run decontaminated, the decontaminate stage runs again over the
// union (near-duplicates across shards are only seen there); the file then replaces OUT in one
// rename. A failure leaves OUT as it was.
#pragma once

#include "store/merge.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace assay::pipeline {

struct MergeOptions {
    std::filesystem::path db; // OUT
    std::vector<std::filesystem::path> shards;
};

struct MergeSummary {
    store::MergeCounts counts;
    std::size_t databases = 0;        // distinct inputs merged, OUT included when it existed
    std::size_t shard_count = 0;      // N of the run's --shard I/N (1: not sharded)
    std::vector<std::size_t> shards;  // the shard indexes present, ascending
    std::vector<std::size_t> missing; // the indexes of N that no database holds
    bool decontaminated = false;      // the decontaminate stage ran over the union
    int excluded = 0;                 // problems it left out of the exports
    double seconds = 0;

    [[nodiscard]] std::string describe() const;
};

[[nodiscard]] Expected<MergeSummary> merge(const MergeOptions& options);

} // namespace assay::pipeline
