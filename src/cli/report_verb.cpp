// assay report --db FILE --out FILE.html: the database's numbers and charts as one HTML page.
#include "cli/verb.hpp"
#include "report/report.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <memory>

namespace assay::cli {

namespace {
struct ReportArgs {
    std::string db;
    std::string out;
};

int run_report(const ReportArgs& args) {
    if (!std::filesystem::exists(args.db)) throw FatalError(Error{"no such database", args.db});
    if (std::filesystem::is_directory(args.out))
        throw FatalError(Error{"is a directory; --out names the HTML file to write", args.out});
    auto db = value_or_throw(store::Store::open(args.db));
    const std::string html = value_or_throw(report::build(db));
    value_or_throw(report::write_file(args.out, html));
    fmt::print("{}\n", args.out);
    return 0;
}
} // namespace

Action configure_report(CLI::App& command) {
    auto args = std::make_shared<ReportArgs>();
    command.add_option("--db", args->db, "the SQLite database")->required();
    command.add_option("--out", args->out, "the HTML file to write")->required();
    return [args] { return run_report(*args); };
}

} // namespace assay::cli
