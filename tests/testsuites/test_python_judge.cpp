// The judge model in the Python harness (testsuites/python/judge.py, runner.py, channel.py),
// through real jailed zygotes: verdicts equal plain python3 for honest programs (mutation,
// aliasing, exceptions, identity and standard types behave natively), expected values never
// reach the candidate's process, a program cannot replace the prompt's helpers, and a hostile
// test decides at most its own case.
#include "core/language.hpp"
#include "sandbox/harness.hpp"
#include "support/zygote_spec.hpp"
#include "syntax/split_tests.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace assay;
using sandbox::HarnessJob;
using sandbox::JobResult;

namespace {

sandbox::Zygote& zygote() {
    static sandbox::Zygote z(testing::python_zygote_spec());
    return z;
}

HarnessJob make(std::string code, std::vector<std::string> cases, std::string setup = "") {
    HarnessJob j;
    j.code = std::move(code);
    j.entry_point = "f";
    j.setup = std::move(setup);
    for (std::size_t i = 0; i < cases.size(); ++i)
        j.cases.push_back({"c" + std::to_string(i), cases[i]});
    j.limits.wall_ms = 8000;
    j.limits.cpu_ms = 4000;
    j.limits.memory_mb = 512;
    j.limits.output_bytes = 64 * 1024;
    return j;
}

JobResult run(const HarnessJob& j) {
    JobResult r = zygote().run(j);
    for (const auto& c : r.cases)
        INFO(c.name, ": ", c.message);
    return r;
}

} // namespace

TEST_CASE("testsuites/python: a test that checks the input is not changed sees every change") {
    // In-place changes reach the test however the list reaches the candidate: a keyword
    // argument, inside a tuple, aliased inside a list, or a call that raises after changing it.
    struct Shape {
        const char* name;
        const char* call;
    };
    const std::vector<Shape> shapes = {
        {"positional", "f(x)"},
        {"keyword", "f(xs=x)"},
        {"in a tuple", "f((x, 1))"},
        {"aliased in a list", "f([x, x])"},
    };
    const std::string mutating =
        "def f(xs):\n"
        "    target = xs\n"
        "    while not isinstance(target, list) or (target and isinstance(target[0], list)):\n"
        "        target = target[0]\n"
        "    target.sort()\n"
        "    return 0\n";
    const std::string careful = "def f(xs):\n    return 0\n";
    for (const Shape& s : shapes) {
        CAPTURE(s.name);
        const std::string test =
            std::string("x = [3, 1, 2]\n") + s.call + "\nassert x == [3, 1, 2]";
        CHECK(run(make(careful, {test})).all_passed());
        const JobResult bad = run(make(mutating, {test}));
        CHECK(bad.verdict == Verdict::ok);
        CHECK(bad.passed() == 0);
        CHECK(bad.cases[0].verdict == TestVerdict::failed);
    }
    SUBCASE("a call that raises after changing its argument") {
        const std::string test =
            "x = [3, 1, 2]\ntry:\n    f(x)\nexcept ValueError:\n    pass\nassert x == [3, 1, 2]";
        CHECK(run(make("def f(xs):\n    raise ValueError('no')\n", {test})).all_passed());
        const JobResult bad =
            run(make("def f(xs):\n    xs.sort()\n    raise ValueError('no')\n", {test}));
        CHECK(bad.passed() == 0);
    }
}

