// The JavaScript fork server in a real jail (sandbox/fork_server.hpp, testsuites/javascript/
// zygote.js): every program runs in a fresh child of one warm server, nothing a program does
// to its globals reaches the next, and each ending gets the cold path's verdict.
#include "core/language.hpp"
#include "sandbox/fork_server.hpp"
#include "sandbox/harness_wire.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>

using namespace assay;
using sandbox::ForkServer;
using sandbox::RunResult;

namespace {

struct Server {
    Language language = load_language("javascript").value();
    ForkServer server{language.spawn_spec(language.zygote)};
    std::string records; // what the last program wrote on its fd 3

    RunResult run(const std::string& code, int cpu_ms = 2000, int memory_mb = 256) {
        auto values = sandbox::wire::memfd_with("values", "").value();
        auto unused = sandbox::wire::memfd_with("unused", "").value();
        sandbox::Limits limits = language.limits;
        limits.cpu_ms = cpu_ms;
        limits.wall_ms = cpu_ms * 3;
        limits.memory_mb = memory_mb;
        limits.output_bytes = 1 << 16;
        RunResult r =
            server.run(code, {values.get(), unused.get()}, ForkServer::Role::runner, limits);
        records.clear();
        char buffer[65536];
        for (ssize_t n; (n = ::pread(values.get(), buffer, sizeof buffer,
                                     static_cast<off_t>(records.size()))) > 0;)
            records.append(buffer, static_cast<std::size_t>(n));
        return r;
    }
};

const char* kWrite = "const out = (v) => require('fs').writeSync(3, JSON.stringify(v))\n";

} // namespace

TEST_CASE("sandbox::ForkServer: each program in a fresh child of one warm server") {
    Server s;
    const std::string tamper =
        std::string(kWrite) +
        "globalThis.leaked = 1\nObject.prototype.polluted = 1\nArray.prototype.map = null\n"
        "process.env.LEAK = 'y'\nprocess.exitCode = 0\nrequire('/assay/runtime.js').judge = null\n"
        "require.cache['/assay/runtime.js'].exports.runner = null\nprocess.on('exit', () => {})\n"
        "out({ pid: Number(require('fs').readlinkSync('/proc/self')) })\n";
    const std::string look =
        std::string(kWrite) +
        "const runtime = require('/assay/runtime.js')\n"
        "out({ pid: Number(require('fs').readlinkSync('/proc/self')), leaked: typeof "
        "globalThis.leaked, polluted: ({}).polluted,\n"
        "  map: typeof [].map, env: process.env.LEAK, judge: typeof runtime.judge,\n"
        "  runner: typeof runtime.runner, exits: process.listenerCount('exit'),\n"
        "  main: require.main === module, file: __filename, argv: process.argv[1],\n"
        "  flags: process.execArgv.length, bind: process.env.LD_BIND_NOW })\n";
    const RunResult first = s.run(tamper);
    REQUIRE(first.verdict == Verdict::ok);
    const auto pid = nlohmann::json::parse(s.records)["pid"].get<long>();
    const pid_t server = s.server.pid();
    CHECK(server > 0);
    const RunResult second = s.run(look);
    REQUIRE(second.verdict == Verdict::ok);
    const auto seen = nlohmann::json::parse(s.records);
    CHECK(seen["pid"].get<long>() != pid);
    CHECK(seen["leaked"] == "undefined");
    CHECK_FALSE(seen.contains("polluted"));
    CHECK(seen["map"] == "function");
    CHECK_FALSE(seen.contains("env"));
    CHECK(seen["judge"] == "function");
    CHECK(seen["runner"] == "function");
    CHECK(seen["exits"] == 0);
    CHECK(seen["main"] == true);
    CHECK(seen["file"] == "/work/main.js");
    CHECK(seen["argv"] == "/work/main.js");
    CHECK(seen["flags"] == 0);          // no --single-threaded: node's as on the cold path
    CHECK_FALSE(seen.contains("bind")); // nor the supervisor's LD_BIND_NOW
    CHECK(s.server.pid() == server);    // the same warm server ran both
}

TEST_CASE("sandbox::ForkServer: a program shares no pipe with the server or the next program") {
    // Each program lists its pipes (inode per descriptor): a pipe of the server's (another
    // thread's loop) would be in every child, and bytes a program wrote into it would crash the
    // server or reach the next program.
    Server s;
    const std::string probe = std::string(kWrite) + R"(const fs = require('fs')
const pipes = {}
for (const f of fs.readdirSync('/proc/self/fd').map(Number)) {
  if (f < 5) continue
  let t = ''
  try { t = fs.readlinkSync('/proc/self/fd/' + f) } catch (e) { continue }
  if (!t.startsWith('pipe:')) continue
  pipes[f] = t
}
out(pipes)
)";
    std::set<std::string> earlier;
    pid_t server = -1;
    for (int k = 0; k < 3; ++k) {
        REQUIRE(s.run(probe).verdict == Verdict::ok);
        const auto seen = nlohmann::json::parse(s.records);
        for (const auto& [fd, inode] : seen.items()) {
            CAPTURE(fd);
            CHECK_FALSE(earlier.contains(inode.get<std::string>()));
        }
        for (const auto& [fd, inode] : seen.items())
            earlier.insert(inode.get<std::string>());
        if (k == 0) server = s.server.pid();
    }
    CHECK(s.server.pid() == server); // one warm server ran them all
}

