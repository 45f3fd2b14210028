// run_batch and run_tagged on the fake executor: results follow their tags whatever order the
// executor finishes in; the syntax gate, the execution cache and deduplication keep jobs from
// reaching it; a host that cannot jail matters only when a job needs it.
#include "pipeline/batch.hpp"
#include "support/sql.hpp"
#include "support/stage_fixture.hpp"

#include <csignal>
#include <doctest/doctest.h>

using namespace assay;
using namespace assay::testing;

namespace {

sandbox::HarnessJob job_of(const std::string& code) {
    sandbox::HarnessJob job;
    job.code = code;
    job.entry_point = "f";
    job.cases = {{"t0", "assert f() == 1"}, {"t1", "assert f() != 2"}};
    return job;
}

// Programs that mention `fail` fail their second case.
sandbox::JobResult judge(const sandbox::HarnessJob& job) {
    return contains(job.code, "fail") ? failing(job, 1, job.code) : passing(job);
}

// Records `job`'s execution with `result` as a stage would: its problem, a run, its candidate.
void record_execution(store::Store& db, const sandbox::HarnessJob& job,
                      const sandbox::JobResult& result) {
    db.transaction([&] {
        Problem p;
        p.id = "p";
        p.language = "python";
        p.entry_point = "f";
        db.put_problem(p);
        const auto run = db.begin_run("test", "{}");
        const auto c =
            db.put_candidate({"p", store::CandidateKind::solution, store::Origin::seed, job.code});
        db.put_execution(c, run, store::execution_key(job), result);
    });
}

} // namespace

TEST_CASE("pipeline::run_tagged: each result comes back with its own tag") {
    FakeExecutor executor(judge);
    pipeline::TaggedJobs<int> jobs;
    for (int i = 0; i < 6; ++i)
        jobs.add(i, job_of(fmt::format("def f():\n    return 1  # {} {}", i, i % 2 ? "fail" : "")));
    const auto ran = pipeline::run_tagged(executor, std::move(jobs), {});
    REQUIRE(ran);
    REQUIRE(ran->size() == 6);
    for (int i = 0; i < 6; ++i) {
        const auto& r = (*ran)[static_cast<std::size_t>(i)];
        CHECK(r.tag == i);
        CHECK(contains(r.job.code, fmt::format("# {} ", i)));
        CHECK(r.result().all_passed() == (i % 2 == 0));
        if (i % 2) CHECK(r.result().cases[1].message == r.job.code);
    }
    // The executor finished them in reverse order.
    CHECK(contains(executor.ran.front().code, "# 5 "));
}

TEST_CASE("pipeline::run_batch: gate, deduplication and cache") {
    TempDir dir;
    store::Store db = open_store(dir / "a.db");
    FakeExecutor executor(judge);
    const std::vector<sandbox::HarnessJob> jobs = {
        job_of("def f():\n    return 1"),
        job_of("def f(:\n    return 1"),  // does not parse
        job_of("def f():\n    return 1"), // the first again
        job_of("def f():\n    return 1  # fail"),
    };

    SUBCASE("without a store") {
        const auto out = pipeline::run_batch(executor, jobs, {nullptr, "t", false, "python"});
        REQUIRE(out);
        CHECK(executor.ran.size() == 2);
        CHECK((*out)[0].result.all_passed());
        CHECK((*out)[1].result.verdict == Verdict::compile_error);
        CHECK((*out)[1].result.cases[0].message.starts_with("not run: "));
        CHECK((*out)[2].deduplicated);
        CHECK((*out)[2].result.all_passed());
        CHECK(!(*out)[3].result.all_passed());
        CHECK((*out)[0].key == (*out)[2].key);
        CHECK((*out)[0].key != (*out)[3].key);
    }
    SUBCASE("what the store has run answers, and the executor is not even started") {
        record_execution(db, jobs[3], ended(jobs[3], Verdict::runtime_error, "stored"));
        const std::vector<sandbox::HarnessJob> only = {jobs[3]};
        executor.start_error = "cannot jail here";
        const auto out = pipeline::run_batch(executor, only, {&db, "t", false, ""});
        REQUIRE_MESSAGE(out, out.error().message);
        CHECK((*out)[0].cached);
        CHECK((*out)[0].result.message == "stored");
        CHECK(executor.launches == 0);
        CHECK(executor.ran.empty());
        // A job the store has not seen needs the executor, which says why it cannot start.
        const auto failed = pipeline::run_batch(executor, jobs, {&db, "t", false, ""});
        REQUIRE(!failed);
        CHECK(failed.error().message == "cannot jail here");
        CHECK(failed.error().kind == ErrorKind::environment);
    }
}

TEST_CASE("pipeline::run_batch journals each result, and a rerun is answered from the journal") {
    TempDir dir;
    store::Store db = open_store(dir / "a.db");
    std::vector<sandbox::HarnessJob> jobs;
    for (int i = 0; i < 40; ++i)
        jobs.push_back(
            job_of(fmt::format("def f():\n    return 1  # {}{}", i, i % 3 ? "" : " fail")));

    SUBCASE("a batch stopped by SIGINT keeps what finished") {
        // The rule raises SIGINT while the 10th job runs: the handler records it, the batch ends
        // as interrupted, and the ten results are in the journal.
        util::install_stop_handlers();
        int seen = 0;
        FakeExecutor stopping([&](const sandbox::HarnessJob& job) {
            if (++seen == 10) std::raise(SIGINT);
            return judge(job);
        });
        const auto out = pipeline::run_batch(stopping, jobs, {&db, "t", false, ""});
        util::clear_stop_signal();
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        REQUIRE(!out);
        CHECK(out.error().kind == ErrorKind::interrupted);
        CHECK(out.error().exit_code() == ExitCode::sigint);
        CHECK(Sql(db.path()).scalar("SELECT count(*) FROM job_results") == 10);

        FakeExecutor again(judge);
        const auto rerun = pipeline::run_batch(again, jobs, {&db, "t", false, ""});
        REQUIRE(rerun);
        CHECK(again.ran.size() == 30);
        int cached = 0;
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            cached += (*rerun)[i].cached ? 1 : 0;
            CHECK((*rerun)[i].result.all_passed() == (i % 3 != 0));
        }
        CHECK(cached == 10);
    }
    SUBCASE("recording an execution drops its journaled result") {
        FakeExecutor executor(judge);
        REQUIRE(pipeline::run_batch(executor, jobs, {&db, "t", false, ""}));
        CHECK(Sql(db.path()).scalar("SELECT count(*) FROM job_results") == 40);
        record_execution(db, jobs[0], judge(jobs[0]));
        CHECK(Sql(db.path()).scalar("SELECT count(*) FROM job_results") == 39);
        FakeExecutor none(judge);
        const auto rerun = pipeline::run_batch(none, jobs, {&db, "t", false, ""});
        REQUIRE(rerun);
        CHECK(none.ran.empty());
        CHECK((*rerun)[0].cached);
        CHECK((*rerun)[0].result.cases.size() == 2);
        CHECK((*rerun)[3].result.cases[1].message == jobs[3].code);
    }
}