TEST_CASE("testsuites/python: honest programs pass as under plain python3") {
    // Each was a false fail of the RPC judge.
    const std::vector<std::pair<std::string, std::vector<std::string>>> programs = {
        {"import itertools\ncounter = itertools.count()\ndef f(x):\n    return next(counter) + x\n",
         {"assert f(1) == 1", "assert f(1) == 2"}},
        {"def gen():\n    yield 1\ng = gen()\ndef f(x):\n    return x\n", {"assert f(1) == 1"}},
        {"handle = open('/dev/null')\nhandle.close()\ndef f(x):\n    return x\n",
         {"assert f(2) == 2"}},
        {"TABLE = {i: i * i for i in range(1200000)}\ndef f(x):\n    return TABLE[x]\n",
         {"assert f(1000) == 1000000"}},
        {"from fractions import Fraction\ndef f(x):\n    return Fraction(x, 2)\n",
         {"assert f(1) == 0.5", "from fractions import Fraction\nassert f(3) == Fraction(3, 2)"}},
        {"from decimal import Decimal\ndef f(x):\n    return Decimal(x) / 4\n",
         {"assert f(2) == 0.5", "from decimal import Decimal\nassert f(1) == Decimal('0.25')"}},
        {"from collections import namedtuple\nP = namedtuple('P', 'x y')\ndef f(a):\n    return "
         "P(a, a + 1)\n",
         {"assert f(1).y == 2", "assert f(1) == (1, 2)",
          "p = f(3)\nassert p.x == 3 and p[1] == 4"}},
        {"def f(x):\n    return memoryview(bytes(x))\n", {"assert f([104, 105]) == b'hi'"}},
        {"def f(d):\n    return d.keys()\n", {"assert f({1: 2, 3: 4}) == {1, 3}"}},
        {"def f(d):\n    return d.items()\n", {"assert f({1: 2}) == {(1, 2)}"}},
        {"def f(x):\n    return x\n", {"x = [1]\nassert f(x) is x", "assert f(None) is None"}},
        {"class Bad(ValueError):\n    pass\ndef f(x):\n    raise Bad(x)\n",
         {"try:\n    f(1)\nexcept ValueError as e:\n    assert type(e).__name__ == 'Bad'\nelse:\n  "
          "  assert False"}},
        {"def f(d):\n    return d['missing']\n",
         {"try:\n    f({})\nexcept KeyError as e:\n    assert e.args == ('missing',)\nelse:\n    "
          "assert False"}},
        {"def f(path):\n    open(path)\n",
         {"import errno\ntry:\n    f('/nonexistent/x')\nexcept OSError as e:\n    assert e.errno "
          "== errno.ENOENT\nelse:\n    assert False"}},
        {"def f(xs):\n    return iter(xs)\n",
         {"it = f([1])\nassert next(it) == 1\ntry:\n    next(it)\nexcept StopIteration:\n    "
          "pass\nelse:\n    assert False"}},
        {"def f(n):\n    return 7 ** n\n",
         {"assert f(6000) == 7 ** 6000", "assert f(6000) % 10 == 1"}},
        {"import collections\ndef f(s):\n    return collections.Counter(s)\n",
         {"assert f('aab') == {'a': 2, 'b': 1}"}},
        {"def f(n):\n    return (i * i for i in range(n))\n", {"assert list(f(3)) == [0, 1, 4]"}},
        {"import datetime\ndef f(d):\n    return datetime.date(2024, 1, d)\n",
         {"import datetime\nassert f(2) - f(1) == datetime.timedelta(days=1)",
          "assert str(f(3)) == '2024-01-03'"}},
    };
    for (const auto& [code, cases] : programs) {
        CAPTURE(code);
        const JobResult r = run(make(code, cases));
        INFO(r.message);
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.all_passed());
    }
}

TEST_CASE("testsuites/python: expected values never reach the candidate") {
    // The candidate looks for the expected value everywhere it could be: its caller's frames
    // and code, the whole heap. A split case sends it only its own side of the assertion.
    const std::string spy = R"(import gc, sys
def secret(v):
    return isinstance(v, str) and v.startswith('SECRET-')
def f(x):
    frame = sys._getframe(1)
    while frame is not None:
        for v in list(frame.f_code.co_consts) + list(frame.f_locals.values()) + list(frame.f_globals.values()):
            if secret(v):
                return v
        frame = frame.f_back
    for o in gc.get_objects():
        if type(o) in (list, tuple) and len(o) < 64:
            for v in o:
                if secret(v):
                    return v
        elif type(o) is dict and len(o) < 64:
            for v in o.values():
                if secret(v):
                    return v
    return 'nothing'
)";
    const JobResult r = run(make(spy,
                                 {"assert f(1) == 'SECRET-' + 'one'", "assert f(2) == 'SECRET-two'",
                                  "expected = 'SECRET-three'\nassert f(3) == expected",
                                  "for _ in [0]:\n    assert f(4) == 'SECRET-four'"},
                                 "LITERAL = 'SECRET-setup'\n"));
    INFO(r.message);
    CHECK(r.verdict == Verdict::ok);
    REQUIRE(r.cases.size() == 4);
    CHECK(r.cases[0].verdict == TestVerdict::failed);
    CHECK(r.cases[1].verdict == TestVerdict::failed);
    CHECK(r.cases[2].verdict == TestVerdict::failed);
    // The control: a case that cannot be taken apart runs whole next to the candidate, which
    // can then read it (SECURITY.md says so); this proves the spy would find a leak.
    CHECK(r.cases[3].verdict == TestVerdict::passed);
}

