#include "pipeline/merge.hpp"

#include "pipeline/run_summary.hpp"
#include "pipeline/stages/decontaminate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>

namespace assay::pipeline {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What a recorded `assay run` was: its configuration with what may differ between shards taken
// out, and its shard.
struct Recorded {
    json config;
    json args;
    std::size_t index = 0;
    std::size_t count = 1;
};

Expected<Recorded> read_recorded(const fs::path& path, const store::DatabaseRun& run);

// The database is a file the user gave: a configuration of the wrong shape is bad input.
Expected<Recorded> recorded(const fs::path& path, const store::DatabaseRun& run) {
    try {
        return read_recorded(path, run);
    } catch (const json::exception& e) {
        return fail_at(path.string(), "run {} records a configuration that does not read: {}",
                       run.id, e.what());
    }
}

Expected<Recorded> read_recorded(const fs::path& path, const store::DatabaseRun& run) {
    json args = json::parse(run.args, nullptr, false);
    if (!args.is_object())
        return fail_at(path.string(), "run {} records no readable configuration", run.id);
    Recorded out{args, args};
    json& c = out.config;
    for (const char* key : {"problems", "jobs"})
        c.erase(key);
    if (c.contains("llm") && c["llm"].is_object()) c["llm"].erase("url");
    if (const auto s = args.find("shard"); s != args.end() && s->is_object()) {
        out.index = s->value("index", std::size_t{0});
        out.count = s->value("count", std::size_t{1});
        c["shard"] = out.count;
    } else {
        c["shard"] = 1;
    }
    if (c.contains("decontamination") && c["decontamination"].contains("benchmarks")) {
        json names = json::array();
        for (const json& b : c["decontamination"]["benchmarks"])
            names.push_back(fs::path(b.get<std::string>()).filename().string());
        c["decontamination"]["benchmarks"] = names;
    }
    if (!c.contains("problems_digest"))
        return fail_at(path.string(),
                       "run {} was recorded by an assay without shards: it cannot be merged",
                       run.id);
    return out;
}

// The keys whose values differ between two configurations, for the message.
std::string differing(const json& a, const json& b) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : a.items())
        if (!b.contains(key) || b[key] != value) keys.push_back(key);
    for (const auto& [key, value] : b.items())
        if (!a.contains(key)) keys.push_back(key);
    return fmt::format("{}", fmt::join(keys, ", "));
}

struct Checked {
    std::vector<fs::path> sources;
    std::optional<Recorded> newest; // the configuration (of the first database's newest run)
    std::set<std::size_t> shards;
};

// Every input's schema, newest run's status, and configuration, against the first one's.
Expected<Checked> check(const std::vector<fs::path>& inputs) {
    Checked out;
    fs::path first;
    for (const fs::path& path : inputs) {
        const auto info = ASSAY_TRY(store::inspect(path));
        if (info.schema_version != store::Store::kSchemaVersion)
            return fail_at(path.string(),
                           "database schema version {}, but this assay writes version {}: "
                           "open it with this build's `assay stats --db` first, or merge it "
                           "with the build that wrote it",
                           info.schema_version, store::Store::kSchemaVersion);
        std::vector<const store::DatabaseRun*> runs;
        for (const store::DatabaseRun& r : info.runs)
            if (r.command == "run") runs.push_back(&r);
        if (runs.empty()) return fail_at(path.string(), "no `assay run` is recorded in it");
        if (runs.back()->status != "done")
            return fail_at(path.string(),
                           "its newest run ({}, started {}) is '{}', not done: run that shard "
                           "again with the same command, then merge",
                           runs.back()->id, runs.back()->started_at, runs.back()->status);
        for (const store::DatabaseRun* r : runs) {
            Recorded rec = ASSAY_TRY(recorded(path, *r));
            if (!out.newest) {
                first = path;
                out.newest = rec;
            } else if (rec.config != out.newest->config) {
                return fail_at(path.string(),
                               "run {} has another configuration than {} ({} differ): only "
                               "shards of one run merge",
                               r->id, first.string(), differing(rec.config, out.newest->config));
            }
            out.shards.insert(rec.index);
        }
        out.sources.push_back(path);
    }
    return out;
}

// The decontaminate stage's options as the run recorded them.
DecontaminateOptions decontamination_of(const json& args) {
    DecontaminateOptions d;
    const json& j = args.at("decontamination");
    for (const json& b : j.at("benchmarks"))
        d.benchmarks.emplace_back(b.get<std::string>());
    d.ngram = j.value("ngram", d.ngram);
    d.prompt_shingle = j.value("prompt_shingle", d.prompt_shingle);
    d.code_shingle = j.value("code_shingle", d.code_shingle);
    d.permutations = j.value("permutations", d.permutations);
    d.benchmark_threshold = j.value("benchmark_threshold", d.benchmark_threshold);
    d.word_threshold = j.value("word_threshold", d.word_threshold);
    d.dedup_threshold = j.value("dedup_threshold", d.dedup_threshold);
    return d;
}

