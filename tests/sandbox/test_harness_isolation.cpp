// The fast path's per-job isolation (SECURITY.md "The fast path"), for real: a
// hostile job on a slot, then a clean job, which must behave exactly as it does alone on a
// fresh slot. Each of these once let one job reach the next (issue 9).
#include "core/language.hpp"
#include "sandbox/harness.hpp"
#include "support/zygote_spec.hpp"
#include "tests/sandbox/jail_test_support.hpp"

#include <doctest/doctest.h>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

using namespace assay;
using sandbox::HarnessJob;
using sandbox::JobResult;

namespace {

sandbox::SpawnSpec zygote_spec() {
    return testing::python_zygote_spec();
}

HarnessJob job(std::string code, int cpu_ms = 2000, int wall_ms = 5000) {
    HarnessJob j;
    j.code = std::move(code);
    j.entry_point = "f";
    j.cases = {{"c0", "assert f(1) == 2"}, {"c1", "assert f(5) == 6"}};
    j.limits.wall_ms = wall_ms;
    j.limits.cpu_ms = cpu_ms;
    j.limits.memory_mb = 256;
    j.limits.output_bytes = 64 * 1024;
    return j;
}

// `clean` after `hostile` on one slot, and `clean` alone on a fresh slot: the same verdict,
// cases, messages and output.
void same_as_alone(const HarnessJob& hostile, const HarnessJob& clean,
                   const std::function<void(const JobResult&)>& check_hostile = {}) {
    sandbox::Zygote shared(zygote_spec());
    const JobResult h = shared.run(hostile);
    INFO("hostile: " << to_string(h.verdict) << " " << h.message << " stdout: " << h.stdout_text);
    if (check_hostile) check_hostile(h);
    const JobResult after = shared.run(clean);
    sandbox::Zygote fresh(zygote_spec());
    const JobResult alone = fresh.run(clean);
    INFO("after: " << after.message << " stdout: " << after.stdout_text.substr(0, 300));
    INFO("alone: " << alone.message << " stdout: " << alone.stdout_text.substr(0, 300));
    CHECK(alone.all_passed());
    CHECK(after.verdict == alone.verdict);
    CHECK(after.message == alone.message);
    REQUIRE(after.cases.size() == alone.cases.size());
    for (std::size_t i = 0; i < alone.cases.size(); ++i) {
        CHECK(after.cases[i].verdict == alone.cases[i].verdict);
        CHECK(after.cases[i].message == alone.cases[i].message);
    }
    CHECK_FALSE(alone.stdout_text.empty());
    CHECK(after.stdout_text == alone.stdout_text);
    CHECK(after.stdout_truncated == alone.stdout_truncated);
    CHECK(after.stderr_text == alone.stderr_text);
}

const char* kAttempt = R"(import errno, fcntl, os, resource, signal
out = []
def attempt(name, call):
    try:
        call()
        out.append(name + ':ok')
    except OSError as e:
        out.append(name + ':' + errno.errorcode.get(e.errno, str(e.errno)))
)";

} // namespace

TEST_CASE("fast path: the capture pipes are fresh per job, fcntl owner/signal refused") {
    const std::string hostile = std::string(kAttempt) + R"(
attempt('setsig', lambda: fcntl.fcntl(1, fcntl.F_SETSIG, signal.SIGKILL))
attempt('setown_group', lambda: fcntl.fcntl(1, fcntl.F_SETOWN, -1))
attempt('setown_self', lambda: fcntl.fcntl(1, fcntl.F_SETOWN, os.getpid()))
attempt('setlease', lambda: fcntl.fcntl(1, fcntl.F_SETLEASE, fcntl.F_RDLCK))
attempt('async', lambda: fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_ASYNC | os.O_NONBLOCK))
attempt('pipe_size', lambda: fcntl.fcntl(1, 1031, 4096))
print(' '.join(out), flush=True)
def f(x):
    return x + 1
)";
    const std::string clean = "import sys\nsys.stdout.write('y' * 20000)\nsys.stdout.flush()\n"
                              "def f(x):\n    print('z' * 9000)\n    return x + 1\n";
    same_as_alone(job(hostile), job(clean), [](const JobResult& h) {
        CHECK(h.all_passed());
        for (const char* refused : {"setsig:EPERM", "setown_group:EPERM", "setown_self:EPERM"})
            CHECK(h.stdout_text.find(refused) != std::string::npos);
    });
}

