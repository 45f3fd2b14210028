// pipeline::merge's checks on databases it is given: a configuration of the wrong shape, a run
// that is not done, and a shard of another run are bad input naming the file; nothing is written.
#include "pipeline/merge.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace assay;
using assay::testing::TempDir;
namespace fs = std::filesystem;

namespace {
// A database with one `run` whose args are `args`, ended with `status`.
fs::path database(const TempDir& dir, const std::string& name, const std::string& args,
                  const std::string& status = "done") {
    const fs::path path = dir.path() / name;
    auto db = store::Store::open(path).value();
    db.transaction([&] {
        const auto run = db.begin_run("run", args);
        db.finish_run(run, status, "{}");
    });
    return path;
}

const char* kArgs =
    R"({"seed":1,"stages":["verify"],"problems_digest":"d","shard":{"index":0,"count":2}})";
} // namespace

TEST_CASE("pipeline::merge refuses what is not a finished shard of one run, writing nothing") {
    TempDir dir;
    const fs::path out = dir.path() / "out.db";
    const fs::path good = database(dir, "good.db", kArgs);
    struct Bad {
        const char* args;
        const char* status;
        const char* says;
    };
    for (
        const Bad& bad :
        {Bad{R"({"seed":1,"stages":["verify"],"problems_digest":"d","shard":{"index":"x"}})",
             "done", "does not read"},
         Bad{"[1, 2]", "done", "no readable configuration"},
         Bad{R"({"seed":1,"stages":["verify"]})", "done", "without shards"},
         Bad{kArgs, "interrupted", "is 'interrupted', not done"},
         Bad{R"({"seed":2,"stages":["verify"],"problems_digest":"d","shard":{"index":1,"count":2}})",
             "done", "seed"}}) {
        CAPTURE(bad.args);
        const fs::path other = database(dir, "bad.db", bad.args, bad.status);
        const auto merged = pipeline::merge({out, {good, other}});
        REQUIRE(!merged);
        CHECK(merged.error().kind == ErrorKind::bad_input);
        CHECK(merged.error().describe().find("bad.db") != std::string::npos);
        CHECK(merged.error().describe().find(bad.says) != std::string::npos);
        CHECK(!fs::exists(out));
        fs::remove(other);
        fs::remove(other.string() + "-wal");
        fs::remove(other.string() + "-shm");
    }
    const auto merged = pipeline::merge({out, {good}});
    REQUIRE_MESSAGE(merged, merged.error().describe());
    CHECK(merged->shards == std::vector<std::size_t>{0});
    CHECK(merged->missing == std::vector<std::size_t>{1});
    CHECK(fs::exists(out));
}
