// The fast path for real: jailed zygotes running judge and runner. Each check looks at the
// verdict and the per-case results, never just at "it returned".
#include "core/language.hpp"
#include "sandbox/harness.hpp"
#include "support/zygote_spec.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <optional>
#include <regex>

using namespace assay;
using sandbox::HarnessJob;
using sandbox::JobResult;

namespace {

sandbox::SpawnSpec zygote_spec() {
    return testing::python_zygote_spec();
}

sandbox::Zygote& shared_zygote() {
    static sandbox::Zygote zygote(zygote_spec());
    return zygote;
}

HarnessJob job(std::string code, std::vector<std::string> cases, int wall_ms = 5000) {
    HarnessJob j;
    j.code = std::move(code);
    j.entry_point = "f";
    for (std::size_t i = 0; i < cases.size(); ++i)
        j.cases.push_back({"c" + std::to_string(i), cases[i]});
    j.limits.wall_ms = wall_ms;
    j.limits.cpu_ms = 2000;
    j.limits.memory_mb = 256;
    j.limits.output_bytes = 64 * 1024;
    return j;
}

const std::vector<std::string> kAddCases = {"assert f(1) == 2", "assert f(2) == 3",
                                            "assert f(5) == 6"};

JobResult run(const std::string& code, const std::vector<std::string>& cases = kAddCases) {
    return shared_zygote().run(job(code, cases));
}

} // namespace

TEST_CASE("sandbox::Zygote verdicts") {
    SUBCASE("a correct candidate passes every case") {
        auto r = run("def f(x):\n    return x + 1\n");
        INFO(r.message);
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.all_passed());
        CHECK(r.passed() == 3);
    }
    SUBCASE("a wrong candidate fails with expected and actual in the message") {
        auto r = run("def f(x):\n    return x + 2\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.passed() == 0);
        CHECK(r.cases[0].verdict == TestVerdict::failed);
        CHECK(r.cases[0].message.find("actual:   3") != std::string::npos);
        CHECK(r.cases[0].message.find("expected: 2") != std::string::npos);
    }
    SUBCASE("an exception is an error case with the traceback") {
        auto r = run("def f(x):\n    return {}[x]\n");
        CHECK(r.cases[0].verdict == TestVerdict::error);
        CHECK(r.cases[0].message.find("KeyError") != std::string::npos);
        CHECK(r.cases[0].message.find("solution.py") != std::string::npos);
    }
    SUBCASE("a syntax error is compile_error, a SyntaxError raised at run time is not") {
        // The runner says the program compiled before any of it runs.
        auto r = run("def f(x) return x\n");
        CHECK(r.verdict == Verdict::compile_error);
        CHECK(run("raise SyntaxError('mine')\n").verdict == Verdict::runtime_error);
        CHECK(r.message.find("SyntaxError") != std::string::npos);
        CHECK_FALSE(r.all_passed());
    }
    SUBCASE("an endless loop is a timeout, and the next job still runs") {
        auto r =
            shared_zygote().run(job("def f(x):\n    while True:\n        pass\n", kAddCases, 1500));
        CHECK(r.verdict == Verdict::timeout);
        CHECK(r.cases[0].verdict == TestVerdict::timeout);
        CHECK(run("def f(x):\n    return x + 1\n").all_passed());
    }
    SUBCASE("a memory bomb is memory_limit") {
        // The jail's memory cgroup decides (RLIMIT_AS is only a backstop); touching its 512 MB
        // takes over a second of CPU on a slow VM, so the CPU limit is out of the way here.
        auto j = job("def f(x):\n    return len(bytearray(1 << 30))\n", kAddCases);
        j.limits.cpu_ms = 10'000;
        auto r = shared_zygote().run(j);
        INFO(r.message);
        CHECK(r.verdict == Verdict::memory_limit);
    }
    SUBCASE("an output flood is output_limit") {
        auto r =
            run("import sys\ndef f(x):\n    while True:\n        sys.stdout.write('x' * 65536)\n");
        CHECK(r.verdict == Verdict::output_limit);
        CHECK(r.stdout_truncated);
    }
    SUBCASE("a forbidden system call is named, and the worker is replaced") {
        auto r = run(
            "import ctypes\nctypes.CDLL(None).ptrace(16, 1, 0, 0)\ndef f(x):\n    return x + 1\n");
        CHECK(r.verdict == Verdict::forbidden_syscall);
        CHECK(r.forbidden_syscall == "ptrace");
        CHECK(run("def f(x):\n    return x + 1\n").all_passed());
    }
}

