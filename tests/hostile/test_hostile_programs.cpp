// Hostile C++ and JavaScript candidates through the program executor (compile jail, runner jail,
// judge jail; JavaScript also through its fork server, with the same verdicts): each attack gets a
// verdict that does not pass, and the host is checked after it (no file written outside the jail,
// no secret of the supervisor's environment in any output).
#include "core/language.hpp"
#include "pipeline/program_executor.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>

namespace fs = std::filesystem;
using namespace assay;

namespace {

constexpr const char* kSecret = "sk-test-program-hostile-secret";
const fs::path kMarker = "/tmp/assay-hostile-program-marker";

sandbox::JobResult run(const std::string& language_name, std::string code, std::string test,
                       std::string setup = {}, const std::vector<std::string>& more_tests = {}) {
    ::setenv("ASSAY_API_KEY", kSecret, 1);
    fs::remove(kMarker);
    const Language language = load_language(language_name).value();
    pipeline::ProgramExecutor executor(language, 1, false);
    // C++ through the linked runner whenever the program stands alone (the fallback is the
    // one unit): the path a batch with repeated problems takes.
    executor.set_split(pipeline::Split::always);
    sandbox::HarnessJob job;
    job.code = std::move(code);
    job.entry_point = "f";
    job.setup = std::move(setup);
    job.cases = {{"c0", std::move(test)}};
    for (const std::string& more : more_tests)
        job.cases.push_back({"c" + std::to_string(job.cases.size()), more});
    job.limits = language.limits;
    job.limits.cpu_ms = 2000;
    job.limits.wall_ms = 5000;
    job.limits.memory_mb = 256;
    auto server = executor.fork_server();
    if (!server) return executor.run_job(job);
    // A language with a fork server: the attack through it gets the cold path's verdicts.
    sandbox::JobResult forked = executor.run_job(job, &*server);
    const sandbox::JobResult cold = executor.run_job(job);
    CHECK(forked.verdict == cold.verdict);
    REQUIRE(forked.cases.size() == cold.cases.size());
    for (std::size_t k = 0; k < cold.cases.size(); ++k)
        CHECK(forked.cases[k].verdict == cold.cases[k].verdict);
    CHECK_FALSE(fs::exists(kMarker));
    return forked;
}

void check_host(const sandbox::JobResult& r) {
    CHECK_FALSE(fs::exists(kMarker));
    CHECK(r.stdout_text.find(kSecret) == std::string::npos);
    CHECK(r.stderr_text.find(kSecret) == std::string::npos);
    CHECK(r.message.find(kSecret) == std::string::npos);
    CHECK_FALSE(r.all_passed());
}

const char* kCppSetup = "int f(int x);\n#include <cassert>\n";
const char* kCppTest = "assert (f(1) == 2);";

} // namespace