TEST_CASE("testsuites/python: a program cannot replace the prompt's helpers") {
    // HumanEval/38: the prompt defines encode_cyclic; a completion that redefines it (here as
    // the identity, with an identity decoder) must not pass.
    HarnessJob j =
        make("", {"s = 'abcdefgh'\nassert candidate(encode_cyclic(s)) == s",
                  "for s in ['xyz', 'hello']:\n    assert candidate(encode_cyclic(s)) == s"});
    j.entry_point = "decode_cyclic";
    j.context =
        "def encode_cyclic(s: str):\n    return s[1:] + s[:1]\n\n\ndef decode_cyclic(s: str):\n"
        "    \"\"\"Decodes encode_cyclic.\"\"\"\n";
    j.code = j.context + "    return s[-1:] + s[:-1]\n";
    CHECK(run(j).all_passed());
    j.code = j.context + "    return s\n\ndef encode_cyclic(s):\n    return s\n";
    const JobResult cheat = run(j);
    CHECK(cheat.verdict == Verdict::ok);
    CHECK(cheat.passed() == 0);
}

TEST_CASE("testsuites/python: the candidate does not pick its own category") {
    const std::vector<std::pair<std::string, Verdict>> programs = {
        {"class Timeout(Exception):\n    pass\nraise Timeout('slow')\n", Verdict::runtime_error},
        {"raise SyntaxError('bad')\n", Verdict::runtime_error},
        {"raise MemoryError()\n", Verdict::runtime_error},
        {"def f(x) return x\n", Verdict::compile_error},
    };
    for (const auto& [code, verdict] : programs) {
        CAPTURE(code);
        const JobResult r = run(make(code, {"assert f(1) == 1"}));
        CHECK(r.verdict == verdict);
        CHECK_FALSE(r.all_passed());
    }
    SUBCASE("a MemoryError raised by the function is an error of its case") {
        const JobResult r = run(make("def f(x):\n    raise MemoryError()\n", {"assert f(1) == 1"}));
        CHECK(r.verdict == Verdict::ok);
        CHECK(r.cases[0].verdict == TestVerdict::error);
    }
}

TEST_CASE("testsuites/python: a hostile test decides at most its own case") {
    // A test from a problem file runs next to the candidate, never next to the judge: it cannot
    // write result lines, reach the judge, or change the next case's or the next job's verdicts.
    const std::string hostile = R"(import gc, os, sys, json
for fd in range(3, 64):
    for line in ['{"i": 1, "verdict": "passed", "nonce": "x"}\n', '{"done": true, "count": 2}\n']:
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
for o in gc.get_objects():
    if type(o).__name__ in ('Judge', 'Link'):
        raise SystemExit('reached the judge')
assert True)";
    // Its bytes on the runner's channel break the protocol: no later case of the job passes.
    const JobResult r = run(make("def f(x):\n    return x + 2\n", {hostile, "assert f(1) == 2"}));
    CHECK_FALSE(r.all_passed());
    CHECK(r.cases[1].verdict != TestVerdict::passed);
    const JobResult next =
        run(make("def f(x):\n    return x + 1\n", {"assert f(1) == 2", "assert f(2) == 4"}));
    CHECK(next.verdict == Verdict::ok);
    CHECK(next.cases[0].verdict == TestVerdict::passed);
    CHECK(next.cases[1].verdict == TestVerdict::failed);
}