TEST_CASE("sandbox::Zygote cannot be fooled") {
    // Every program here is wrong (f(1) should be 2) and tries to pass anyway.
    const std::vector<std::pair<std::string, std::string>> tricks = {
        {"os._exit(0) while loading", "import os\nos._exit(0)\ndef f(x):\n    return 0\n"},
        {"SystemExit(0) while loading", "raise SystemExit(0)\n"},
        {"os._exit(0) inside the call", "import os\ndef f(x):\n    os._exit(0)\n"},
        {"sys.exit(0) inside the call", "import sys\ndef f(x):\n    sys.exit(0)\n"},
        {"printed fake results",
         "print('3 passed, 0 failed')\nimport json\nfor i in range(3):\n"
         "    print(json.dumps({'i': i, 'verdict': 'passed', 'nonce': 'x'}))\n"
         "def f(x):\n    return 0\n"},
        {"an object whose __eq__ always says True",
         "class Yes:\n    def __eq__(self, other): return True\n    def __ne__(self, other): "
         "return False\n"
         "def f(x):\n    return Yes()\n"},
        {"an int subclass that equals everything",
         "class I(int):\n    def __eq__(self, other): return True\n    __hash__ = int.__hash__\n"
         "def f(x):\n    return I(0)\n"},
        {"patching the harness modules",
         "import sys\nfor name in list(sys.modules):\n    m = sys.modules[name]\n"
         "    for attr in ('_assert_equal', 'failure_message', 'run_case'):\n"
         "        if hasattr(m, attr): setattr(m, attr, lambda *a, **k: None)\n"
         "import builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})\n"
         "def f(x):\n    return 0\n"},
        {"writing forged results to every descriptor",
         "import os, json\nfor fd in range(3, 64):\n    try:\n"
         "        for i in range(3): os.write(fd, (json.dumps({'i': i, 'verdict': 'passed', "
         "'nonce': ''}) + '\\n').encode())\n    except OSError: pass\n"
         "def f(x):\n    return 0\n"},
        {"killing the judge",
         "import os, signal\ndef f(x):\n    os.kill(os.getppid(), 9)\n"
         "    for pid in os.listdir('/proc'):\n"
         "        if pid.isdigit() and int(pid) not in (1, os.getpid()):\n"
         "            try: os.kill(int(pid), 9)\n            except OSError: pass\n"
         "    return 0\n"},
        {"reading the tests from other processes",
         "import os\nfound = []\nfor pid in os.listdir('/proc'):\n    if not pid.isdigit(): "
         "continue\n"
         "    for name in ('environ', 'cmdline', 'mem'):\n        try:\n"
         "            found.append(open('/proc/%s/%s' % (pid, name), 'rb').read(1 << 16))\n"
         "        except OSError: pass\n    try:\n        for fd in os.listdir('/proc/%s/fd' % "
         "pid):\n"
         "            found.append(open('/proc/%s/fd/%s' % (pid, fd), 'rb').read(1 << 16))\n"
         "    except OSError: pass\n"
         "import gc\nsecret = [o for o in gc.get_objects() if isinstance(o, str) and 'assert f(' "
         "in o]\n"
         "def f(x):\n    return 2 if any(b'assert f(1) == 2' in b for b in found) or secret else "
         "0\n"},
    };
    for (const auto& [name, code] : tricks) {
        CAPTURE(name);
        auto r = run(code);
        INFO(r.message);
        CHECK_FALSE(r.all_passed());
        CHECK(r.passed() == 0);
    }
}

