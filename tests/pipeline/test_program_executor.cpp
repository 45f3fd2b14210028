// ProgramExecutor in real jails: C++ and JavaScript jobs as the judge model's two programs.
// Verdicts, per-case results and their messages, and that expected values stay out of the
// runner's source while the candidate's code stays out of the judge's.
#include "core/language.hpp"
#include "pipeline/program_executor.hpp"
#include "sandbox/jail.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <regex>
#include <set>

using namespace assay;

namespace {

struct Fixture {
    Language language;
    pipeline::ProgramExecutor executor;
    explicit Fixture(const std::string& name)
        : language(load_language(name).value()), executor(language, 1, false) {}

    sandbox::HarnessJob job(std::string code, std::string entry, std::string setup,
                            std::vector<std::string> cases) const {
        sandbox::HarnessJob j;
        j.code = std::move(code);
        j.entry_point = std::move(entry);
        j.setup = std::move(setup);
        for (std::size_t i = 0; i < cases.size(); ++i)
            j.cases.push_back({"c" + std::to_string(i), std::move(cases[i])});
        j.limits = language.limits;
        j.limits.cpu_ms = 2000;
        j.limits.wall_ms = 4000;
        return j;
    }
};

const char* kCppSetup =
    "#include <vector>\nusing namespace std;\nvector<int> twice(vector<int> v);\n"
    "bool issame(vector<int> a, vector<int> b) { return a == b; }\n";
const char* kCppTwice = "#include <vector>\n#include <stdexcept>\nusing namespace std;\n"
                        "vector<int> twice(vector<int> v) {\n"
                        "    if (v.empty()) throw out_of_range(\"empty input\");\n"
                        "    for (auto& x : v) x *= 2;\n    return v;\n}\n";

// Two builds of the same job give the same results: verdicts and messages, case by case.
void same_results(const sandbox::JobResult& a, const sandbox::JobResult& b) {
    CHECK(a.verdict == b.verdict);
    CHECK(a.message == b.message);
    REQUIRE(a.cases.size() == b.cases.size());
    for (std::size_t k = 0; k < a.cases.size(); ++k) {
        CHECK(a.cases[k].verdict == b.cases[k].verdict);
        CHECK(a.cases[k].message == b.cases[k].message);
    }
}

} // namespace

TEST_CASE("pipeline::ProgramExecutor runs C++ as runner and judge") {
    Fixture f("cpp");
    const auto job = f.job(
        kCppTwice, "twice", kCppSetup,
        {"assert (issame(twice({1, 2}), {2, 4}));", "assert (twice({3}) == vector<int>{7});",
         "vector<int> v = {5};\nassert (twice(v)[0] == 10);", "assert (twice({}).size() == 0);",
         "for (int i = 1; i < 3; i++) assert (twice({i})[0] == 2 * i);"});
    SUBCASE("the expected side stays in the judge, the candidate in the runner") {
        const auto frames = pipeline::load_frames(f.language);
        REQUIRE(frames);
        const auto programs = pipeline::build_programs(f.language, *frames, job, false);
        REQUIRE(programs);
        CHECK(programs->runner.find("{2, 4}") == std::string::npos);
        CHECK(programs->runner.find("vector<int>{7}") == std::string::npos);
        CHECK(programs->runner.find("x *= 2") != std::string::npos);
        CHECK(programs->judge.find("x *= 2") == std::string::npos);
        CHECK(programs->judge.find("vector<int>{7}") != std::string::npos);
        // The loop cannot be split: it runs whole, in the runner, and says why.
        CHECK(programs->cases[4].whole);
        CHECK(programs->cases[4].why == "a candidate call inside a for_statement");
    }
    SUBCASE("per-case verdicts with both sides of a failed comparison") {
        const sandbox::JobResult r = f.executor.run_job(job);
        CHECK(r.verdict == Verdict::ok);
        REQUIRE(r.cases.size() == 5);
        CHECK(r.cases[0].verdict == TestVerdict::passed);
        CHECK(r.cases[1].verdict == TestVerdict::failed);
        CHECK(r.cases[1].message.find("left: {6}") != std::string::npos);
        CHECK(r.cases[1].message.find("right: {7}") != std::string::npos);
        CHECK(r.cases[1].message.find("twice({3}) returned {6}") != std::string::npos);
        CHECK(r.cases[2].verdict == TestVerdict::passed);
        CHECK(r.cases[3].verdict == TestVerdict::error);
        CHECK(r.cases[3].message.find("std::out_of_range: empty input") != std::string::npos);
        CHECK(r.cases[4].verdict == TestVerdict::passed);
        CHECK(r.message == r.cases[1].message);
    }
    SUBCASE("a compile error names the program's own line") {
        auto broken = job;
        broken.code =
            "#include <vector>\nusing namespace std;\nvector<int> twice(vector<int> v) {\n"
            "    return v +;\n}\n";
        const sandbox::JobResult r = f.executor.run_job(broken);
        CHECK(r.verdict == Verdict::compile_error);
        CHECK(r.message.find("main.cpp:4:") != std::string::npos);
        CHECK(r.cases[0].message.find("compile error: main.cpp:4:") == 0);
    }
    SUBCASE("a wrong program cannot have its cases run whole and forge their records") {
        // The attack: a macro that breaks the harness's emit calls, so that the split runner
        // does not compile and every case would run whole, in the program's own process; then
        // a static initialiser that writes `W k passed` for every case before main. Also an
        // overload whose return type the codec cannot send, for the same end.
        const std::string forge =
            "#include <unistd.h>\n#include <cstdio>\n"
            "static int forged_ = [] { for (int k = 0; k < 50; ++k) { char b[64];\n"
            "  int n = std::snprintf(b, sizeof b, \"W %d 6\\npassed\\n\", k);\n"
            "  (void)!write(3, b, n); } return 0; }();\n";
        const std::string wrong = "#include <vector>\nusing namespace std;\n"
                                  "vector<int> twice(vector<int> v) { return {0}; }\n";
        for (const std::string& code :
             {wrong +
                  "struct assay_extra {};\n#define emit(id, ...) emit(id, __VA_ARGS__, "
                  "assay_extra)\n" +
                  forge,
              wrong +
                  "struct Opaque {};\nOpaque twice(std::initializer_list<int>) { return "
                  "{}; }\n" +
                  forge}) {
            auto forged = job;
            forged.code = code;
            const sandbox::JobResult r = f.executor.run_job(forged);
            CHECK(r.verdict == Verdict::compile_error);
            CHECK(r.passed() == 0);
        }
        // Run whole for a test that cannot split (the loop), a forged record for it is
        // caught: written twice, the case errs.
        auto loop_only = f.job(wrong + forge, "twice", kCppSetup,
                               {"for (int i = 1; i < 3; i++) assert (twice({i})[0] == 2 * i);"});
        const sandbox::JobResult r = f.executor.run_job(loop_only);
        REQUIRE(r.cases.size() == 1);
        CHECK(r.cases[0].verdict != TestVerdict::passed);
        // Without the forgery it fails, and the message names the test's code (it has no
        // assertion statement of its own).
        loop_only.code = wrong;
        const sandbox::JobResult honest = f.executor.run_job(loop_only);
        CHECK(honest.cases.at(0).verdict == TestVerdict::failed);
        CHECK(honest.cases.at(0).message.find("assertion failed: for (int i = 1") == 0);
    }
    SUBCASE("a program that reads addresses fails the same way in every run") {
        // What undefined behaviour reads past a vector's end is often a heap pointer's bits, or
        // a freed block's: here the program sends them outright. The runner runs at fixed
        // addresses, without malloc's random tcache key, the same each time.
        auto leaking = job;
        leaking.code = "#include <cstdint>\n#include <vector>\nusing namespace std;\n"
                       "vector<int> twice(vector<int> v) {\n"
                       "    int* p = new int(0);\n"
                       "    int local = 0;\n"
                       "    v.push_back(int(uintptr_t(p) >> 4));\n"
                       "    v.push_back(int(uintptr_t(&local) >> 4));\n"
                       "    int* freed = new int[8]{};\n"
                       "    delete[] freed;\n"
                       "    v.push_back(freed[2] ^ freed[3]);\n" // where glibc's tcache key goes
                       "    return v;\n}\n";
        leaking.cases = {job.cases[1]};
        const sandbox::JobResult first = f.executor.run_job(leaking);
        REQUIRE(first.cases.size() == 1);
        CHECK(first.cases[0].verdict == TestVerdict::failed);
        INFO(first.cases[0].message);
        CHECK(first.cases[0].message.find("returned {3, ") != std::string::npos);
        for (int i = 0; i < 3; ++i) {
            const sandbox::JobResult again = f.executor.run_job(leaking);
            REQUIRE(again.cases.size() == 1);
            CHECK(again.cases[0].message == first.cases[0].message);
        }
    }
    SUBCASE("a crash ends the run: later cases say the program stopped") {
        auto crashing = job;
        crashing.code =
            "#include <vector>\nusing namespace std;\nvector<int> twice(vector<int> v) {\n"
            "    if (v.size() == 1) { volatile int* p = nullptr; *p = 1; }\n"
            "    for (auto& x : v) x *= 2;\n    return v;\n}\n";
        const sandbox::JobResult r = f.executor.run_job(crashing);
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.cases[0].verdict == TestVerdict::passed);
        CHECK(r.cases[1].verdict == TestVerdict::error);
        CHECK(r.cases[1].message.find("stopped before this case") != std::string::npos);
    }
}