TEST_CASE("testsuites/python: failure messages are what python3 would print") {
    const JobResult r = run(make(
        "def f(x):\n    return [x] * 2\n\n\ndef g(x):\n    raise ValueError('bad ' + str(x))\n",
        {"assert f(1) == [1]", "assert g(3) == 1", "assert f(2)[5] == 1"}));
    REQUIRE(r.cases.size() == 3);
    CHECK(r.cases[0].message.find("actual:   [1, 1]") != std::string::npos);
    CHECK(r.cases[0].message.find("expected: [1]") != std::string::npos);
    CHECK(r.cases[1].message.find("ValueError: bad 3") != std::string::npos);
    // The traceback python3 prints for the program run as solution.py: the test's line, the
    // candidate's frames with their source lines, the exception once, no path of the jail.
    CHECK(r.cases[1].message == "Traceback (most recent call last):\n"
                                "  File \"<test>\", line 1, in <module>\n"
                                "    g(3)\n"
                                "  File \"solution.py\", line 6, in g\n"
                                "    raise ValueError('bad ' + str(x))\n"
                                "ValueError: bad 3\n");
    CHECK(r.cases[2].message.find("IndexError") != std::string::npos);
    for (const auto& c : r.cases) {
        CHECK(c.message.find("/assay/") == std::string::npos);
        CHECK(c.message.find("/work/") == std::string::npos);
    }
}

TEST_CASE("testsuites/python: the test's own expressions are computed away from the candidate") {
    // Expected sides the judge does not compute itself (method calls, `reversed`, a setup
    // helper or table) go to the oracle, a child of the judge that never sees the candidate; a
    // candidate that reads every request it was sent, and its callers' globals, finds nothing.
    const std::string cheat = R"(import sys
def found(n):
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and item.get('op') == 'eval' and 'f(' not in str(item.get('expr')):
                        return eval(item['expr'], {})
            if isinstance(value, dict) and n in value:
                return value[n]
        if 'reference' in frame.f_globals:
            return frame.f_globals['reference'](n)
        frame = frame.f_back
    return None
def f(s):
    return found(s)
)";
    const std::vector<std::string> cases = {"assert f('abc') == 'cba'.upper()",
                                            "assert f('hello') == ''.join(reversed('HELLO'))",
                                            "assert f('xy') == 'xy'[::-1].upper(), 'bad'",
                                            "assert f('q') == str.upper('q')",
                                            "assert f(3) == TABLE[3]",
                                            "assert f(5) == TABLE.get(5)",
                                            "assert f(7) == reference(7)"};
    const std::string setup =
        "TABLE = {3: [2, 1, 0], 5: [4, 3, 2, 1, 0]}\ndef reference(n):\n    return n * 2\n";
    const std::string honest =
        "def f(s):\n    if isinstance(s, str):\n        return s[::-1].upper()\n"
        "    return s * 2 if s == 7 else list(range(s))[::-1]\n";
    CHECK(run(make(honest, cases, setup)).all_passed());
    const JobResult r = run(make(cheat, cases, setup));
    CHECK(r.verdict == Verdict::ok);
    CHECK(r.passed() == 0);
}

TEST_CASE("testsuites/python: the candidate's objects and builtins do not reach the judge") {
    const std::vector<std::string> cases = {"assert abs(mean([1.0, 2.0, 4.0]) - 7.0/3.0) < 1e-6",
                                            "assert math.isclose(mean([2.0, 3.0]), 2.5)",
                                            "assert round(mean([1.0, 2.0, 2.0]), 3) == 1.667",
                                            "assert len(seq(7)) == 7",
                                            "assert sorted(seq(3)) == [0, 1, 2]"};
    const std::string honest =
        "def mean(xs):\n    return sum(xs) / len(xs)\n\ndef seq(n):\n    return list(range(n))\n";
    HarnessJob j = make(honest, cases, "import math\n");
    j.entry_point = "mean";
    CHECK(run(j).all_passed());
    for (const std::string& cheat :
         {std::string(
              "class Z:\n    def __sub__(self, o): return 0.0\n    def __rsub__(self, o): return "
              "0.0\n"
              "    def __round__(self, n=0): return 1.667\n    def __float__(self): return 2.5\n"
              "def mean(xs):\n    return Z()\n"
              "class L(list):\n    def __len__(self): return 7\ndef seq(n):\n    return "
              "L(['x'])\n"),
          std::string("import builtins, math\nbuiltins.abs = lambda v: 0.0\nbuiltins.round = "
                      "lambda v, n=0: 1.667\n"
                      "math.isclose = lambda *a, **k: True\nbuiltins.len = lambda v: "
                      "7\nbuiltins.sorted = lambda v: [0, 1, 2]\n"
                      "def mean(xs):\n    return 42.0\ndef seq(n):\n    return ['x']\n")}) {
        CAPTURE(cheat);
        j.code = cheat;
        const JobResult r = run(j);
        CHECK(r.passed() == 0);
    }
}