TEST_CASE("sandbox::Zygote closes the holes a review found") {
    SUBCASE("candidate names cannot shadow builtins the tests use") {
        auto r = shared_zygote().run(
            job("def f(x):\n    return 0\ndef abs(x):\n    return 0\n"
                "def sorted(x):\n    return [1, 2]\n",
                {"assert abs(f(1) - 2) < 1e-9", "assert sorted([f(1), f(1)]) == [1, 2]"}));
        CHECK(r.passed() == 0);
    }
    SUBCASE("a test's `except Exception` cannot swallow the runner's death") {
        auto r = shared_zygote().run(job("import os\ndef f(x):\n    os._exit(0)\n",
                                         {"try:\n    f(1)\nexcept Exception:\n    pass\n",
                                          "try:\n    f(1)\nexcept BaseException:\n    pass\n"}));
        CHECK_FALSE(r.all_passed());
        CHECK(r.cases[0].verdict != TestVerdict::passed);
    }
    SUBCASE("SystemExit raised by the candidate is not an ordinary exception to the tests") {
        auto r = shared_zygote().run(job("def f(x):\n    raise SystemExit(0)\n",
                                         {"try:\n    f(1)\nexcept Exception:\n    pass\n"}));
        CHECK_FALSE(r.all_passed());
    }
    SUBCASE("objects the candidate returned can be passed back to it") {
        auto r = shared_zygote().run(job(
            "class Node:\n    def __init__(self, v, nxt=None):\n        self.v, self.nxt = v, nxt\n"
            "def f(head):\n    n = 0\n    while head is not None:\n        n, head = n + 1, "
            "head.nxt\n"
            "    return n\n",
            {"assert f(Node(1, Node(2, Node(3)))) == 3", "assert f(None) == 0"}));
        INFO(r.message);
        CHECK(r.all_passed());
    }
    SUBCASE("SIGINT to the zygote changes nothing") {
        auto r = run("import os, signal\nos.kill(1, signal.SIGINT)\ndef f(x):\n    return x + 1\n");
        CHECK(r.all_passed());
    }
    SUBCASE("a lone surrogate in a message keeps its case") {
        auto r = run("def f(x):\n    raise ValueError('\\ud800 bad')\n");
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.cases[0].verdict == TestVerdict::error);
        CHECK(r.cases[0].message.find("bad") != std::string::npos);
    }
}

TEST_CASE("sandbox::Zygote keeps jobs apart") {
    auto first = run("import os, subprocess\n"
                     "for d in ('/work', '/tmp', '/dev/shm'):\n"
                     "    open(d + '/left-behind', 'w').write('x')\n"
                     "os.makedirs('/work/deep/er', exist_ok=True)\n"
                     "os.chmod('/work/deep', 0)\n"
                     "path = '/tmp'\n"
                     "for i in range(300):\n    path += '/d'\n    os.mkdir(path)\n"
                     "os.chmod('/tmp', 0)\nos.chmod('/dev/shm', 0)\n"
                     "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                     "        import time\n        time.sleep(60)\n    os._exit(0)\n"
                     "def f(x):\n    return x + 1\n");
    CHECK(first.all_passed());
    auto second = run("import os\n"
                      "seen = [d + '/left-behind' for d in ('/work', '/tmp', '/dev/shm') "
                      "if os.path.exists(d + '/left-behind')] + os.listdir('/work')\n"
                      "def f(x):\n"
                      "    pids = sorted(p for p in os.listdir('/proc') if p.isdigit())\n"
                      "    assert not seen, seen\n"
                      "    assert len(pids) == 2, pids  # the zygote and this runner; the judge is "
                      "in another jail\n"
                      "    return x + 1\n");
    INFO(second.message);
    CHECK(second.all_passed());
}

TEST_CASE("sandbox::Zygote hides the supervisor's environment") {
    ::setenv("ASSAY_API_KEY", "sk-assay-test-secret-123", 1);
    sandbox::Zygote fresh(zygote_spec()); // started after the key is in our environment
    auto r =
        fresh.run(job("import os\n"
                      "blob = repr(dict(os.environ))\n"
                      "for pid in os.listdir('/proc'):\n"
                      "    try: blob += open('/proc/%s/environ' % pid).read()\n"
                      "    except OSError: pass\n"
                      "def f(x):\n    return blob\n",
                      {"assert 'sk-assay' not in f(0)", "assert 'ASSAY_API_KEY' not in f(0)"}));
    ::unsetenv("ASSAY_API_KEY");
    INFO(r.message);
    CHECK(r.all_passed());
}

