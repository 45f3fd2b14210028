#include "store/store.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace assay;
using assay::testing::TempDir;

namespace {
Problem sample_problem() {
    Problem p;
    p.id = "bank/add";
    p.language = "python";
    p.title = "Add";
    p.entry_point = "add";
    p.solution = "def add(a, b):\n    return a + b\n";
    p.tests = {{"visible_0", "assert add(1, 2) == 3", Visibility::visible},
               {"hidden_0", "assert add(2, 2) == 4", Visibility::hidden}};
    return p;
}

sandbox::JobResult result(Verdict verdict) {
    sandbox::JobResult r;
    r.verdict = verdict;
    r.cases = {{"visible_0", TestVerdict::passed, "", 0.5},
               {"hidden_0", TestVerdict::failed, "AssertionError: assert add(2, 2) == 4", 0.25}};
    r.message = "AssertionError";
    return r;
}

long count(store::Store& db, const char* table) {
    return static_cast<long>(
        testing::Sql(db.path()).scalar(std::string("SELECT count(*) FROM ") + table));
}
} // namespace

TEST_CASE("store::Store") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    CHECK(db->schema_version() == store::Store::kSchemaVersion);

    SUBCASE("reopening applies nothing twice") {
        auto again = store::Store::open(dir / "a.db");
        REQUIRE(again);
        CHECK(again->schema_version() == store::Store::kSchemaVersion);
    }
    SUBCASE("problems, candidates and executions are idempotent") {
        const Problem p = sample_problem();
        const auto run = db->begin_run("verify", "{}");
        for (int pass = 0; pass < 2; ++pass) {
            db->transaction([&] {
                db->put_problem(p);
                const auto c = db->put_candidate(
                    {p.id, store::CandidateKind::solution, store::Origin::seed, p.solution});
                db->put_execution(c, run, "key-1", result(Verdict::ok));
            });
        }
        CHECK(count(*db, "problems") == 1);
        CHECK(count(*db, "tests") == 2);
        CHECK(count(*db, "candidates") == 1);
        CHECK(count(*db, "executions") == 1);
        CHECK(count(*db, "test_results") == 2);
        auto cached = db->find_execution("key-1");
        REQUIRE(cached);
        CHECK(cached->verdict == Verdict::ok);
        REQUIRE(cached->cases.size() == 2);
        CHECK(cached->cases[1].verdict == TestVerdict::failed);
        CHECK(cached->cases[1].message == "AssertionError: assert add(2, 2) == 4");
    }
    SUBCASE("timeouts are not served from the cache and get replaced") {
        const Problem p = sample_problem();
        const auto run = db->begin_run("verify", "{}");
        db->put_problem(p);
        const auto c =
            db->put_candidate({p.id, store::CandidateKind::solution, store::Origin::seed, "x"});
        const auto first = db->put_execution(c, run, "key-2", result(Verdict::timeout));
        CHECK_FALSE(db->find_execution("key-2"));
        // A trajectory step that points at the timed-out run must not block the new outcome
        // (a rerun of `assay run` with a hung mutant did exactly that).
        db->put_trajectory({"t", p.id, "bugfix", run, false, "{}", {{c, first, "hung", ""}}});
        const auto second = db->put_execution(c, run, "key-2", result(Verdict::runtime_error));
        CHECK(second == first);
        auto cached = db->find_execution("key-2");
        REQUIRE(cached);
        CHECK(cached->verdict == Verdict::runtime_error);
        CHECK(count(*db, "executions") == 1);
        CHECK(count(*db, "test_results") == 2);
    }
    SUBCASE("a failed transaction leaves nothing") {
        try {
            db->transaction([&] {
                db->put_problem(sample_problem());
                throw std::runtime_error("interrupted");
            });
        } catch (const std::runtime_error&) {
        }
        CHECK(count(*db, "problems") == 0);
    }
}

TEST_CASE("store::Store::open reports an unusable path") {
    auto db = store::Store::open("/nonexistent-dir/x.db");
    REQUIRE_FALSE(db);
    CHECK(db.error().where == "/nonexistent-dir/x.db");
}

// N processes open one fresh database at the same moment (released together through a pipe), 20
// rounds: every one succeeds and finds the schema at the newest version.
TEST_CASE("store::Store::open is safe when processes open a fresh database together") {
    TempDir dir;
    constexpr int kProcesses = 6;
    constexpr int kRounds = 20;
    int succeeded = 0;
    for (int round = 0; round < kRounds; ++round) {
        const auto path = dir / ("fresh-" + std::to_string(round) + ".db");
        int gate[2];
        REQUIRE(::pipe(gate) == 0);
        std::vector<pid_t> children;
        for (int i = 0; i < kProcesses; ++i) {
            const pid_t pid = ::fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                ::close(gate[1]);
                char byte = 0;
                (void)!::read(gate[0], &byte, 1); // returns at EOF: everyone starts at once
                auto db = store::Store::open(path);
                if (!db) std::fprintf(stderr, "open: %s\n", db.error().describe().c_str());
                ::_exit(db && db->schema_version() == store::Store::kSchemaVersion ? 0 : 1);
            }
            children.push_back(pid);
        }
        ::close(gate[0]);
        ::close(gate[1]);
        for (const pid_t pid : children) {
            int status = 0;
            REQUIRE(::waitpid(pid, &status, 0) == pid);
            succeeded += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
        }
        auto db = store::Store::open(path);
        REQUIRE(db);
        CHECK(db->schema_version() == store::Store::kSchemaVersion);
        CHECK(testing::Sql(path).scalar("SELECT count(*) FROM runs") == 0);
    }
    CHECK(succeeded == kProcesses * kRounds);
}

TEST_CASE("store::execution_key covers code, tests and limits") {
    sandbox::HarnessJob job;
    job.code = "def f(): return 1";
    job.cases = {{"a", "assert f() == 1"}};
    const auto base = store::execution_key(job);
    auto other = job;
    other.limits.cpu_ms += 1;
    CHECK(store::execution_key(other) != base);
    other = job;
    other.cases[0].code = "assert f() == 2";
    CHECK(store::execution_key(other) != base);
    CHECK(store::execution_key(job) == base);
}

TEST_CASE("store::Store::mark_dead_runs: a run whose process is gone is marked died") {
    TempDir dir;
    auto db = store::Store::open(dir / "a.db");
    REQUIRE(db);
    std::int64_t live = 0;
    std::int64_t gone = 0;
    std::int64_t elsewhere = 0;
    db->transaction([&] {
        live = db->begin_run("run", "{}");
        gone = db->begin_run("run", "{}");
        elsewhere = db->begin_run("run", "{}");
    });
    testing::Sql sql(db->path());
    // The same pid started at another moment: a process that died and whose pid came back.
    sql.exec(fmt::format("UPDATE runs SET process_start = '1' WHERE id = {}", gone));
    sql.exec(fmt::format("UPDATE runs SET host = 'other-host/boot', process_start = '1' "
                         "WHERE id = {}",
                         elsewhere));
    int marked = 0;
    db->transaction([&] { marked = db->mark_dead_runs(); });
    CHECK(marked == 1);
    const auto status = [&](std::int64_t run) {
        return sql.texts(fmt::format("SELECT status FROM runs WHERE id = {}", run)).at(0);
    };
    CHECK(status(live) == "running");
    CHECK(status(gone) == "died");
    CHECK(status(elsewhere) == "running"); // another machine's process: not ours to judge
    db->transaction([&] { marked = db->mark_dead_runs(); });
    CHECK(marked == 0);
}