TEST_CASE("pipeline::ProgramExecutor: nested standard C++ values reach the judge exactly") {
    Fixture f("cpp");
    const std::string head =
        "#include <map>\n#include <optional>\n#include <set>\n#include <string>\n"
        "#include <tuple>\n#include <vector>\nusing namespace std;\n"
        "using T = tuple<map<string, vector<double>>, optional<string>, set<char>, "
        "const char*>;\n";
    const auto job = f.job(
        head + "T f(int x) {\n  return {{{\"a b\\n\", {0.1, x / 3.0}}}, x > 1 ? "
               "optional<string>(\"y\") "
               ": nullopt, {'q', 'p'}, \"c\"};\n}\n",
        "f", head + "T f(int x);\n",
        {"assert (get<0>(f(1)) == map<string, vector<double>>{{\"a b\\n\", {0.1, 1 / 3.0}}});",
         "assert (!get<1>(f(1)).has_value() && get<1>(f(2)) == \"y\");",
         "assert (get<2>(f(0)) == set<char>{'p', 'q'} && string(get<3>(f(0))) == \"c\");",
         "assert (get<0>(f(2)).at(\"a b\\n\")[1] == 0.5);"});
    const sandbox::JobResult r = f.executor.run_job(job);
    CHECK(r.verdict == Verdict::ok);
    REQUIRE(r.cases.size() == 4);
    CHECK(r.cases[0].verdict == TestVerdict::passed);
    CHECK(r.cases[1].verdict == TestVerdict::passed);
    CHECK(r.cases[2].verdict == TestVerdict::passed);
    CHECK(r.cases[3].verdict == TestVerdict::failed);
    CHECK(r.cases[3].message.find("left: 0.666666666666666") != std::string::npos);
    CHECK(r.cases[3].message.find("{\"a b\\n\", {0.1, 0.666666666666666") != std::string::npos);
}

TEST_CASE("pipeline::ProgramExecutor runs JavaScript as runner and judge") {
    Fixture f("javascript");
    const auto job = f.job(
        "const twice = (xs) => {\n  if (xs.length === 0) throw new RangeError('empty input')\n"
        "  return xs.map(x => x * 2)\n}\n",
        "twice", "const assert = require('assert')\n",
        {"console.assert(JSON.stringify(twice([1, 2])) === JSON.stringify([2, 4]))",
         "console.assert(twice([3])[0] === 7)", "assert.deepStrictEqual(twice([1]), [3])",
         "console.assert(twice([]).length === 0)",
         "const m = new Map([[1, 2]])\nconsole.assert(twice([...m.keys()])[0] === 2)"});
    const sandbox::JobResult r = f.executor.run_job(job);
    CHECK(r.verdict == Verdict::ok);
    REQUIRE(r.cases.size() == 5);
    CHECK(r.cases[0].verdict == TestVerdict::passed);
    // console.assert prints and does not throw under node: here a false one fails its case.
    CHECK(r.cases[1].verdict == TestVerdict::failed);
    CHECK(r.cases[1].message.find("left: 6") != std::string::npos);
    CHECK(r.cases[1].message.find("right: 7") != std::string::npos);
    CHECK(r.cases[2].verdict == TestVerdict::failed);
    CHECK(r.cases[2].message.find("Expected values to be strictly deep-equal") !=
          std::string::npos);
    CHECK(r.cases[3].verdict == TestVerdict::error);
    CHECK(r.cases[3].message.find("RangeError: empty input") != std::string::npos);
    CHECK(r.cases[4].verdict == TestVerdict::passed);
}