TEST_CASE("sandbox::Zygote::serve pipelines jobs and keeps them apart") {
    // A stream of jobs through one slot, where each zygote takes the next job as soon as it
    // has reported the previous one: hostile jobs (a forbidden call while loading, an endless
    // loop, a memory bomb, leftovers) between clean ones. Every job gets its own verdict, and
    // every clean job finds no trace of the jobs before it.
    const std::string clean_check =
        "import os\n"
        "leftovers = [d + '/' + n for d in ('/work', '/tmp', '/dev/shm') for n in os.listdir(d)]\n"
        "def f(x):\n"
        "    pids = sorted(p for p in os.listdir('/proc') if p.isdigit())\n"
        "    assert not leftovers, leftovers\n"
        "    assert len(pids) == 2, pids\n"
        "    return x + 1\n";
    const std::vector<std::pair<std::string, HarnessJob>> stream = {
        {"clean", job(clean_check, kAddCases)},
        {"forbidden", job("import ctypes\nctypes.CDLL(None).ptrace(16, 1, 0, 0)\n"
                          "def f(x):\n    return x + 1\n",
                          kAddCases)},
        {"clean", job(clean_check, kAddCases)},
        {"leftovers",
         job("import os\nopen('/work/left', 'w').write('x')\n"
             "if os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(60)\n"
             "def f(x):\n    return x + 1\n",
             kAddCases)},
        {"clean", job(clean_check, kAddCases)},
        {"timeout", job("def f(x):\n    while True:\n        pass\n", kAddCases, 1500)},
        {"clean", job(clean_check, kAddCases)},
        {"memory",
         [] {
             auto j = job("def f(x):\n    return len(bytearray(1 << 30))\n", kAddCases);
             j.limits.cpu_ms = 10'000; // the memory cgroup decides, not the CPU spent faulting
             return j;
         }()},
        {"clean", job(clean_check, kAddCases)},
        {"wrong", job("def f(x):\n    return x\n", kAddCases)},
        {"clean", job(clean_check, kAddCases)},
    };
    sandbox::Zygote zygote(zygote_spec());
    std::size_t given = 0;
    std::vector<std::optional<JobResult>> results(stream.size());
    zygote.serve(
        [&]() -> std::optional<std::pair<std::size_t, const HarnessJob*>> {
            if (given == stream.size()) return std::nullopt;
            const std::size_t k = given++;
            return std::pair{k, &stream[k].second};
        },
        [&](std::size_t k, JobResult r) {
            REQUIRE(k < results.size());
            CHECK_FALSE(results[k].has_value());
            results[k] = std::move(r);
        });
    for (std::size_t k = 0; k < stream.size(); ++k) {
        CAPTURE(k);
        CAPTURE(stream[k].first);
        REQUIRE(results[k].has_value());
        const JobResult& r = *results[k];
        INFO(r.message);
        const std::string& kind = stream[k].first;
        if (kind == "clean" || kind == "leftovers") CHECK(r.all_passed());
        if (kind == "forbidden") {
            CHECK(r.verdict == Verdict::forbidden_syscall);
            CHECK(r.forbidden_syscall == "ptrace");
        }
        if (kind == "timeout") CHECK(r.verdict == Verdict::timeout);
        if (kind == "memory") CHECK(r.verdict == Verdict::memory_limit);
        if (kind == "wrong") {
            CHECK(r.verdict == Verdict::ok);
            CHECK(r.passed() == 0);
        }
    }
}

TEST_CASE("sandbox::Zygote split and whole cases agree") {
    // The same assertion, split by the judge (the candidate's side evaluated natively in the
    // runner, compared in the judge) or run whole in the runner (as plain python3 would run it):
    // the same verdict case by case for honest programs of every kind of result.
    const std::vector<std::string> cases = {
        "assert f(1) == 2",
        "assert f(2) == 3, 'f(2) should be 3'",
        "assert f(1)",
        "assert not f(-1)",
        "assert f(1) != 5",
        "assert abs(f(0.5) - 1.5) < 1e-9",
        "assert f(1) in [2, 3] and f(2) > 2",
        "assert isinstance(f(1), int)",
        "assert tuple([f(1), f(2)]) == (2, 3)",
        "assert f(x=1) == 2",
        "assert f(3 * 19) == 58",
        "assert sorted([f(3), f(1)])[0] == 2",
        "assert len(str(f(1))) == 1",
    };
    const std::vector<std::pair<std::string, std::string>> candidates = {
        {"correct", "def f(x):\n    return x + 1\n"},
        {"off by one", "def f(x):\n    return x + 2\n"},
        {"a string", "def f(x):\n    return str(x + 1)\n"},
        {"a float", "def f(x):\n    return x + 1.0\n"},
        {"a list", "def f(x):\n    return [x + 1]\n"},
        {"a tuple", "def f(x):\n    return (x + 1,)\n"},
        {"a dict", "def f(x):\n    return {x: x + 1}\n"},
        {"None", "def f(x):\n    pass\n"},
        {"raises", "def f(x):\n    raise ValueError('no %r' % (x,))\n"},
        {"own exception", "class Nope(Exception):\n    pass\ndef f(x):\n    raise Nope(x)\n"},
        {"a generator", "def f(x):\n    yield x + 1\n"},
        {"no f", "def g(x):\n    return x + 1\n"},
    };
    sandbox::Zygote zygote(zygote_spec());
    for (const auto& [name, code] : candidates) {
        CAPTURE(name);
        std::vector<std::string> whole;
        for (const std::string& c : cases)
            whole.push_back("for _ in [0]:\n    " + c);
        const JobResult a = zygote.run(job(code, cases));
        const JobResult b = zygote.run(job(code, whole));
        CHECK(a.verdict == b.verdict);
        REQUIRE(a.cases.size() == b.cases.size());
        for (std::size_t i = 0; i < a.cases.size(); ++i) {
            CAPTURE(cases[i]);
            CAPTURE(a.cases[i].message);
            CAPTURE(b.cases[i].message);
            CHECK(a.cases[i].verdict == b.cases[i].verdict);
        }
    }
}

