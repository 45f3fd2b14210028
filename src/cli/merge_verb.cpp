// assay merge --db OUT.db SHARD.db... [--json]: the shards' databases of one run as one
// (pipeline/merge.hpp).
#include "cli/verb.hpp"
#include "pipeline/merge.hpp"

#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace assay::cli {

namespace {
struct MergeArgs {
    std::string db;
    std::vector<std::string> shards;
    bool json = false;
};

int run_merge(const MergeArgs& args) {
    pipeline::MergeOptions options;
    options.db = args.db;
    options.shards.assign(args.shards.begin(), args.shards.end());
    const pipeline::MergeSummary s = value_or_throw(pipeline::merge(options));
    if (args.json) {
        const nlohmann::json out = {{"databases", s.databases},
                                    {"runs", s.counts.runs},
                                    {"problems", s.counts.problems},
                                    {"candidates", s.counts.candidates},
                                    {"executions", s.counts.executions},
                                    {"trajectories", s.counts.trajectories},
                                    {"llm_calls", s.counts.llm_calls},
                                    {"shard_count", s.shard_count},
                                    {"shards", s.shards},
                                    {"missing", s.missing},
                                    {"decontaminated", s.decontaminated},
                                    {"excluded", s.excluded},
                                    {"seconds", s.seconds}};
        fmt::print("{}\n", out.dump());
    } else {
        fmt::print("{}", s.describe());
    }
    return 0;
}
} // namespace

Action configure_merge(CLI::App& command) {
    auto args = std::make_shared<MergeArgs>();
    command
        .add_option("--db", args->db,
                    "the merged database (created, or merged into when it exists)")
        ->required();
    command.add_option("shards", args->shards, "the shards' databases (assay run --shard I/N)")
        ->required();
    command.add_flag("--json", args->json, "print the summary as one JSON object");
    return [args] { return run_merge(*args); };
}

} // namespace assay::cli