TEST_CASE("pipeline::ProgramExecutor: C++ through its fork server, as on the cold path") {
    Fixture f("cpp");
    auto server = f.executor.fork_server();
    REQUIRE(server.has_value());
    const std::vector<std::string> cases = {"assert (issame(twice({1, 2}), {2, 4}));",
                                            "assert (twice({3}) == vector<int>{7});",
                                            "assert (twice({}).size() == 0);"};
    // `same_messages`: false where the cold path's program, its jail's PID 1, ignores a signal
    // it sends itself (abort() then ends in SIGSEGV), which the server's child does not.
    const auto both = [&](const std::string& code, bool same_messages = true) {
        const auto job = f.job(code, "twice", kCppSetup, cases);
        const sandbox::JobResult forked = f.executor.run_job(job, &*server);
        const sandbox::JobResult cold = f.executor.run_job(job);
        CHECK(forked.verdict == cold.verdict);
        if (same_messages) CHECK(forked.message == cold.message);
        REQUIRE(forked.cases.size() == cold.cases.size());
        for (std::size_t k = 0; k < cold.cases.size(); ++k) {
            CHECK(forked.cases[k].verdict == cold.cases[k].verdict);
            if (same_messages) CHECK(forked.cases[k].message == cold.cases[k].message);
        }
        return forked;
    };
    SUBCASE("verdicts, values and messages equal the cold path's") {
        const auto r = both(kCppTwice);
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.cases.at(0).verdict == TestVerdict::passed);
        CHECK(r.cases.at(1).verdict == TestVerdict::failed);
        CHECK(r.cases.at(1).message.find("left: {6}") != std::string::npos);
        CHECK(r.cases.at(2).verdict == TestVerdict::error);
        CHECK(r.cases.at(2).message.find("empty input") != std::string::npos);
    }
    SUBCASE("abort, a crash and a loop end as on the cold path, and the next program is clean") {
        const std::string head = "#include <vector>\n#include <cstdlib>\nusing namespace std;\n";
        // As under plain execution: abort() raises SIGABRT, and the program dies of it.
        const auto aborted = both(head + "vector<int> twice(vector<int> v) { abort(); }\n", false);
        CHECK(aborted.verdict == Verdict::runtime_error);
        CHECK(aborted.message == "the program was killed by SIGABRT");
        CHECK(both(head + "vector<int> twice(vector<int> v) { return {v[1 << 30]}; }\n").verdict ==
              Verdict::runtime_error);
        CHECK(both(head + "vector<int> twice(vector<int> v) { for (;;) {} }\n").verdict ==
              Verdict::timeout);
        const auto next = f.executor.run_job(f.job(kCppTwice, "twice", kCppSetup, cases), &*server);
        CHECK(next.verdict == Verdict::ok);
        CHECK(next.cases.at(0).verdict == TestVerdict::passed);
    }
    SUBCASE("the runner's first open() gets fd 4, as in its own jail") {
        const auto r = both("#include <vector>\n#include <fcntl.h>\n#include <unistd.h>\n"
                            "using namespace std;\nvector<int> twice(vector<int> v) {\n"
                            "    const int fd = open(\"/dev/null\", O_RDONLY);\n    close(fd);\n"
                            "    for (auto& x : v) x = x * 2 + (fd == 4 ? 0 : 100);\n"
                            "    return v;\n}\n");
        CHECK(r.cases.at(0).verdict == TestVerdict::passed);
    }
    SUBCASE("what one program leaves behind never reaches the next") {
        // A file in /work and /tmp and a daemon in a session of its own: the next program sees
        // none of them (no such file, no process but itself and the server's PID 1).
        const std::string litter =
            "#include <vector>\n#include <cstdio>\n#include <unistd.h>\nusing namespace std;\n"
            "vector<int> twice(vector<int> v) {\n"
            "    if (FILE* o = fopen(\"/work/left\", \"w\")) { fputs(\"x\", o); fclose(o); }\n"
            "    if (FILE* o = fopen(\"/tmp/left\", \"w\")) { fputs(\"x\", o); fclose(o); }\n"
            "    if (fork() == 0) { setsid(); for (;;) pause(); }\n"
            "    for (auto& x : v) x *= 2;\n    return v;\n}\n";
        const auto left = f.executor.run_job(f.job(litter, "twice", kCppSetup, cases), &*server);
        CHECK(left.cases.at(0).verdict == TestVerdict::passed);
        const std::string look =
            "#include <vector>\n#include <unistd.h>\n#include <dirent.h>\nusing namespace std;\n"
            "vector<int> twice(vector<int> v) {\n"
            "    int seen = access(\"/work/left\", F_OK) == 0 || access(\"/tmp/left\", F_OK) == "
            "0;\n"
            "    if (DIR* d = opendir(\"/proc\")) {\n"
            "        while (dirent* e = readdir(d)) if (e->d_name[0] > '0' && e->d_name[0] <= '9' "
            "&&\n"
            "            atoi(e->d_name) != 1 && atoi(e->d_name) != getpid()) seen = 1;\n"
            "        closedir(d);\n    }\n"
            "    for (auto& x : v) x = x * 2 + seen;\n    return v;\n}\n";
        const auto clean = f.executor.run_job(
            f.job("#include <cstdlib>\n" + look, "twice", kCppSetup, cases), &*server);
        CHECK(clean.cases.at(0).verdict == TestVerdict::passed);
    }
    SUBCASE("the runner runs at the fixed addresses of the cold path") {
        // The runner's heap address is the same in every run, and the same as in its own jail.
        const std::string where =
            "#include <vector>\n#include <cstdio>\n#include <cstdlib>\nusing namespace std;\n"
            "vector<int> twice(vector<int> v) {\n"
            "    fprintf(stderr, \"heap %p\\n\", malloc(16));\n"
            "    for (auto& x : v) x *= 2;\n    return v;\n}\n";
        const auto job = f.job(where, "twice", kCppSetup, {cases[0]});
        const auto a = f.executor.run_job(job, &*server);
        const auto b = f.executor.run_job(job, &*server);
        const auto cold = f.executor.run_job(job);
        CHECK(a.stderr_text.find("heap 0x") != std::string::npos);
        CHECK(a.stderr_text == b.stderr_text);
        CHECK(a.stderr_text == cold.stderr_text);
    }
}