TEST_CASE("sandbox::Zygote judge keeps jobs apart") {
    // The judge lives across jobs: what one candidate does to the values it is given (changed in
    // place) must not reach the next one.
    sandbox::Zygote zygote(zygote_spec());
    const std::vector<std::string> cases = {"assert f([1, 2]) == [1, 2]",
                                            "assert f({'a': [1]}) == {'a': [1]}"};
    auto first = zygote.run(job("def f(x):\n"
                                "    if isinstance(x, list): x.append('from the first job')\n"
                                "    else: x['a'].append('from the first job')\n"
                                "    return x\n",
                                cases));
    CHECK(first.passed() == 0);
    auto second = zygote.run(job("def f(x):\n    return x\n", cases));
    INFO(second.message);
    CHECK(second.all_passed());
}

TEST_CASE("sandbox::Zygote judge splits any simple test") {
    // A statement, an attribute, a comprehension, a setup helper or import, a setup loop: the
    // judge keeps what it can compute and asks the runner for the rest; it never declines.
    sandbox::Zygote zygote(zygote_spec());
    const std::vector<std::pair<std::string, std::vector<std::string>>> tests = {
        {"", {"x = f(1)\nassert x == 2"}},
        {"", {"assert f(1).bit_length() == 2"}},
        {"", {"assert eval('f(1)') == 2"}},
        {"", {"assert [f(i) for i in [1]] == [2]"}},
        {"def helper(x):\n    return x + 1\n", {"assert f(1) == helper(1)"}},
        {"import math\n", {"assert f(1) == math.floor(2.5)"}},
        {"import math\n", {"assert math.isclose(f(0.5), 1.5, rel_tol=1e-9)"}},
        {"counter = [0]\nfor i in range(3):\n    counter[0] += i\n", {"assert f(2) == counter[0]"}},
        {"", {"for i in range(3):\n    assert f(i) == i + 1"}},
    };
    for (const auto& [setup, cases] : tests) {
        CAPTURE(setup);
        CAPTURE(cases[0]);
        HarnessJob j = job("def f(x):\n    return x + 1\n", cases);
        j.setup = setup;
        auto r = zygote.run(j);
        INFO(r.message);
        CHECK(r.all_passed());
        j.code = "def f(x):\n    return x + 10\n";
        auto wrong = zygote.run(j);
        CHECK(wrong.verdict == Verdict::ok);
        CHECK(wrong.passed() == 0);
    }
}

TEST_CASE("sandbox::Zygote judge bounds what it evaluates") {
    // Deeply nested or very long expressions: same verdict as plain python3.
    sandbox::Zygote zygote(zygote_spec());
    std::string deep = "1";
    for (int i = 0; i < 150; ++i)
        deep = "(" + deep + " + 0)";
    std::string negated = "2";
    for (int i = 0; i < 500; ++i)
        negated = "-" + negated;
    std::string wide = "[" + std::string("1, ") + "1";
    for (int i = 0; i < 5000; ++i)
        wide += ", 1";
    wide += "]";
    for (const std::string& expected : {deep, negated, wide}) {
        CAPTURE(expected.substr(0, 40));
        auto r = zygote.run(
            job("def f(x):\n    return x\n", {"assert f(" + expected + ") == " + expected}));
        INFO(r.message);
        CHECK(r.all_passed());
    }
}
