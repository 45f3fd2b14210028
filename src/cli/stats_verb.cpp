// assay stats --db FILE [--json]: what a database holds.
#include "cli/verb.hpp"
#include "store/stats.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace assay::cli {

namespace {
struct StatsArgs {
    std::string db;
    bool json = false;
};

int run_stats(const StatsArgs& args) {
    if (!std::filesystem::exists(args.db)) throw FatalError(Error{"no such database", args.db});
    auto db = value_or_throw(store::Store::open(args.db));
    const store::DatabaseStats counted = value_or_throw(store::database_stats(db));
    const nlohmann::json stats = {
        {"schema_version", counted.schema_version},
        {"problems", counted.problems},
        {"candidates", counted.candidates},
        {"verdicts", counted.verdicts},
        {"passed", counted.passed},
        {"runs", counted.runs},
        {"trajectories", counted.trajectories},
        {"llm_calls", counted.llm_calls},
        {"difficulty", counted.difficulty},
        {"exclusions", counted.exclusions},
        {"by_language", counted.by_language},
    };
    if (args.json) {
        fmt::print("{}\n", stats.dump());
        return 0;
    }
    fmt::print("{} (schema v{})\n", args.db, counted.schema_version);
    for (const char* section : {"problems", "candidates", "verdicts", "passed", "runs",
                                "trajectories", "llm_calls", "difficulty", "exclusions"}) {
        fmt::print("{}:\n", section);
        for (const auto& [key, value] : stats[section].items())
            fmt::print("  {:<28} {}\n", key, value.get<long>());
    }
    for (const auto& [language, sections] : counted.by_language) {
        fmt::print("{}:\n", language);
        for (const auto& [section, counts] : sections)
            for (const auto& [key, value] : counts)
                fmt::print("  {:<40} {}\n", fmt::format("{} {}", section, key), value);
    }
    return 0;
}
} // namespace

Action configure_stats(CLI::App& command) {
    auto args = std::make_shared<StatsArgs>();
    command.add_option("--db", args->db, "the SQLite database")->required();
    command.add_flag("--json", args->json, "print one JSON object");
    return [args] { return run_stats(*args); };
}

} // namespace assay::cli