TEST_CASE("pipeline::ProgramExecutor: JavaScript through its fork server, as on the cold path") {
    Fixture f("javascript");
    auto server = f.executor.fork_server();
    REQUIRE(server.has_value());
    const std::string setup = "const assert = require('assert')\n";
    const std::vector<std::string> cases = {
        "console.assert(JSON.stringify(twice([1, 2])) === JSON.stringify([2, 4]))",
        "console.assert(twice([3])[0] === 7)", "assert.deepStrictEqual(twice([1]), [3])",
        "console.assert(twice([]).length === 0)"};
    const std::string honest =
        "const twice = (xs) => {\n  if (xs.length === 0) throw new RangeError('empty input')\n"
        "  return xs.map(x => x * 2)\n}\n";
    SUBCASE("verdicts, values and messages equal the cold path's") {
        const auto job = f.job(honest, "twice", setup, cases);
        const sandbox::JobResult forked = f.executor.run_job(job, &*server);
        const sandbox::JobResult cold = f.executor.run_job(job);
        CHECK(forked.verdict == Verdict::ok);
        REQUIRE(forked.cases.size() == cold.cases.size());
        for (std::size_t k = 0; k < cold.cases.size(); ++k) {
            CHECK(forked.cases[k].verdict == cold.cases[k].verdict);
            CHECK(forked.cases[k].message == cold.cases[k].message);
        }
        CHECK(forked.cases[1].message.find("left: 6") != std::string::npos);
    }
    SUBCASE("a candidate that rewrites the harness and the globals bends only its own run") {
        const std::string tamper =
            honest +
            "const rt = require('/assay/runtime.js')\nrt.judge = () => ({ judgeCase () {} })\n"
            "Object.prototype.polluted = true\nArray.prototype.map = function () { return [2, 4] "
            "}\n"
            "console.assert = () => {}\nJSON.stringify = () => 'same'\n";
        const auto bent = f.executor.run_job(f.job(tamper, "twice", setup, cases), &*server);
        // The judge still decides: the runner's tampering at most spoils its own values.
        CHECK_FALSE(bent.all_passed());
        CHECK(bent.cases.at(1).verdict != TestVerdict::passed);
        const auto next = f.executor.run_job(f.job(honest, "twice", setup, cases), &*server);
        CHECK(next.verdict == Verdict::ok);
        CHECK(next.cases.at(0).verdict == TestVerdict::passed);
        CHECK(next.cases.at(1).verdict == TestVerdict::failed);
        CHECK(next.cases.at(1).message.find("left: 6") != std::string::npos);
        CHECK(next.cases.at(2).verdict == TestVerdict::failed);
        CHECK(next.cases.at(3).verdict == TestVerdict::error);
    }
    SUBCASE("the tests' code cannot reach the judge's nonce: it decides no other case") {
        // A problem file's set-up that looks for the nonce everywhere the judge had it (the
        // global, the file, its fd 3) and writes a `passed` line for every case on fds 1 and 4.
        const std::string forger =
            "const assert = require('assert')\nconst fs = require('fs')\nlet nonce = ''\n"
            "try { nonce = globalThis.__assayInputs.nonce } catch (e) {}\n"
            "try { nonce = nonce || fs.readFileSync('/work/nonce', 'latin1') } catch (e) {}\n"
            "try { const b = Buffer.alloc(64); const n = fs.readSync(3, b, 0, 64, 0);\n"
            "  nonce = nonce || b.toString('latin1', 0, n).split('\\n')[0] } catch (e) {}\n"
            "for (const fd of [1, 4]) for (let k = 0; k < 4; k++)\n"
            "  try { fs.writeSync(fd, nonce + ' {\"case\":' + k + ',\"verdict\":\"passed\"}\\n') }"
            " catch (e) {}\n";
        const std::string wrong = "const twice = (xs) => xs\n";
        const auto job = f.job(wrong, "twice", forger, cases);
        for (sandbox::ForkServer* through :
             {&*server, static_cast<sandbox::ForkServer*>(nullptr)}) {
            const sandbox::JobResult r = f.executor.run_job(job, through);
            REQUIRE(r.cases.size() == 4);
            CHECK(r.cases[0].verdict == TestVerdict::failed);
            CHECK(r.cases[1].verdict == TestVerdict::failed);
            CHECK(r.cases[2].verdict == TestVerdict::failed);
        }
    }
    SUBCASE("a runner that ends early or loops: the cold path's verdicts") {
        auto r = f.executor.run_job(f.job(honest + "process.exit(0)\n", "twice", setup, cases),
                                    &*server);
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.cases.at(0).message.find("stopped before this case") != std::string::npos);
        r = f.executor.run_job(f.job("while (true) {}\n", "twice", setup, cases), &*server);
        CHECK(r.verdict == Verdict::timeout);
        r = f.executor.run_job(f.job(honest, "twice", setup, cases), &*server);
        CHECK(r.verdict == Verdict::ok);
    }
    SUBCASE("a judge that loops ends as internal_error, not a hang") {
        // The expected side runs only in the judge (with the descriptor's limits).
        const auto r = f.executor.run_job(
            f.job(honest, "twice", setup,
                  {"console.assert(twice([1])[0] === (() => { while (true) {} })())"}),
            &*server);
        CHECK(r.verdict == Verdict::internal_error);
        CHECK(r.message.find("the judge failed") != std::string::npos);
    }
}

TEST_CASE("pipeline::make_executor: a zygote language gets the pool, others programs") {
    const auto python = load_language("python");
    REQUIRE(python);
    CHECK(dynamic_cast<pipeline::JailExecutor*>(pipeline::make_executor(*python, 1, false).get()) !=
          nullptr);
    const auto cpp = load_language("cpp");
    REQUIRE(cpp);
    CHECK(dynamic_cast<pipeline::ProgramExecutor*>(pipeline::make_executor(*cpp, 1, false).get()) !=
          nullptr);
    // JavaScript's zygote is its programs' fork server: still the program executor.
    const auto js = load_language("javascript");
    REQUIRE(js);
    CHECK(dynamic_cast<pipeline::ProgramExecutor*>(pipeline::make_executor(*js, 1, false).get()) !=
          nullptr);
}