TEST_CASE("fast path: calls aimed at the zygote are refused, its own state is checked") {
    const std::string hostile = std::string(kAttempt) + R"(
attempt('prlimit_cpu', lambda: resource.prlimit(1, resource.RLIMIT_CPU, (1, 1)))
attempt('prlimit_data', lambda: resource.prlimit(1, resource.RLIMIT_DATA, (1 << 20, 1 << 20)))
attempt('setpriority', lambda: os.setpriority(os.PRIO_PROCESS, 1, 19))
attempt('setpriority_pgrp', lambda: os.setpriority(os.PRIO_PGRP, 0, 19))
attempt('setpriority_user', lambda: os.setpriority(os.PRIO_USER, 0, 19))
attempt('affinity', lambda: os.sched_setaffinity(1, {0}))
attempt('scheduler', lambda: os.sched_setscheduler(1, os.SCHED_IDLE, os.sched_param(0)))
attempt('autogroup_1', lambda: open('/proc/1/autogroup', 'w').write('19'))
attempt('autogroup_self', lambda: open('/proc/self/autogroup', 'w').write('19'))
attempt('nice_self', lambda: os.nice(5))
attempt('affinity_self', lambda: os.sched_setaffinity(0, {0}))
attempt('rlimit_self', lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
print(' '.join(out), flush=True)
def f(x):
    return x + 1
)";
    // What a later job sees of the limits and scheduling it inherits from the zygote.
    const std::string clean = R"(import os, resource
print(os.getpriority(os.PRIO_PROCESS, 0), sorted(os.sched_getaffinity(0)), os.sched_getscheduler(0),
      open('/proc/self/autogroup').read().split()[-1],
      [resource.getrlimit(getattr(resource, n)) for n in sorted(dir(resource)) if n.startswith('RLIMIT_')],
      flush=True)
def f(x):
    s = 0
    for i in range(200000):
        s += i
    return x + 1
)";
    same_as_alone(job(hostile), job(clean), [](const JobResult& h) {
        CHECK(h.all_passed());
        for (const char* refused :
             {"prlimit_cpu:EPERM", "prlimit_data:EPERM", "setpriority:EPERM",
              "setpriority_pgrp:EPERM", "setpriority_user:EPERM", "affinity:EPERM",
              "scheduler:EPERM", "nice_self:ok", "affinity_self:ok", "rlimit_self:ok"})
            CHECK(h.stdout_text.find(refused) != std::string::npos);
    });
}

const char* kReceiver = "import os\nopen('/tmp/r', 'w').close()\nprint(os.getpid(), "
                        "os.stat('/tmp/r').st_ino, flush=True)\n"
                        "os.unlink('/tmp/r')\ndef f(x):\n    return x + 1\n";

TEST_CASE("fast path: no covert channel through pid or inode counters") {
    // A sender signals a number through the namespace's PID counter or the scratch tmpfs's
    // inode counter; the receiver reads its own pid or a new file's inode number. Whatever the
    // sender does, the receiver reads what it reads alone on a fresh slot.
    const std::string receiver = kReceiver;
    for (int n : {1, 20}) {
        CAPTURE(n);
        const std::string forks = "import os\nfor _ in range(" + std::to_string(n) +
                                  "):\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n"
                                  "    os.waitpid(pid, 0)\ndef f(x):\n    return x + 1\n";
        const std::string files = "import os\nfor i in range(" + std::to_string(n) +
                                  "):\n    open('/tmp/s%d' % i, 'w').close()\n"
                                  "    os.unlink('/tmp/s%d' % i)\ndef f(x):\n    return x + 1\n";
        const std::string thread = "import threading\nfor _ in range(" + std::to_string(n) +
                                   "):\n    t = threading.Thread(target=lambda: None)\n"
                                   "    t.start()\n    t.join()\ndef f(x):\n    return x + 1\n";
        for (const std::string& sender : {forks, files, thread}) {
            CAPTURE(sender);
            same_as_alone(job(sender), job(receiver),
                          [](const JobResult& h) { CHECK(h.all_passed()); });
            // (same_as_alone compares the receiver's printed pid and inode number.)
        }
    }
}

TEST_CASE("fast path: clean jobs keep their jail (a pid tells how many jobs ran in it)") {
    sandbox::Zygote z(zygote_spec());
    const JobResult a =
        z.run(job("import os\nprint(os.getpid(), flush=True)\ndef f(x):\n    return x + 1\n"));
    const JobResult b =
        z.run(job("import os\nprint(os.getpid(), flush=True)\ndef f(x):\n    return x + 1\n"));
    INFO("a: " << a.stdout_text << " b: " << b.stdout_text);
    REQUIRE(a.all_passed());
    REQUIRE(b.all_passed());
    // Not replaced: the zygote's checks pass for a job that did nothing unusual.
    CHECK(std::stoi(b.stdout_text) == std::stoi(a.stdout_text) + 1);
}

