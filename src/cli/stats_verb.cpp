// assay stats --db FILE [--json]: what a database holds.
#include "cli/verb.hpp"
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

nlohmann::json group_counts(store::Store& db, const char* sql) {
    nlohmann::json out = nlohmann::json::object();
    store::Statement s(db.handle(), sql);
    while (s.step())
        out[s.column_text(0)] = s.column_int(1);
    return out;
}

int run_stats(const StatsArgs& args) {
    if (!std::filesystem::exists(args.db)) throw FatalError(Error{"no such database", args.db});
    auto db = value_or_throw(store::Store::open(args.db));
    nlohmann::json stats = {
        {"schema_version", db.schema_version()},
        {"problems", group_counts(db, "SELECT source, count(*) FROM problems GROUP BY source")},
        {"candidates", group_counts(db, "SELECT kind || '/' || origin, count(*) FROM candidates "
                                        "GROUP BY kind, origin")},
        {"verdicts", group_counts(db, "SELECT verdict, count(*) FROM executions GROUP BY verdict")},
        {"passed", group_counts(db, "SELECT CASE passed WHEN 1 THEN 'passed' ELSE 'failed' END, "
                                    "count(*) FROM executions GROUP BY passed")},
        {"runs", group_counts(db, "SELECT command || ':' || status, count(*) FROM runs "
                                  "GROUP BY command, status")},
        {"trajectories",
         group_counts(db, "SELECT kind || CASE solved WHEN 1 THEN '/solved' ELSE '/unsolved' END, "
                          "count(*) FROM trajectories GROUP BY kind, solved")},
        {"llm_calls", group_counts(db, "SELECT model || ' ' || finish_reason, count(*) "
                                       "FROM llm_calls GROUP BY model, finish_reason")},
        {"difficulty", group_counts(db, "SELECT solve_difficulty, count(*) FROM problem_stats "
                                        "WHERE solve_difficulty IS NOT NULL "
                                        "GROUP BY solve_difficulty")},
    };
    if (args.json) {
        fmt::print("{}\n", stats.dump());
        return 0;
    }
    fmt::print("{} (schema v{})\n", args.db, db.schema_version());
    for (const char* section : {"problems", "candidates", "verdicts", "passed", "runs",
                                "trajectories", "llm_calls", "difficulty"}) {
        fmt::print("{}:\n", section);
        for (const auto& [key, value] : stats[section].items())
            fmt::print("  {:<28} {}\n", key, value.get<long>());
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