TEST_CASE("testsuites/python: comparisons of the program's own objects are native") {
    // Nothing of the test's on either side: compared as python3 compares them.
    const std::string code =
        "from dataclasses import dataclass\n@dataclass\nclass Point:\n    x: int\n    y: int\n"
        "def make(x, y):\n    return Point(x, y)\n";
    HarnessJob j = make(
        code, {"assert make(1, 2) == Point(1, 2)", "assert make(1, 2) == make(1, 2)",
               "p = make(3, 4)\nassert p == Point(3, 4)", "assert [make(1, 2)] == [Point(1, 2)]",
               "assert make(1, 2) in [Point(1, 2)]", "assert make(1, 2) != Point(2, 1)"});
    j.entry_point = "make";
    CHECK(run(j).all_passed());
}

TEST_CASE("testsuites/python: line separators inside strings do not move the split") {
    // U+2028 and form feeds are not line ends for Python's tokenizer: the judge must still
    // split every case (a fallback to running them whole would hand the candidate the tests).
    const std::string reader =
        "import sys, ast\ndef f(s):\n    frame = sys._getframe(1)\n"
        "    while frame is not None:\n        item = frame.f_locals.get('item')\n"
        "        if isinstance(item, dict) and 'code' in item:\n"
        "            return "
        "ast.literal_eval(ast.parse(item['code']).body[-1].test.comparators[0])\n"
        "        frame = frame.f_back\n    return -1\n";
    const std::vector<std::string> cases = {"s = 'a\u2028b'\nassert f(s) == 3",
                                            "assert f('a\x0c"
                                            "b') == 3",
                                            "assert f('hello') == 5"};
    CHECK(run(make("def f(s):\n    return len(s)\n", cases)).all_passed());
    const JobResult r = run(make(reader, cases));
    CHECK(r.passed() == 0);
    CHECK(r.cases[0].message.find("assert f(s) == 3") != std::string::npos);
}

TEST_CASE("testsuites/python: values that would make the judge work for the candidate") {
    // A set of ints that all hash alike would take the judge quadratic time to build.
    const std::string bomb =
        "class I(int):\n    __slots__ = ()\n    def __hash__(self): return id(self)\n"
        "    def __eq__(self, o): return self is o\nM = (1 << 61) - 1\n"
        "def f(n):\n    return {I(k * M) for k in range(1, 100000)}\n";
    const JobResult r = run(make(bomb, {"assert f(2) == {1, 2}", "assert f(3) == {1, 2, 3}"}));
    CHECK(r.verdict == Verdict::ok);
    CHECK(r.passed() == 0);
    CHECK(r.wall_ms < 6000);
    CHECK(run(make("def f(n):\n    return set(range(1, n + 1))\n", {"assert f(2) == {1, 2}"}))
              .all_passed());
}

TEST_CASE("testsuites/python: setups that call the candidate or change their own values") {
    // A setup line that calls the candidate is the runner's, not the oracle's; a value a later
    // setup line changes is not the judge's to compute from its literal.
    const std::string setup =
        "import math\nREF = [f(i) for i in range(3)]\nT = {1: 2}\ncounter = [0]\n"
        "for i in range(3):\n    counter[0] += i\n"
        "def helper(x):\n    return math.floor(x) + len(T)\n";
    const std::vector<std::string> cases = {"assert f(1) == REF[1]", "assert f(2) == helper(2.5)",
                                            "assert f(3) - 2 == counter[0] - 2",
                                            "assert f(0) == T.get(5, 1)"};
    CHECK(run(make("def f(x):\n    return x + 1 if x < 3 else 3\n", cases, setup)).all_passed());
    const JobResult wrong = run(make("def f(x):\n    return -1\n", cases, setup));
    CHECK(wrong.verdict == Verdict::ok);
    CHECK(wrong.passed() ==
          1); // REF is made by the candidate itself: that case compares it with itself
}