TEST_CASE("fast path: a job's CPU is bounded, processes it forked included") {
    // setsid spinners: the runner itself sleeps, so only the jail's cgroup count sees them.
    const std::string spinners = "import os, time\nfor _ in range(4):\n    if os.fork() == 0:\n"
                                 "        os.setsid()\n        while True:\n            pass\n"
                                 "def f(x):\n    time.sleep(2)\n    return x + 1\n";
    const std::string clean = "print('hello', flush=True)\ndef f(x):\n    return x + 1\n";
    same_as_alone(job(spinners, 500), job(clean), [](const JobResult& h) {
        CHECK(h.verdict == Verdict::timeout);
        CHECK(h.message == "CPU time limit of 500 ms");
        CHECK(h.cpu_ms >= 500);
        CHECK(h.cpu_ms < 1500);
        CHECK(h.wall_ms < 1500);
    });
}

TEST_CASE("fast path: a CPU spin is a timeout every time (30 of 30)") {
    sandbox::Zygote z(zygote_spec());
    for (int i = 0; i < 30; ++i) {
        CAPTURE(i);
        // Half spin while loading, half inside a case.
        const std::string code =
            i % 2 ? "while True:\n    pass\n" : "def f(x):\n    while True:\n        pass\n";
        const JobResult r = z.run(job(code, 400));
        INFO(r.message);
        CHECK(r.verdict == Verdict::timeout);
        CHECK(r.cpu_ms >= 400);
        CHECK(r.cpu_ms < 1000);
    }
    CHECK(z.run(job("def f(x):\n    return x + 1\n")).all_passed());
}

TEST_CASE("fast path: categories come from the kernel, not from the candidate") {
    sandbox::Zygote z(zygote_spec());
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"a self-sent SIGXCPU",
         "import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGXCPU)\n"},
        {"a self-sent SIGSYS",
         "import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGSYS)\n"},
        {"a self-sent SIGKILL",
         "import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGKILL)\n"},
        {"SIGXCPU while loading", "import os, signal\nos.kill(os.getpid(), signal.SIGXCPU)\n"},
        {"an exception named Timeout", "class Timeout(Exception):\n    pass\nraise Timeout('x')\n"},
        {"SyntaxError raised at run time", "raise SyntaxError('x')\n"},
        {"MemoryError raised at run time", "raise MemoryError()\n"},
    };
    for (const auto& [what, code] : cases) {
        CAPTURE(what);
        const JobResult r = z.run(job(code));
        INFO(r.message);
        CHECK(r.verdict == Verdict::runtime_error);
        CHECK(r.forbidden_syscall.empty());
    }
    const JobResult raised = z.run(job("def f(x):\n    raise MemoryError()\n"));
    CHECK(raised.verdict == Verdict::ok); // the cases are errors; the run is not memory_limit
    CHECK(raised.passed() == 0);
}

TEST_CASE("fast path: a slot's cgroups are removed with it") {
    const std::string name = "assay-test-slot-" + std::to_string(::getpid());
    {
        auto spec = zygote_spec();
        spec.cgroup_name = name;
        sandbox::Zygote z(spec);
        CHECK(z.run(job("def f(x):\n    return x + 1\n")).all_passed());
        CHECK(test::cgroup_exists(name));
    }
    for (const std::string& group : {name, name + "-judge", name + "-literal"}) {
        CAPTURE(group);
        CHECK_FALSE(test::cgroup_exists(group));
    }
}

TEST_CASE("fast path: nothing of a job's output stays where the next child can read it") {
    // The runner zygote's job cycle is C (testsuites/native/zygote_cycle.h, compiled into
    // testsuites/python/zygote_native.c); its buffers (the kept output, the pipe buffer, the
    // reply) live in the module's writable mappings, which every later child inherits. The
    // receiver reads them in its own copy.
    const std::string sender =
        "import sys\nmarker = 'MARK' + 'ER-' + str(31337 * 3)\n"
        "print(marker * 3, flush=True)\nprint(marker, file=sys.stderr, flush=True)\n"
        "def f(x):\n    return x + 1\n";
    // The module's writable segments (data and bss) from its ELF program headers, read in
    // this process's own copy of them.
    const std::string receiver = R"(import ctypes, glob, struct
path = glob.glob('/assay-native/zygote_native*.so')[0]
base = min(int(line.split()[0].split('-')[0], 16) for line in open('/proc/self/maps')
           if line.rstrip().endswith(path) and int(line.split()[2], 16) == 0)
elf = open(path, 'rb').read()
phoff, = struct.unpack_from('<Q', elf, 0x20)
phentsize, phnum = struct.unpack_from('<HH', elf, 0x36)
regions = []
for i in range(phnum):
    kind, flags, _, vaddr, _, _, memsz, _ = struct.unpack_from('<IIQQQQQQ', elf, phoff + i * phentsize)
    if kind == 1 and flags & 2:
        regions.append((base + vaddr, memsz))
needle = ('MARK' + 'ER-' + str(31337 * 3)).encode()
print(len(regions) > 0, sum(ctypes.string_at(a, n).count(needle) for a, n in regions), flush=True)
def f(x):
    return x + 1
)";
    sandbox::Zygote z(zygote_spec());
    const JobResult s = z.run(job(sender));
    REQUIRE(s.all_passed());
    REQUIRE(s.stdout_text.find("MARKER-94011") != std::string::npos);
    const JobResult r = z.run(job(receiver));
    INFO(r.message << r.stderr_text);
    CHECK(r.all_passed());
    CHECK(r.stdout_text == "True 0\n");
}