TEST_CASE("pipeline::ProgramExecutor links a C++ runner from the program and its cases' object") {
    // Every job twice: one unit (Split::never, as before) and two (Split::always); the results
    // must be the same, case by case, and the counts say which build each job got.
    const auto both = [](const sandbox::HarnessJob& job) {
        Fixture one("cpp");
        one.executor.set_split(pipeline::Split::never);
        Fixture two("cpp");
        two.executor.set_split(pipeline::Split::always);
        const sandbox::JobResult a = one.executor.run_job(job);
        const sandbox::JobResult b = two.executor.run_job(job);
        same_results(a, b);
        CHECK(one.executor.split_counts().linked == 0);
        return std::pair{b, two.executor.split_counts()};
    };
    Fixture f("cpp");
    const std::vector<std::string> cases{"assert (issame(twice({1, 2}), {2, 4}));",
                                         "assert (twice({3}) == vector<int>{7});",
                                         "assert (twice({}).size() == 0);"};
    SUBCASE("a program that stands alone is linked; verdicts and messages are unchanged") {
        const auto [r, counts] = both(f.job(kCppTwice, "twice", kCppSetup, cases));
        CHECK(counts.linked == 1);
        CHECK(counts.refused + counts.fell_back == 0);
        CHECK(r.cases[0].verdict == TestVerdict::passed);
        CHECK(r.cases[1].message.find("twice({3}) returned {6}") != std::string::npos);
        CHECK(r.cases[2].message.find("std::out_of_range: empty input") != std::string::npos);
    }
    SUBCASE("a program's overloads resolve as in one unit; a test that calls a helper runs whole") {
        const std::string code =
            "#include <vector>\nusing namespace std;\n"
            "int pick(double x) { return 1; }\nint pick(int x) { return 2; }\n"
            "vector<int> twice(vector<int> v) { return {pick(1), pick(1.0)}; }\n";
        const auto [r, counts] =
            both(f.job(code, "twice", kCppSetup, {"assert (issame(twice({}), {2, 1}));"}));
        CHECK(counts.linked == 1);
        CHECK(r.cases[0].verdict == TestVerdict::passed);
        // A test that calls the helper itself: the judge, which holds only the problem's side,
        // cannot compile `pick`, so every case runs whole in one unit, as under plain execution.
        const auto [w, whole] =
            both(f.job(code, "twice", kCppSetup,
                       {"assert (pick(3) == 2);", "assert (issame(twice({}), {2, 1}));"}));
        CHECK(whole.linked == 0);
        CHECK(w.cases[0].verdict == TestVerdict::passed);
        CHECK(w.cases[1].verdict == TestVerdict::passed);
    }
    SUBCASE("a return type other than the declared one means the same in both builds") {
        // The cases' unit declares the program's own prototype, as the one unit sees it.
        const std::string code = "#include <vector>\nusing namespace std;\n"
                                 "long twice(vector<int> v) { return v.size(); }\n";
        const auto [r, counts] = both(f.job(code, "twice", kCppSetup, cases));
        CHECK(counts.linked == 1);
        // When the runner needs the set-up, its declaration conflicts: neither build compiles.
        const auto [s, with_setup] = both(
            f.job(code, "twice", std::string(kCppSetup) + "const vector<int> kInput = {1, 2};\n",
                  {"assert (twice(kInput) == 2);"}));
        // Its judge does not compile either (a vector compared with 2): every case runs whole,
        // as one unit, and no cases' object is built.
        CHECK(with_setup.linked == 0);
        CHECK(with_setup.objects == 0);
        CHECK(s.verdict == Verdict::compile_error);
    }
    SUBCASE("a compile error falls back to one unit and names the program's own line") {
        const std::string code = "#include <vector>\nusing namespace std;\n"
                                 "vector<int> twice(vector<int> v) {\n    return v.size2();\n}\n";
        const auto [r, counts] = both(f.job(code, "twice", kCppSetup, cases));
        CHECK(counts.fell_back == 1);
        CHECK(r.verdict == Verdict::compile_error);
        CHECK(r.message.find("main.cpp:4:") != std::string::npos);
        // Code that does not parse is not split at all.
        const auto [s, unparsed] = both(
            f.job("#include <vector>\nusing namespace std;\nvector<int> twice(vector<int> v) {\n"
                  "    return v +;\n}\n",
                  "twice", kCppSetup, cases));
        CHECK(unparsed.refused == 1);
        CHECK(s.verdict == Verdict::compile_error);
    }
    SUBCASE("state, macros, templates and internal linkage keep one unit") {
        // Each would mean something else split (a counter twice, a macro unseen by the tests,
        // a body the caller's unit needs): refused before any compile, verdicts as before.
        const std::vector<std::string> programs{
            "#include <vector>\nusing namespace std;\nint calls = 0;\n"
            "vector<int> twice(vector<int> v) { ++calls; for (auto& x : v) x *= 2; return v; }\n",
            "#include <vector>\nusing namespace std;\n#define issame(a, b) true\n"
            "vector<int> twice(vector<int> v) { return v; }\n",
            "#include <vector>\nusing namespace std;\ntemplate <class T> T twice(T v) {\n"
            "  for (auto& x : v) x *= 2;\n  return v;\n}\n",
            "#include <vector>\nusing namespace std;\n"
            "static vector<int> twice(vector<int> v) { for (auto& x : v) x *= 2; return v; }\n",
            "#include <vector>\nusing namespace std;\n"
            "inline vector<int> twice(vector<int> v) { for (auto& x : v) x *= 2; return v; }\n"};
        for (const std::string& code : programs) {
            CAPTURE(code);
            const auto [r, counts] = both(f.job(code, "twice", kCppSetup, cases));
            CHECK(counts.refused == 1);
            CHECK(counts.linked == 0);
        }
        const auto [r, counts] =
            both(f.job("#include <vector>\nusing namespace std;\nint calls = 0;\n"
                       "vector<int> twice(vector<int> v) { ++calls; return v; }\n",
                       "twice", kCppSetup, {"twice({});\nassert (calls == 1);"}));
        CHECK(counts.refused == 1);
        CHECK(r.cases[0].verdict == TestVerdict::passed);
    }
    SUBCASE("the cases' object is compiled once for several programs") {
        Fixture g("cpp");
        g.executor.set_split(pipeline::Split::always);
        for (const int factor : {2, 3}) {
            const std::string code =
                fmt::format("#include <vector>\n#include <stdexcept>\nusing namespace std;\n"
                            "vector<int> twice(vector<int> v) {{\n"
                            "    if (v.empty()) throw out_of_range(\"empty input\");\n"
                            "    for (auto& x : v) x *= {};\n    return v;\n}}\n",
                            factor);
            const sandbox::JobResult r = g.executor.run_job(g.job(code, "twice", kCppSetup, cases));
            CHECK(r.cases[0].verdict == (factor == 2 ? TestVerdict::passed : TestVerdict::failed));
        }
        CHECK(g.executor.split_counts().linked == 2);
        CHECK(g.executor.split_counts().objects == 1);
    }
}