TEST_CASE("testsuites/python: the test's values shared with the program's side") {
    // Found by the second attack review. A candidate whose results equal anything, and that
    // returns whatever its callers' namespaces hold, must fail every case; honest programs pass.
    const std::string cheat = R"(import sys
class Any:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
def f(x):
    frame = sys._getframe(1)
    while frame is not None:
        for key in ('out', 'expected'):
            if key in frame.f_globals:
                return frame.f_globals[key]
            if key in frame.f_locals:
                return frame.f_locals[key]
        frame = frame.f_back
    return Any()
)";
    const std::string setup =
        "from collections import Counter\ninp, out = 'abc', 'ABC'\ncases = [('abc', 'ABC')]\n"
        "data = [3, 1, 2]\ndef ref(xs):\n    return [x.upper() for x in xs]\n";
    const std::vector<std::string> cases = {
        "expected = 'abc'.upper()\nassert f('abc') == expected",
        "assert f(inp) == out",
        "assert f(cases[0][0]) == cases[0][1]",
        "assert f(['a']) == ref(['a'])",
        "from collections import OrderedDict\nassert f('abc') == OrderedDict(a=1)",
        "assert isinstance(f('abc'), str) and f('abc') == 'ABC'"};
    const std::string honest =
        "from collections import OrderedDict\ndef f(x):\n"
        "    if isinstance(x, list):\n        return [s.upper() for s in x]\n"
        "    return OrderedDict(a=1) if False else x.upper()\n";
    const JobResult good = run(make(honest, cases, setup));
    CHECK(good.cases[0].verdict == TestVerdict::passed);
    CHECK(good.cases[1].verdict == TestVerdict::passed);
    CHECK(good.cases[2].verdict == TestVerdict::passed);
    CHECK(good.cases[3].verdict == TestVerdict::passed);
    CHECK(good.cases[5].verdict == TestVerdict::passed);
    const JobResult r = run(make(cheat, cases, setup));
    CHECK(r.verdict == Verdict::ok);
    CHECK(r.passed() == 0);
}

TEST_CASE("testsuites/python: what the program does to the test's values is seen") {
    const std::string setup =
        "import random\nrandom.seed(0)\nxs = [random.randint(0, 9) for i in range(5)]\n"
        "ys = [random.randint(0, 9) for j in range(5)]\nEXPECTED = sorted(ys)\n"
        "data = list(range(5, 0, -1))\nkeep = [3, 1, 2]\norig = list(keep)\n";
    const std::vector<std::string> cases = {
        "assert f(ys) == EXPECTED", "assert f(data) is None\nassert data == [1, 2, 3, 4, 5]",
        "f(keep)\nassert keep == orig"};
    const JobResult sorts = run(make("def f(xs):\n    xs.sort()\n", cases, setup));
    CHECK(sorts.cases[0].verdict == TestVerdict::failed); // returns None
    CHECK(sorts.cases[1].verdict == TestVerdict::passed); // sorted in place, as asked
    CHECK(sorts.cases[2].verdict == TestVerdict::failed); // changed what it must not
    const JobResult copies = run(make("def f(xs):\n    return sorted(xs)\n", cases, setup));
    CHECK(copies.cases[0].verdict == TestVerdict::passed);
    CHECK(copies.cases[1].verdict == TestVerdict::failed);
    CHECK(copies.cases[2].verdict == TestVerdict::passed);
}

TEST_CASE("testsuites/python: the judge's builtins see the program's containers") {
    const std::string code =
        "import array\nclass Bag:\n    def __init__(self, items): self.items = items\n"
        "    def __iter__(self): return iter(self.items)\n    def __len__(self): return "
        "len(self.items)\n"
        "    def __str__(self): return 'Bag'\n"
        "def f(n):\n    return Bag(list(range(n)))\ndef g(n):\n    return array.array('i', "
        "range(n))\n";
    const std::vector<std::string> cases = {"assert list(f(3)) == [0, 1, 2]",
                                            "assert len(f(4)) == 4",
                                            "assert sorted(f(3)) == [0, 1, 2]",
                                            "assert sum(f(4)) == 6",
                                            "assert str(f(1)) == 'Bag'",
                                            "assert list(g(3)) == [0, 1, 2]",
                                            "import array\nassert g(2) == array.array('i', [0, 1])",
                                            "assert g(2) != [0, 1]"};
    const JobResult r = run(make(code, cases));
    CHECK(r.all_passed());
}