TEST_CASE("fast path: a job that leaves files behind gets a fresh jail") {
    const std::string litter = "import os\nfor d in ('/tmp', '/work', '/dev/shm'):\n"
                               "    os.makedirs(d + '/deep/er', exist_ok=True)\n"
                               "    open(d + '/deep/er/x', 'w').write('left')\n"
                               "    os.chmod(d + '/deep', 0)\ndef f(x):\n    return x + 1\n";
    const std::string look =
        "import os\nprint(os.getpid(), sorted(os.listdir('/tmp')), sorted(os.listdir('/dev/shm')),"
        " sorted(os.listdir('/work')), flush=True)\ndef f(x):\n    return x + 1\n";
    same_as_alone(job(litter), job(look), [](const JobResult& h) { CHECK(h.all_passed()); });
}

TEST_CASE("fast path: captured output is text whatever bytes the job writes") {
    sandbox::Zygote z(zygote_spec());
    const JobResult r =
        z.run(job("import sys\nsys.stdout.buffer.write(b'\\xff\\xfe ok \\x00\\x01\\t\"\\\\ "
                  "\\xed\\xa0\\x80 \\xc3\\xa9 \\xf0\\x9f\\x99\\x82 \\xe2\\x82')\n"
                  "sys.stdout.flush()\nsys.stderr.buffer.write(b'\\xff' * 20000)\ndef f(x):\n    "
                  "return x + 1\n"));
    INFO(r.message);
    CHECK(r.all_passed());
    const std::string bad = "\xEF\xBF\xBD";
    CHECK(r.stdout_text == bad + bad + " ok " + std::string("\0\x01\t\"\\ ", 6) + bad + bad + bad +
                               " \xC3\xA9 \xF0\x9F\x99\x82 " + bad); // as Python's "replace"
    // 8192 bytes kept, each replaced: 24576 bytes of text, yet truncated (20000 were written).
    CHECK(r.stderr_text.size() == 3 * 8192);
    CHECK(r.stderr_text.substr(0, 6) == bad + bad);
    CHECK(r.stderr_truncated);
    CHECK_FALSE(r.stdout_truncated);
}

TEST_CASE("fast path: stdin and the scratch directories' times are fresh per job") {
    // A job sets flags on fd 0 (once the zygote's own, shared by every child) and an atime in
    // the future on each scratch directory (relatime never rewrites it): 2 + 3 x 30 bits the next
    // job could read.
    const std::string sender =
        "import fcntl, os, time\nfcntl.fcntl(0, fcntl.F_SETFL, os.O_APPEND | os.O_NONBLOCK)\n"
        "t = (int(time.time()) + 3600) * 10**9 + 123456789\n"
        "for d in ('/tmp', '/work', '/dev/shm'):\n"
        "    os.utime(d, ns=(t, int(time.time()) * 10**9 - 10**9))\n"
        "def f(x):\n    return x + 1\n";
    const std::string receiver =
        "import fcntl, os\nprint(oct(fcntl.fcntl(0, fcntl.F_GETFL)), "
        "[os.stat(d).st_atime_ns % 10**9 == 123456789 for d in ('/tmp', '/work', '/dev/shm')],"
        " flush=True)\ndef f(x):\n    return x + 1\n";
    same_as_alone(job(sender), job(receiver), [](const JobResult& h) { CHECK(h.all_passed()); });
}

TEST_CASE("fast path: every child draws its own random numbers, and holds no judge") {
    // The runner zygote preloads neither `random` (its at-fork reseed cost every child) nor the
    // judge: a child that imports random seeds it from the kernel, as plain python3 does, and
    // the candidate's process carries none of the judge's code.
    sandbox::Zygote z(zygote_spec());
    const std::string code =
        "import sys\nloaded = 'random' in sys.modules, 'judge' in sys.modules\n"
        "import random\nprint(loaded, random.getrandbits(64), flush=True)\n"
        "def f(x):\n    return x + 1\n";
    const JobResult a = z.run(job(code));
    const JobResult b = z.run(job(code));
    INFO("a: " << a.stdout_text << " b: " << b.stdout_text);
    REQUIRE(a.all_passed());
    REQUIRE(b.all_passed());
    CHECK(a.stdout_text.rfind("(False, False) ", 0) == 0);
    CHECK(b.stdout_text.rfind("(False, False) ", 0) == 0);
    CHECK(a.stdout_text != b.stdout_text);
}