TEST_CASE("pipeline::ProgramExecutor links judges and cases' units with the harness's object") {
    // The same jobs with the build's assay_support.o and send_output, and with a descriptor
    // that has neither (every unit then compiles the harness's code itself, and a shell and cat
    // send the output, as before): the same results, case by case, and only the first links the
    // object (its probe, the judge and the runner).
    const auto both = [](const sandbox::HarnessJob& job) {
        Fixture with("cpp");
        Language bare = load_language("cpp").value();
        bare.support_object = "absent.o";
        bare.send_output.clear();
        pipeline::ProgramExecutor without(bare, 1, false);
        with.executor.set_split(pipeline::Split::always);
        without.set_split(pipeline::Split::always);
        const sandbox::JobResult a = with.executor.run_job(job);
        const sandbox::JobResult b = without.run_job(job);
        same_results(a, b);
        CHECK(with.executor.split_counts().linked == 1);
        CHECK(without.split_counts().linked == 1);
        CHECK(without.split_counts().supported == 0);
        return std::pair{a, with.executor.split_counts().supported};
    };
    Fixture f("cpp");
    const std::vector<std::string> cases{
        "assert (issame(twice({3}), {7}));", "assert (twice({3}) == vector<int>{7});",
        "assert (twice({}).size() == 0);", "assert (issame(twice({1, 2}), {2, 4}));"};
    // The judge ran (split cases): a failed case names the candidate's value and both sides.
    const auto judged = [](const sandbox::JobResult& r) {
        REQUIRE(r.cases.size() == 4);
        CHECK(r.cases[0].verdict == TestVerdict::failed);
        CHECK(r.cases[0].message.find("twice({3}) returned {6}") != std::string::npos);
        CHECK(r.cases[1].message.find("left: {6}") != std::string::npos);
        CHECK(r.cases[1].message.find("right: {7}") != std::string::npos);
        CHECK(r.cases[2].verdict == TestVerdict::error);
        CHECK(r.cases[2].message.find("std::out_of_range: empty input") != std::string::npos);
        CHECK(r.cases[3].verdict == TestVerdict::passed);
    };
    SUBCASE("the judge and the runner link it; verdicts and messages are unchanged") {
        const auto [r, supported] = both(f.job(kCppTwice, "twice", kCppSetup, cases));
        judged(r);
        CHECK(supported == 3); // the probe, the judge, the runner
    }
    SUBCASE("a tests' macro named like the harness's code: the units compile that code") {
        // `check` is the function the judge calls for a boolean assertion: declared under the
        // macro's name, the object's definition would not be found, and the judge not link.
        for (const std::string macro :
             {"#define check holds\n", "#define Text string\n", "#define find_record lookup\n"}) {
            CAPTURE(macro);
            const auto [r, supported] = both(f.job(kCppTwice, "twice", macro + kCppSetup, cases));
            judged(r);
            CHECK(supported == 3); // the probe, the judge, the runner
        }
    }
    SUBCASE("an object that does not fit, or is not this harness's: no unit uses it") {
        // An object the descriptor's compile cannot link (here, not an object at all: what one
        // built without a flag that compile has comes to), and one built from other harness
        // files than those the jail binds (an older assay.hpp, another checkout's). The
        // directory is private, as a build under a 0700 home is: the jail gets a staged copy,
        // whose programs must stay executable.
        for (const bool garbage : {true, false}) {
            CAPTURE(garbage);
            testing::TempDir native;
            Language odd = load_language("cpp").value();
            for (const auto& entry : std::filesystem::directory_iterator(odd.native_dir))
                std::filesystem::copy(entry.path(), native.path() / entry.path().filename(),
                                      std::filesystem::copy_options::recursive);
            const std::string sources = odd.support_object + ".sources";
            REQUIRE(std::filesystem::exists(native / (sources + "/assay.hpp")));
            if (garbage)
                native.write(odd.support_object, "not an object\n");
            else
                std::ofstream(native / (sources + "/assay.hpp"), std::ios::app) << "// older\n";
            odd.native_dir = native.path();
            pipeline::ProgramExecutor executor(odd, 1, false);
            executor.set_split(pipeline::Split::always);
            const sandbox::JobResult r =
                executor.run_job(f.job(kCppTwice, "twice", kCppSetup, cases));
            CAPTURE(r.message);
            judged(r);
            CHECK(executor.split_counts().supported == 0);
            CHECK(executor.split_counts().linked == 1);
        }
    }
    SUBCASE("a tests' pragma that packs classes: the harness lays its own out as the object") {
        for (const std::string pragma : {"#pragma pack(1)\n", "#pragma pack(push, 2)\n"}) {
            CAPTURE(pragma);
            const auto [r, supported] = both(f.job(kCppTwice, "twice", pragma + kCppSetup, cases));
            judged(r);
            CHECK(supported == 3); // the probe, the judge, the runner
        }
    }
}

TEST_CASE("pipeline::ProgramExecutor: the standard library's instances, compiled once, mean the "
          "same") {
    // Programs that call <cmath>'s special functions in float, double and long double, and
    // <string>'s conversions (whose instantiations the precompiled header declares extern and
    // the archive defines), each job twice
    // so that its header is precompiled: the same results, case by case, as a descriptor
    // without the archive, whose units instantiate them themselves.
    const std::string setup =
        "#include <cmath>\n#include <string>\nusing namespace std;\ndouble special(double x);\n";
    const std::string code = "#include <cmath>\n#include <string>\nusing namespace std;\n"
                             "double special(double x) {\n"
                             "    if (x >= 100) return stod(to_string(x)) + stoi(string(\"7\")) + "
                             "stold(to_wstring(2.5));\n"
                             "    if (x < 0) return riemann_zetaf(static_cast<float>(-x));\n"
                             "    if (x < 1) return static_cast<double>(assoc_laguerrel(3, 2, "
                             "static_cast<long double>(x)));\n"
                             "    return expint(x) + cyl_bessel_k(0.5, x);\n}\n";
    const std::vector<std::string> cases{"assert (abs(special(-2.5) - 1.3414871) < 1e-6);",
                                         "assert (abs(special(0.5) - 5.6041667) < 1e-6);",
                                         "assert (abs(special(1.25) - 2.9022193) < 1e-6);",
                                         "assert (special(2.0) == 0);",
                                         "assert (special(1000.0) == 1009.5);"};
    const auto judged = [](const sandbox::JobResult& r) {
        REQUIRE(r.cases.size() == 5);
        CHECK(r.cases[4].verdict == TestVerdict::passed);
        CHECK(r.cases[0].verdict == TestVerdict::passed);
        CHECK(r.cases[1].verdict == TestVerdict::passed);
        CHECK(r.cases[2].verdict == TestVerdict::passed);
        CHECK(r.cases[3].verdict == TestVerdict::failed);
        CHECK(r.cases[3].message.find("special(2.0) returned") != std::string::npos);
    };
    Fixture f("cpp");
    const Language cpp = load_language("cpp").value();
    const auto twice = [&](pipeline::ProgramExecutor& executor) {
        executor.set_split(pipeline::Split::always);
        sandbox::JobResult r;
        for (int round = 0; round < 2; ++round)
            r = executor.run_job(f.job(code, "special", setup, cases));
        return r;
    };
    Language bare = cpp;
    bare.instances_archive = "absent.a";
    pipeline::ProgramExecutor without(bare, 1, false);
    const sandbox::JobResult expected = twice(without);
    judged(expected);
    CHECK(without.split_counts().headers == 1);
    CHECK(without.split_counts().instanced == 0);
    SUBCASE("with the archive: its header declares them, and every build links it") {
        const sandbox::JobResult r = twice(f.executor);
        CAPTURE(r.message);
        same_results(r, expected);
        CHECK(f.executor.split_counts().headers == 1);
        CHECK(f.executor.split_counts().instanced == 1);
        CHECK(f.executor.split_counts().linked == 2);
    }
    SUBCASE("an archive not built from these files or not readable, or a header they break") {
        // An archive left from an older std_instances.hpp, and one the linker cannot read (a
        // truncated file), are not used; a header that the instances break (here, a harness whose
        // file says #error) is precompiled without them. Each way, the header is precompiled
        // (without them) and every build links.
        enum class Odd { stale, unreadable, breaking };
        for (const Odd way : {Odd::stale, Odd::unreadable, Odd::breaking}) {
            CAPTURE(static_cast<int>(way));
            testing::TempDir native;
            testing::TempDir harness;
            for (const auto& [from, to] : {std::pair{cpp.native_dir, native.path()},
                                           std::pair{cpp.harness_dir, harness.path()}})
                for (const auto& entry : std::filesystem::directory_iterator(from))
                    std::filesystem::copy(entry.path(), to / entry.path().filename(),
                                          std::filesystem::copy_options::recursive);
            const std::string sources = cpp.instances_archive + ".sources/";
            REQUIRE(std::filesystem::exists(native / (sources + cpp.instances_header)));
            if (way == Odd::stale) {
                std::ofstream(native / (sources + cpp.instances_header), std::ios::app)
                    << "// older\n";
            } else if (way == Odd::unreadable) {
                std::filesystem::resize_file(native / cpp.instances_archive, 100);
            } else {
                for (const auto& file :
                     {harness / cpp.instances_header, native / (sources + cpp.instances_header)})
                    std::ofstream(file, std::ios::app) << "#error not these instances\n";
            }
            Language odd = cpp;
            odd.native_dir = native.path();
            odd.harness_dir = harness.path();
            pipeline::ProgramExecutor executor(odd, 1, false);
            const sandbox::JobResult r = twice(executor);
            CAPTURE(r.message);
            same_results(r, expected);
            CHECK(executor.split_counts().headers == 1);
            CHECK(executor.split_counts().instanced == 0);
            CHECK(executor.split_counts().linked == 2);
        }
    }
}