TEST_CASE("testsuites/python: third review: prompt classes and imports, functions as arguments") {
    // The prompt's classes are the program's (a completion returns their instances); the
    // prompt's `import math` serves the tests, in the judge; `key=` functions run where they can.
    HarnessJob j =
        make("", {"assert candidate(1, 2) == Point(1, 2)", "assert type(candidate(1, 2)) is Point",
                  "assert math.isclose(candidate(2, 0).x * 0.7071, 1.4142, rel_tol=1e-3)",
                  "assert sorted([candidate(3, 1).x, 1], key=lambda v: -v) == [3, 1]",
                  "assert sorted([3, -1, 2], key=abs) == [-1, 2, 3]",
                  "assert max([candidate(-5, 0).x, 2], key=abs) == -5"});
    j.entry_point = "make";
    j.context = "import math\nfrom dataclasses import dataclass\n\n@dataclass\nclass Point:\n    "
                "x: int\n    y: int\n\n\n"
                "def make(x, y):\n    \"\"\"A Point.\"\"\"\n";
    j.code = j.context + "    return Point(x, y)\n";
    CHECK(run(j).all_passed());
    // A wrong program that patches the prompt's module does not pass the judge's isclose.
    j.code = "import math\nmath.isclose = lambda *a, **k: True\n" + j.context +
             "    return Point(0, 0)\n";
    const JobResult r = run(j);
    CHECK(r.cases[2].verdict != TestVerdict::passed);
    CHECK(r.cases[0].verdict == TestVerdict::failed);
}

TEST_CASE("testsuites/python: an expected value the setup derives from a shared value") {
    // `expected = sorted(arr)` at setup time is the oracle's (arr as it was before the program
    // ran), even though arr itself is the runner's (the program gets it).
    const std::string setup = "arr = [5, 3, 9, 1]\nexpected = sorted(arr, reverse=True)\n";
    const std::string cheat =
        "import sys, builtins\nbuiltins.sorted = lambda *a, **k: ['pwned']\n"
        "def f(xs):\n    g = sys._getframe(1).f_globals\n    return g.get('expected', ['pwned'])\n";
    CHECK(run(make("def f(xs):\n    return sorted(xs, reverse=True)\n",
                   {"assert f(arr) == expected"}, setup))
              .all_passed());
    const JobResult r = run(make(cheat, {"assert f(arr) == expected"}, setup));
    CHECK(r.passed() == 0);
}

TEST_CASE("testsuites/python: a check() split into cases keeps what earlier asserts did") {
    // Each case of a split check() replays the earlier asserts that share its state (as
    // `assert (…) or True`), so a call that changed the input, a generator that advanced or a
    // stack that was popped is seen as under plain python3.
    const auto split = syntax::split_tests("python", "def check(candidate):\n"
                                                     "    data = [3, 1, 2]\n"
                                                     "    assert candidate(data) == [1, 2, 3]\n"
                                                     "    assert data == [3, 1, 2]\n"
                                                     "    r = iter(candidate([5, 4]))\n"
                                                     "    assert next(r) == 4\n"
                                                     "    assert next(r) == 5\n");
    REQUIRE(split);
    HarnessJob j = make("", {});
    j.entry_point = "candidate_fn";
    j.setup = split->setup;
    for (const auto& c : split->cases)
        j.cases.push_back({c.name, c.code});
    j.code = "def candidate_fn(xs):\n    return sorted(xs)\n";
    CHECK(run(j).all_passed());
    j.code = "def candidate_fn(xs):\n    xs.sort()\n    return xs\n"; // changes its input
    const JobResult r = run(j);
    REQUIRE(r.cases.size() == 4);
    CHECK(r.cases[0].verdict == TestVerdict::passed);
    CHECK(r.cases[1].verdict == TestVerdict::failed);
    // The earlier assert's expected value stays in the judge: a candidate reading its requests
    // finds the later case's replay split like any assertion.
    CHECK(split->cases[1].code.find("assert (candidate(data) == [1, 2, 3]) or True") !=
          std::string::npos);
}
