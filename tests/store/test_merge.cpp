// store::merge_into and store::inspect: the union of databases by content, the rows that follow
// their parents' new ids (a parent candidate, a trajectory's steps, a Reflexion trajectory's final
// execution in its meta), and a problem two sources hold with other content refused.
#include "store/merge.hpp"
#include "store/trajectory_meta.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace assay;
using assay::testing::TempDir;
namespace fs = std::filesystem;

namespace {
Problem problem(const std::string& id, const std::string& prompt) {
    Problem p;
    p.id = id;
    p.language = "python";
    p.title = id;
    p.prompt = prompt;
    p.entry_point = "f";
    p.solution = "def f():\n    return 1\n";
    p.tests = {{"visible_0", "assert f() == 1", Visibility::visible}};
    return p;
}

sandbox::JobResult passing() {
    sandbox::JobResult r;
    r.verdict = Verdict::ok;
    r.cases = {{"visible_0", TestVerdict::passed, "", 0.5}};
    return r;
}

// A database holding `id` with a reference, a bug derived from it, both run, and a Reflexion
// trajectory whose meta names the reference's execution. `filler` rows first shift its ids.
fs::path shard(const TempDir& dir, const std::string& name, const std::string& id, int filler) {
    const fs::path path = dir.path() / name;
    auto db = store::Store::open(path).value();
    db.transaction([&] {
        const auto run = db.begin_run("run", R"({"seed":1})");
        for (int k = 0; k < filler; ++k) {
            const Problem other = problem(name + "/filler" + std::to_string(k), "other");
            db.put_problem(other);
            const auto c = db.put_candidate(
                {other.id, store::CandidateKind::solution, store::Origin::seed, other.solution});
            db.put_execution(c, run, name + std::to_string(k), passing());
        }
        const Problem p = problem(id, "the prompt");
        db.put_problem(p);
        const auto ref = db.put_candidate(
            {p.id, store::CandidateKind::solution, store::Origin::seed, p.solution});
        const auto bug = db.put_candidate({p.id, store::CandidateKind::bug, store::Origin::mutation,
                                           "def f():\n    return 2\n", ref, "constant"});
        const auto ran = db.put_execution(ref, run, "key-" + id, passing());
        store::TrajectoryMeta meta;
        meta.final_run = store::TrajectoryFinal{ran, "ok", 1, 1};
        db.put_trajectory({"reflexion:" + id,
                           p.id,
                           "reflexion",
                           run,
                           true,
                           nlohmann::json(meta).dump(),
                           {{bug, std::nullopt, "", ""}, {ref, ran, "", ""}}});
        db.finish_run(run, "done", "{}");
    });
    return path;
}
} // namespace

TEST_CASE("store::merge_into: the union by content, with ids that follow") {
    TempDir dir;
    const fs::path a = shard(dir, "a.db", "bank/one", 3);
    const fs::path b = shard(dir, "b.db", "bank/two", 0);
    const auto info = store::inspect(a);
    REQUIRE(info);
    CHECK(info->schema_version == store::Store::kSchemaVersion);
    REQUIRE(info->runs.size() == 1);
    CHECK(info->runs[0].status == "done");

    auto out = store::Store::open(dir.path() / "out.db").value();
    const auto merged = store::merge_into(out, {a, b, a}, true);
    REQUIRE_MESSAGE(merged, merged.error().message);
    CHECK(merged->runs == 2);
    CHECK(merged->problems == 5);
    CHECK(merged->candidates == 7);
    CHECK(merged->executions == 5);
    CHECK(merged->trajectories == 2);
    testing::Sql sql(dir.path() / "out.db");
    // The bug's parent is its own problem's reference under the new ids.
    CHECK(sql.scalar("SELECT count(*) FROM candidates b JOIN candidates r ON r.id = b.parent_id "
                     "WHERE b.kind = 'bug' AND r.kind = 'solution' AND r.problem_id = "
                     "b.problem_id") == 2);
    // Each trajectory's steps and its final execution point at its own problem's rows.
    CHECK(sql.scalar("SELECT count(*) FROM trajectory_steps s JOIN trajectories t ON t.id = "
                     "s.trajectory_id JOIN candidates c ON c.id = s.candidate_id WHERE "
                     "c.problem_id = t.problem_id") == 4);
    CHECK(sql.scalar("SELECT count(*) FROM trajectories t JOIN executions x ON x.id = "
                     "json_extract(t.meta, '$.final.execution') JOIN candidates c ON c.id = "
                     "x.candidate_id WHERE c.problem_id = t.problem_id AND c.kind = 'solution'") ==
          2);
}

TEST_CASE("store::merge_into refuses a problem that two databases hold with other content") {
    TempDir dir;
    const fs::path a = shard(dir, "a.db", "bank/one", 0);
    const fs::path b = dir.path() / "b.db";
    {
        auto db = store::Store::open(b).value();
        db.transaction([&] { db.put_problem(problem("bank/one", "another prompt")); });
    }
    auto out = store::Store::open(dir.path() / "out.db").value();
    const auto merged = store::merge_into(out, {a, b}, true);
    REQUIRE(!merged);
    CHECK(merged.error().message.find("problem 'bank/one' differs") != std::string::npos);
    CHECK(merged.error().message.find(a.string()) != std::string::npos);
    CHECK(merged.error().message.find(b.string()) != std::string::npos);
    CHECK(testing::Sql(dir.path() / "out.db").scalar("SELECT count(*) FROM problems") == 0);
}

TEST_CASE("store::inspect: not a database, or no runs table, is bad input naming the file") {
    TempDir dir;
    const fs::path text = dir.path() / "x.db";
    std::ofstream(text) << "hello\n";
    const auto r = store::inspect(text);
    REQUIRE(!r);
    CHECK(r.error().kind == ErrorKind::bad_input);
    CHECK(!store::inspect(dir.path() / "missing.db"));
}