bool decontaminates(const json& args) {
    const auto stages = args.find("stages");
    return stages != args.end() && stages->is_array() &&
           std::find(stages->begin(), stages->end(), "decontaminate") != stages->end() &&
           args.contains("decontamination");
}

// The newest `run` run of the merged database (exclusions are recorded under it).
std::int64_t newest_run(const fs::path& db) {
    const auto info = store::inspect(db);
    std::int64_t id = 0;
    if (info)
        for (const store::DatabaseRun& r : info->runs)
            if (r.command == "run") id = r.id;
    return id;
}

// A new file beside `out` for the union.
Expected<fs::path> scratch_beside(const fs::path& out) {
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    std::string name = (dir / ("." + out.filename().string() + ".merge-XXXXXX")).string();
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
        return fail_env_at(dir.string(), "cannot create a file for the merge: {}",
                           std::strerror(errno));
    ::close(fd);
    return fs::path(name);
}

void remove_database(const fs::path& path) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        fs::remove(path.string() + suffix, ignored);
}

// Builds the union in `scratch` and decontaminates it when the run did.
Expected<void> build(const fs::path& scratch, const Checked& checked, MergeSummary& summary) {
    const json& args = checked.newest->args;
    summary.decontaminated = decontaminates(args);
    std::vector<Problem> benchmarks;
    DecontaminateOptions options;
    if (summary.decontaminated) {
        try {
            options = decontamination_of(args);
        } catch (const json::exception& e) {
            return fail("the run's decontamination settings do not read: {}", e.what());
        }
        benchmarks = ASSAY_TRY(load_benchmarks(options));
    }
    {
        auto db = ASSAY_TRY(store::Store::open(scratch));
        summary.counts = ASSAY_TRY(store::merge_into(db, checked.sources, !summary.decontaminated));
    }
    if (summary.decontaminated) {
        auto db = ASSAY_TRY(store::Store::open(scratch));
        RunSummary run;
        ASSAY_TRY(decontaminate(db, newest_run(scratch), benchmarks, options, run));
        if (run.decontamination) summary.excluded = run.decontamination->total();
    }
    return store::settle(scratch);
}

} // namespace

std::string MergeSummary::describe() const {
    std::string out = fmt::format(
        "merged {} database{}: {} runs, {} problems, {} candidates, {} executions, {} "
        "trajectories, {} LLM calls ({:.1f} s)\n",
        databases, databases == 1 ? "" : "s", counts.runs, counts.problems, counts.candidates,
        counts.executions, counts.trajectories, counts.llm_calls, seconds);
    out += fmt::format("shards: {} of {}", shards.size(), shard_count);
    if (!missing.empty()) out += fmt::format(" (missing: {})", fmt::join(missing, ", "));
    out += "\n";
    if (decontaminated)
        out += fmt::format("decontaminated the union: {} problems left out of the exports\n",
                           excluded);
    return out;
}

Expected<MergeSummary> merge(const MergeOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    if (options.shards.empty()) return fail("give the shard databases to merge");
    std::vector<fs::path> inputs;
    std::set<fs::path> seen;
    std::error_code error;
    const bool out_exists = fs::exists(options.db, error);
    auto add = [&](const fs::path& p) {
        std::error_code failed;
        fs::path canonical = fs::weakly_canonical(p, failed);
        if (failed) canonical = p;
        if (seen.insert(canonical).second) inputs.push_back(p);
    };
    if (out_exists) add(options.db);
    for (const fs::path& p : options.shards)
        add(p);
    const Checked checked = ASSAY_TRY(check(inputs));
    MergeSummary summary;
    summary.databases = checked.sources.size();
    summary.shard_count = checked.newest->count;
    summary.shards.assign(checked.shards.begin(), checked.shards.end());
    for (std::size_t i = 0; i < summary.shard_count; ++i)
        if (!checked.shards.contains(i)) summary.missing.push_back(i);

    const fs::path scratch = ASSAY_TRY(scratch_beside(options.db));
    remove_database(scratch);
    if (const auto built = build(scratch, checked, summary); !built) {
        remove_database(scratch);
        return Unexpected(built.error());
    }
    if (out_exists) {
        if (const auto settled = store::settle(options.db); !settled) {
            remove_database(scratch);
            return Unexpected(settled.error());
        }
    }
    fs::rename(scratch, options.db, error);
    if (error) {
        remove_database(scratch);
        return fail_env_at(options.db.string(), "cannot replace it with the merge: {}",
                           error.message());
    }
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

} // namespace assay::pipeline