TEST_CASE("pipeline::ProgramExecutor: a link error names main.cpp, never the linker's temporary") {
    // g++ compiles main.cpp to /tmp/ccXXXXXX.o (a random name) and the linker names that object
    // first; a message that carried it would differ in every run, and so would the rows.
    const std::string code = "#include <vector>\nusing namespace std;\nint helper(int x);\n"
                             "vector<int> twice(vector<int> v) { helper(1); return v; }\n";
    for (const pipeline::Split split : {pipeline::Split::never, pipeline::Split::always}) {
        CAPTURE(static_cast<int>(split));
        std::set<std::string> messages;
        for (int run = 0; run < 2; ++run) {
            Fixture f("cpp");
            f.executor.set_split(split);
            const sandbox::JobResult r = f.executor.run_job(
                f.job(code, "twice", kCppSetup, {"assert (twice({}).empty());"}));
            CHECK(r.verdict == Verdict::compile_error);
            CHECK(r.message.starts_with("main.cpp:"));
            CHECK(r.message.find("undefined reference to 'helper(int)'") != std::string::npos);
            CHECK(r.message.find("/tmp/") == std::string::npos);
            messages.insert(r.message);
        }
        CHECK(messages.size() == 1);
    }
}

TEST_CASE("pipeline::ProgramExecutor: C++'s compile environment changes how the compiler gets "
          "memory, never what it writes") {
    const Language shimmed = load_language("cpp").value();
    REQUIRE_FALSE(shimmed.compile_env.empty());
    SUBCASE("the compile jail preloads the shim, and it loads") {
        sandbox::SpawnSpec s = shimmed.spawn_spec({"/bin/cat", "/proc/self/maps"});
        s.env = shimmed.compile_env;
        const sandbox::RunResult r = sandbox::run(s);
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.stdout_text.find("/assay-native/compile_shim.so") != std::string::npos);
        CHECK(r.stderr_text.find("cannot be preloaded") == std::string::npos);
    }
    SUBCASE("the same bytes with and without it, with and without a precompiled header") {
        Language plain = shimmed;
        plain.compile_env.clear();
        pipeline::ProgramExecutor with(shimmed, 1, false);
        pipeline::ProgramExecutor without(plain, 1, false);
        const std::string source =
            std::string(kCppTwice) + "int main() { return twice({1})[0]; }\n";
        // The first compile of a header runs without a precompiled header, the second builds
        // one and uses it.
        for (int k = 0; k < 2; ++k) {
            CAPTURE(k);
            const pipeline::Compiled a = with.compile(source);
            const pipeline::Compiled b = without.compile(source);
            REQUIRE(a.ok());
            REQUIRE(b.ok());
            CHECK(a.binary == b.binary);
        }
        const pipeline::Compiled broken =
            with.compile("#include <vector>\nint f() { return x; }\n");
        CHECK(broken.error.starts_with("main.cpp:2:"));
        CHECK(broken.error.find("was not declared in this scope") != std::string::npos);
    }
}

TEST_CASE("pipeline::ProgramExecutor: standard headers in any order share one precompiled header") {
    Fixture f("cpp");
    // Three orders of the same standard headers and `using namespace std;`, each program twice
    // (a header is precompiled when the batch asks for it twice): one header is built, and
    // every program compiles against it and passes.
    const std::string body = "vector<int> twice(vector<int> v) {\n"
                             "    for (auto& x : v) x = static_cast<int>(pow(x, 1)) * 2;\n"
                             "    sort(v.begin(), v.end());\n    return v;\n}\n";
    const std::vector<std::string> headers = {
        "#include<stdio.h>\n#include<math.h>\n#include<vector>\nusing namespace std;\n"
        "#include<algorithm>\n",
        "#include <vector>\nusing namespace std;\n#include <algorithm>\n#include <math.h>\n"
        "#include <stdio.h>\n#include <vector>\n",
        "#include<algorithm>\n#  include <math.h>\n#include<stdio.h>\n#include<vector>\n"
        "using  namespace  std ;\n"};
    for (int round = 0; round < 2; ++round)
        for (const std::string& header : headers) {
            const auto r = f.executor.run_job(f.job(header + body, "twice", kCppSetup,
                                                    {"assert (issame(twice({2, 1}), {2, 4}));"}));
            CHECK(r.verdict == Verdict::ok);
            CHECK(r.cases.at(0).verdict == TestVerdict::passed);
        }
    CHECK(f.executor.split_counts().headers == 1);
    // A header with a line that is not order-free keeps its own text, and its own header.
    for (int round = 0; round < 2; ++round) {
        const auto r = f.executor.run_job(f.job("#include <vector>\n#include <boost/any.hpp>\n"
                                                "#include <algorithm>\n#include <math.h>\n"
                                                "using namespace std;\n" +
                                                    body,
                                                "twice", kCppSetup,
                                                {"assert (issame(twice({2, 1}), {2, 4}));"}));
        CHECK(r.cases.at(0).verdict == TestVerdict::passed);
    }
    CHECK(f.executor.split_counts().headers == 2);
}