TEST_SUITE("hostile") {
    TEST_CASE("hostile C++ at compile time is contained and is a compile error") {
        SUBCASE("#include a host file") {
            const auto r = run("cpp", "#include \"/etc/shadow\"\nint f(int x) { return x + 1; }\n",
                               kCppTest, kCppSetup);
            CHECK(r.verdict == Verdict::compile_error);
            CHECK(r.message.find("/etc/shadow") != std::string::npos);
            CHECK(r.message.find("root:") == std::string::npos);
            check_host(r);
        }
        SUBCASE("#include an endless device") {
            const auto r = run("cpp", "#include </dev/zero>\nint f(int x) { return x + 1; }\n",
                               kCppTest, kCppSetup);
            CHECK(r.verdict == Verdict::compile_error);
            check_host(r);
        }
        SUBCASE("a template bomb") {
            const auto r = run("cpp",
                               "template <int N> struct B { static const int v = B<N + 1>::v + "
                               "B<N + 2>::v; };\nint f(int x) { return B<0>::v + x; }\n",
                               kCppTest, kCppSetup);
            CHECK(r.verdict == Verdict::compile_error);
            check_host(r);
        }
    }

    TEST_CASE("hostile C++ at run time gets its verdict and leaves the host alone") {
        SUBCASE("a raw ptrace system call in inline asm") {
            const auto r = run("cpp",
                               "#include <sys/syscall.h>\nint f(int x) { long r; asm volatile("
                               "\"syscall\" : \"=a\"(r) : \"a\"(SYS_ptrace), \"D\"(0), \"S\"(0), "
                               "\"d\"(0) : \"rcx\", \"r11\", \"memory\"); return x + 1; }\n",
                               kCppTest, kCppSetup);
            CHECK(r.verdict == Verdict::forbidden_syscall);
            CHECK(r.forbidden_syscall == "ptrace");
            check_host(r);
        }
        SUBCASE("a fork bomb") {
            const auto r =
                run("cpp", "#include <unistd.h>\nint f(int x) { for (;;) fork(); return x; }\n",
                    kCppTest, kCppSetup);
            CHECK(r.verdict != Verdict::ok);
            check_host(r);
        }
        SUBCASE("a huge value fails its case, not the judge") {
            const auto r =
                run("cpp",
                    "#include <vector>\nstd::vector<int> f(int x) { return "
                    "std::vector<int>(3000000, x); }\n",
                    "assert (f(1).size() == 2);",
                    "#include <vector>\nstd::vector<int> f(int x);\n#include <cassert>\n");
            CHECK(r.verdict == Verdict::ok);
            CHECK(r.cases.at(0).verdict == TestVerdict::failed);
            CHECK(r.cases.at(0).message.size() < 4000);
            check_host(r);
        }
        SUBCASE("a later case cannot take back an earlier case's failure") {
            // Both tests run whole (a loop): the first fails; the second makes the program
            // truncate and rewrite its records, read them back through /proc, and write a
            // `passed` for the first. Plain execution stops at the first failed assert.
            const std::string code =
                "#include <vector>\n#include <unistd.h>\n#include <fcntl.h>\n"
                "std::vector<int> f(std::vector<int> v) {\n"
                "  if (v[0] == 100) {\n"
                "    char b[4096];\n"
                "    int back = open(\"/proc/self/fd/3\", O_RDONLY | O_NONBLOCK);\n"
                "    if (back >= 0) (void)!read(back, b, sizeof b);\n"
                "    (void)!ftruncate(3, 0);\n    (void)!lseek(3, 0, SEEK_SET);\n"
                "    (void)!write(3, \"W 0 6\\npassed\\n\", 13);\n  }\n"
                "  return {v[0] == 1 ? 0 : 2 * v[0]};\n}\n";
            const std::string setup =
                "#include <vector>\nstd::vector<int> f(std::vector<int> v);\n#include <cassert>\n";
            const auto r =
                run("cpp", code, "for (int i = 1; i < 3; i++) assert (f({i})[0] == 2 * i);", setup,
                    {"for (int i = 100; i < 101; i++) assert (f({i})[0] == 2 * i);"});
            REQUIRE(r.cases.size() == 2);
            CHECK(r.cases[0].verdict != TestVerdict::passed);
            CHECK(r.message.find("record W 0 was written twice") != std::string::npos);
            check_host(r);
        }
        SUBCASE("records the program writes itself decide nothing, however framed") {
            // Found by an attack (session 17): a forged header whose size claims the harness's
            // next record, so that a forged `W k passed` is the only W record of its case; a
            // later case that erases an earlier one that way; the same at the end of the stream,
            // where the claimed size runs past the end (a runner that ended normally wrote no
            // record cut short); a header of a record the job does expect (X 1) whose size
            // covers the next record exactly (a payload never holds a line break); a size that
            // wraps the judge's bounds check; a flood of tiny records. Plain execution fails at the
            // first assert.
            const std::string head = "#include <cstdio>\n#include <unistd.h>\n"
                                     "int f(int a, int b) {\n  static int calls = 0;\n  calls++;\n"
                                     "  const int r = a + b + (a == 1);\n";
            const std::string tail = "  return r;\n}\n";
            const std::string setup = "int f(int a, int b);\n#include <cassert>\n";
            for (const std::string& attack :
                 {std::string("  if (r != a + b) { int k = calls <= 2 ? 0 : 2; char b_[64];\n"
                              "    int n = std::snprintf(b_, sizeof b_, \"W %d 6\\npassed\\nV 99%d "
                              "13\\n\", k, k);\n    (void)!write(3, b_, n); }\n"),
                  std::string("  if (calls == 2) (void)!write(3, \"V 990 13\\n\", 9);\n"
                              "  if (calls == 5) (void)!write(3, \"W 0 6\\npassed\\nW 2 "
                              "6\\npassed\\nV 992 13\\n\", 35);\n"),
                  std::string(
                      "  if (r != a + b && calls <= 3) (void)!write(3, \"W 0 6\\npassed\\nX 1 "
                      "13\\n\", 20);\n"),
                  std::string(
                      "  if (r != a + b && calls > 4) (void)!write(3, \"W 2 6\\npassed\\nW 0 "
                      "100000\\n\", 24);\n"),
                  std::string("  if (calls == 1) (void)!write(3, \"V 5 18446744073709551591\\n\", "
                              "25);\n"),
                  std::string(
                      "  if (calls == 1) { static char b_[1 << 16]; int used = 0;\n"
                      "    for (int n = 0; n < 1000000; ++n) {\n"
                      "      used += std::snprintf(b_ + used, 64, \"V %d 0\\n\\n\", n);\n"
                      "      if (used > (1 << 16) - 64) { (void)!write(3, b_, used); used = "
                      "0; } }\n    (void)!write(3, b_, used); }\n")}) {
                CAPTURE(attack);
                const auto r = run("cpp", head + attack + tail,
                                   "for (int i = 0; i < 3; i++) assert (f(i, 1) == i + 1);", setup,
                                   {"assert (f(2, 3) == 5);",
                                    "for (int i = 0; i < 3; i++) assert (f(i, 2) == i + 2);"});
                REQUIRE(r.cases.size() == 3);
                CHECK(r.cases[0].verdict != TestVerdict::passed);
                CHECK(r.cases[2].verdict != TestVerdict::passed);
                CHECK(r.verdict == Verdict::runtime_error);
                CHECK(r.message.find("record channel (fd 3)") != std::string::npos);
                check_host(r);
            }
            // Without an attack: the first and last cases fail, the middle one passes.
            const auto honest = run("cpp", head + tail,
                                    "for (int i = 0; i < 3; i++) assert (f(i, 1) == i + 1);", setup,
                                    {"assert (f(2, 3) == 5);",
                                     "for (int i = 0; i < 3; i++) assert (f(i, 2) == i + 2);"});
            CHECK(honest.verdict == Verdict::ok);
            CHECK(honest.cases.at(0).verdict == TestVerdict::failed);
            CHECK(honest.cases.at(1).verdict == TestVerdict::passed);
            CHECK(honest.cases.at(2).verdict == TestVerdict::failed);
        }
        SUBCASE("writing a host path and reading the environment") {
            const auto r =
                run("cpp",
                    "#include <cstdio>\n#include <cstdlib>\nint f(int x) {\n"
                    "  if (FILE* o = std::fopen(\"" +
                        kMarker.string() +
                        "\", \"w\")) "
                        "std::fclose(o);\n  const char* k = std::getenv(\"ASSAY_API_KEY\");\n"
                        "  std::printf(\"%s\\n\", k ? k : \"none\");\n  return x;\n}\n",
                    kCppTest, kCppSetup);
            CHECK(r.verdict == Verdict::ok);
            CHECK(r.cases.at(0).verdict == TestVerdict::failed);
            CHECK(r.stdout_text == "none\n");
            check_host(r);
        }
    }

    TEST_CASE("hostile JavaScript gets its verdict and leaves the host alone") {
        const std::string test = "console.assert(f(1) === 2)";
        SUBCASE("child_process") {
            const auto r = run("javascript",
                               "require('child_process').execSync('touch " + kMarker.string() +
                                   "')\nconst f = (x) => x\n",
                               test);
            check_host(r);
        }
        SUBCASE("fs, process.env and net") {
            const auto r =
                run("javascript",
                    "const fs = require('fs')\ntry { fs.writeFileSync('" + kMarker.string() +
                        "', 'x') } catch (e) {}\nconsole.log(JSON.stringify(process.env))\n"
                        "require('net').connect(22, '127.0.0.1').on('error', () => {})\n"
                        "const f = (x) => x\n",
                    test);
            CHECK(r.cases.at(0).verdict == TestVerdict::failed);
            check_host(r);
        }
        SUBCASE("a candidate that silences console.assert still fails its assertion") {
            const auto r =
                run("javascript", "console.assert = () => {}\nconst f = (x) => x\n", test);
            CHECK(r.verdict == Verdict::ok);
            CHECK(r.cases.at(0).verdict == TestVerdict::failed);
            check_host(r);
        }
        SUBCASE("a forged whole-case record does not decide a case the judge splits") {
            const auto r = run("javascript",
                               "require('fs').writeSync(3, 'W 0 6\\npassed\\n')\n"
                               "const f = (x) => x\n",
                               test);
            CHECK(r.cases.at(0).verdict == TestVerdict::error);
            CHECK(r.message.find("record W 0 belongs to no case") != std::string::npos);
            check_host(r);
        }
        SUBCASE("a later case cannot take back an earlier case's failure") {
            const std::string code =
                "const fs = require('fs')\n"
                "const f = (x) => {\n"
                "  if (x === 100) {\n"
                "    try { fs.readFileSync('/proc/self/fd/3') } catch (e) {}\n"
                "    try { fs.ftruncateSync(3, 0) } catch (e) {}\n"
                "    try { fs.writeSync(3, 'W 0 6\\npassed\\n', 0) } catch (e) {\n"
                "      fs.writeSync(3, 'W 0 6\\npassed\\n') }\n"
                "  }\n"
                "  return x === 1 ? 0 : 2 * x\n"
                "}\n";
            const auto r =
                run("javascript", code, "for (let i = 1; i < 3; i++) assert(f(i) === 2 * i)", "",
                    {"for (let i = 100; i < 101; i++) assert(f(i) === 2 * i)"});
            REQUIRE(r.cases.size() == 2);
            CHECK(r.cases[0].verdict != TestVerdict::passed);
            CHECK(r.message.find("record W 0 was written twice") != std::string::npos);
            check_host(r);
        }
        SUBCASE("records the program writes itself decide nothing, however framed") {
            const std::string code =
                "const fs = require('fs')\nlet calls = 0\n"
                "const f = (a, b) => {\n  calls++\n  const r = a + b + (a === 1 ? 1 : 0)\n"
                "  if (r !== a + b) { const k = calls <= 2 ? 0 : 2\n"
                "    fs.writeSync(3, `W ${k} 6\\npassed\\nV 99${k} 12\\n`) }\n"
                "  if (calls === 1) for (let n = 0; n < 200000; n++) fs.writeSync(3, `V ${n} "
                "0\\n\\n`)\n"
                "  return r\n}\n";
            const auto r = run(
                "javascript", code, "for (let i = 0; i < 3; i++) assert(f(i, 1) === i + 1)", "",
                {"assert(f(2, 3) === 5)", "for (let i = 0; i < 3; i++) assert(f(i, 2) === i + 2)"});
            REQUIRE(r.cases.size() == 3);
            CHECK(r.cases[0].verdict != TestVerdict::passed);
            CHECK(r.cases[2].verdict != TestVerdict::passed);
            CHECK(r.verdict == Verdict::runtime_error);
            check_host(r);
        }
        SUBCASE("a huge object and a huge exception message fail their case, not the judge") {
            const auto big =
                run("javascript",
                    "const f = (x) => Object.fromEntries(Array.from({ length: 300000 }, "
                    "(_, i) => ['k' + i, i]))\n",
                    "console.assert(Object.keys(f(1)).length === 2)");
            CHECK(big.verdict == Verdict::ok);
            CHECK(big.cases.at(0).verdict == TestVerdict::failed);
            CHECK(big.cases.at(0).message.size() < 4000);
            const auto raised = run(
                "javascript", "const f = (x) => { throw new Error('x'.repeat(5000000)) }\n", test);
            CHECK(raised.verdict == Verdict::ok);
            CHECK(raised.cases.at(0).verdict == TestVerdict::error);
            CHECK(raised.cases.at(0).message.size() < 4000);
        }
        SUBCASE("vm and worker threads") {
            const auto r = run(
                "javascript",
                "const vm = require('vm')\n"
                "vm.runInNewContext(\"this.constructor.constructor('return process')()"
                ".mainModule.require('fs').writeFileSync('" +
                    kMarker.string() +
                    "', 'x')\")\n"
                    "new (require('worker_threads').Worker)('while (true) {}', { eval: true })\n"
                    "const f = (x) => x\n",
                test);
            check_host(r);
        }
    }
}