TEST_CASE("sandbox::ForkServer: a child's endings get the cold path's verdicts") {
    Server s;
    SUBCASE("process.exit and process.exitCode") {
        RunResult r = s.run("console.log('before')\nprocess.exit(3)\nconsole.log('after')\n");
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.exit_code == 3);
        CHECK(r.stdout_text == "before\n");
        r = s.run("process.exitCode = 4\nprocess.on('exit', () => { process.exitCode = 5 })\n");
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.exit_code == 5);
        r = s.run("process.on('exit', (code) => console.log('exit', code))\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.stdout_text == "exit 0\n");
    }
    SUBCASE("an uncaught exception and an unhandled rejection") {
        RunResult r = s.run("throw new TypeError('boom')\n");
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.exit_code == 1);
        CHECK(r.stderr_text.find("TypeError: boom") != std::string::npos);
        r = s.run("Promise.reject(new RangeError('later'))\n");
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.stderr_text.find("RangeError: later") != std::string::npos);
        r = s.run("setTimeout(() => { throw new Error('in a timer') }, 5)\n");
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.stderr_text.find("Error: in a timer") != std::string::npos);
    }
    SUBCASE("async code, timers, the thread pool and a collector at work run to their end") {
        const RunResult r = s.run(
            "const log = []\nprocess.on('exit', () => console.log(log.sort().join()))\n"
            "setTimeout(() => log.push('timeout'), 20)\nsetImmediate(() => log.push('immediate'))\n"
            "queueMicrotask(() => log.push('micro'))\nPromise.resolve().then(() => "
            "log.push('promise'))\n"
            ";(async () => { await new Promise(r => setTimeout(r, 5)); log.push('async') })()\n"
            "let junk = []\nfor (let i = 0; i < 400000; i++) junk.push({ i, s: 'x' + i })\n"
            "junk = null\nconst big = Buffer.alloc(64 << 20, 1)\nlog.push(String(big.length))\n"
            "require('fs').readFile('/work', (e) => log.push(e ? e.code : 'read'))\n"
            "require('crypto').pbkdf2('a', 'b', 100, 8, 'sha256', () => log.push('pbkdf2'))\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.stdout_text == "67108864,EISDIR,async,immediate,micro,pbkdf2,promise,timeout\n");
    }
    SUBCASE("signals: a program's own handlers work, PID 1 ignores what it is sent") {
        RunResult r =
            s.run("process.on('SIGUSR2', () => console.log('got it'))\n"
                  "process.kill(Number(require('fs').readlinkSync('/proc/self')), 'SIGUSR2')\n"
                  "setTimeout(() => {}, 50)\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.stdout_text == "got it\n");
        const pid_t server = s.server.pid();
        r = s.run(
            "for (const sig of ['SIGUSR1', 'SIGTERM', 'SIGINT', 'SIGHUP']) process.kill(1, sig)\n"
            "try { require('os').setPriority(1, 19) } catch (e) { console.log(e.code) }\n"
            "console.log('sent')\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.stdout_text.find("sent") != std::string::npos);
        CHECK(r.stdout_text.find("ERR_SYSTEM_ERROR") != std::string::npos); // EPERM: seccomp
        r = s.run("console.log('next')\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.stdout_text == "next\n");
        CHECK(s.server.pid() == server);
    }
    SUBCASE("console.assert prints and goes on, as under node") {
        const RunResult r = s.run("console.assert(false, 'nope')\nconsole.log('after')\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.stderr_text.find("Assertion failed: nope") != std::string::npos);
        CHECK(r.stdout_text == "after\n");
    }
    SUBCASE("limits: CPU, memory, output; the next program runs as usual") {
        RunResult r = s.run("while (true) {}\n", 1000);
        CHECK(r.verdict == Verdict::timeout);
        // The jail's memory cgroup (the descriptor's limit) decides, as on the cold path.
        r = s.run("const keep = []\nwhile (true) keep.push(Buffer.alloc(16 << 20, 1))\n", 10000,
                  s.language.limits.memory_mb);
        INFO(r.message, " cpu ", r.cpu_ms);
        CHECK(r.verdict == Verdict::memory_limit);
        r = s.run("while (true) require('fs').writeSync(1, 'x'.repeat(4096))\n");
        CHECK(r.verdict == Verdict::output_limit);
        r = s.run("setInterval(() => {}, 1000)\n", 500);
        CHECK(r.verdict == Verdict::timeout);
        r = s.run("console.log('fine')\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.stdout_text == "fine\n");
    }
}