TEST_CASE("pipeline::ProgramExecutor: a value that is not UTF-8 fails its case, and keeps it") {
    // The judge prints the candidate's string as it is; a byte that is not UTF-8 made its line
    // unreadable, and the case was lost ("exited before every case ran") instead of failed.
    Fixture f("cpp");
    auto server = f.executor.fork_server();
    const std::string setup = "#include <string>\nusing namespace std;\nstring echo(string s);\n";
    const std::string code = "#include <string>\nusing namespace std;\n"
                             "string echo(string s) { return s + \"\\xff\"; }\n";
    const auto job = f.job(code, "echo", setup,
                           {"assert (echo(\"a\") == \"a\");", "assert (echo(\"b\") != \"\");"});
    for (sandbox::ForkServer* through :
         {server ? &*server : nullptr, static_cast<sandbox::ForkServer*>(nullptr)}) {
        const sandbox::JobResult r = f.executor.run_job(job, through);
        CHECK(r.verdict == Verdict::ok);
        REQUIRE(r.cases.size() == 2);
        CHECK(r.cases[0].verdict == TestVerdict::failed);
        CHECK(r.cases[0].message.find("left: \"a\xef\xbf\xbd\"") != std::string::npos);
        CHECK(r.cases[1].verdict == TestVerdict::passed);
    }
}

TEST_CASE("pipeline::ProgramExecutor: a JavaScript string with half a surrogate pair fails its "
          "case, and keeps it") {
    // JSON.stringify writes a lone surrogate as `\ud800`, which a strict JSON parser refuses: the
    // judge's line was unreadable and the case lost, as with a C++ byte that is not UTF-8.
    Fixture f("javascript");
    auto server = f.executor.fork_server();
    const auto job =
        f.job("const echo = (s) => {\n"
              "  if (s === 'c') throw new Error('half a pair: \\ud800')\n"
              "  if (s === 'e') return '\\u{1F600}'.repeat(600)\n"
              "  return s + '\\ud800'\n}\n",
              "echo", "const assert = require('assert')\n",
              {"console.assert(echo('a') === 'a')", "console.assert(echo('b') !== '')",
               "console.assert(echo('c') === 'c')", "assert.ok(echo('d') === 'd', echo('d'))",
               "console.assert(echo('e') === 'e')"});
    for (sandbox::ForkServer* through :
         {server ? &*server : nullptr, static_cast<sandbox::ForkServer*>(nullptr)}) {
        const sandbox::JobResult r = f.executor.run_job(job, through);
        CHECK(r.verdict == Verdict::ok);
        REQUIRE(r.cases.size() == 5);
        CHECK(r.cases[0].verdict == TestVerdict::failed);
        CHECK(r.cases[0].message.find("left: 'a\\ud800'") != std::string::npos);
        CHECK(r.cases[1].verdict == TestVerdict::passed);
        CHECK(r.cases[2].verdict == TestVerdict::error);
        CHECK(r.cases[2].message.find("half a pair") != std::string::npos);
        CHECK(r.cases[3].verdict == TestVerdict::failed);
        CHECK(r.cases[4].verdict == TestVerdict::failed);
        CHECK(r.cases[4].message.find("left: '\xf0\x9f\x98\x80") != std::string::npos);
    }
}

TEST_CASE("pipeline::ProgramExecutor: JavaScript values keep what node's deep comparisons see") {
    // Found by an attack (session 17): an array's extra properties and holes, an object's
    // prototype (none, or a class's) and an Invalid Date were lost on the way to the judge, so
    // a wrong candidate passed deepStrictEqual where node fails it, and a right one failed.
    Fixture f("javascript");
    auto server = f.executor.fork_server();
    const std::string code = "class K { constructor () { this.a = 1 } }\n"
                             "const f = (n) => {\n"
                             "  if (n === 1) return Object.assign([1, 2], { extra: 9 })\n"
                             "  if (n === 2) return Object.assign(Object.create(null), { a: 1 })\n"
                             "  if (n === 3) return new Date(NaN)\n"
                             "  if (n === 4) return [, 1]\n"
                             "  if (n === 5) return new K()\n"
                             "  return null\n}\n";
    // Each case's verdict under plain node, with the program and the assertion in one file.
    const std::vector<std::pair<std::string, TestVerdict>> cases = {
        {"assert.deepStrictEqual(f(1), [1, 2])", TestVerdict::failed},
        {"assert.deepStrictEqual(f(2), { a: 1 })", TestVerdict::failed},
        {"assert.deepStrictEqual(f(3), new Date(0))", TestVerdict::failed},
        {"assert.deepStrictEqual(f(4), [undefined, 1])", TestVerdict::failed},
        {"assert.deepStrictEqual(f(5), { a: 1 })", TestVerdict::failed},
        {"assert.deepEqual(f(5), { a: 1 })", TestVerdict::passed},
        {"assert.deepStrictEqual(f(5), f(5))", TestVerdict::passed},
        {"assert.deepStrictEqual(f(4), [, 1])", TestVerdict::passed},
        {"assert.deepStrictEqual(f(1), Object.assign([1, 2], { extra: 9 }))", TestVerdict::passed},
        {"assert.ok(Number.isNaN(f(3).getTime()))", TestVerdict::passed},
        {"assert.deepStrictEqual(f(2), Object.assign(Object.create(null), { a: 1 }))",
         TestVerdict::passed},
    };
    std::vector<std::string> tests;
    for (const auto& c : cases)
        tests.push_back(c.first);
    const auto job = f.job(code, "f", "const assert = require('assert')\n", tests);
    for (sandbox::ForkServer* through :
         {server ? &*server : nullptr, static_cast<sandbox::ForkServer*>(nullptr)}) {
        const sandbox::JobResult r = f.executor.run_job(job, through);
        CHECK(r.verdict == Verdict::ok);
        REQUIRE(r.cases.size() == cases.size());
        for (std::size_t k = 0; k < cases.size(); ++k) {
            CAPTURE(cases[k].first);
            CHECK(r.cases[k].verdict == cases[k].second);
        }
    }
}
