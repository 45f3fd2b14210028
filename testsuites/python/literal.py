"""The literal judge: judges a job whose every test case is one assertion over literals and calls
(`assert candidate([1, 2]) == 3`, `assert not f('x')`, `assert abs(candidate(2.0) - 0.5) < 1e-6`)
without running any test code.

The judge runs arbitrary test code, so a fresh judge is forked for every job and its process
thrown away. Cases of this shape need no test code: this module walks each assertion's syntax
tree itself, builds literals afresh for every job, looks names up in the same namespace the
judge builds (the candidate's functions are the judge's proxies, builtins cannot be shadowed),
calls only the candidate's proxies and a fixed set of builtins that compute on the values they
are given, compares with Python's own operators and reports with the judge's messages. Nothing
of the tests and nothing of the candidate runs here, so one process serves every such job of
its slot without forking (`zygote.py literal`), in a jail of its own. Anything else (a
statement, an attribute, a lambda, a call of any other builtin, a setup that does more than
bind literals and define or import names the cases do not use) is declined before the runner is
touched, and the supervisor hands the job to the judge.
"""

import ast
import builtins
import json
import operator
import os
import resource
import sys
import time

from channel import read_all
from judge import Judge, Link, _short

# Builtins a case may call: they compute on the values they are given and reach a candidate's
# object only through its proxy.
CALLABLE_BUILTINS = frozenset((
    "abs", "all", "any", "bool", "dict", "float", "frozenset", "int", "isinstance", "len", "list",
    "max", "min", "repr", "round", "set", "sorted", "str", "sum", "tuple"))
# Builtins a case may name without calling (types, for isinstance and the like).
BUILTIN_VALUES = frozenset((
    "bool", "bytes", "complex", "dict", "float", "frozenset", "int", "list", "set", "str", "tuple",
    "type"))
MAX_NODES = 4000             # per case
MAX_DEPTH = 64               # nesting of a case's expressions
MAX_CODE = 64 * 1024         # characters per case
MAX_FOLDED_INT = 10 ** 18    # literal operands of arithmetic between literals
CACHE_SIZE = 512             # plans kept, by test source

UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
         ast.Invert: operator.invert}
BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
           ast.IsNot: operator.is_not, ast.In: lambda a, b: a in b,
           ast.NotIn: lambda a, b: a not in b}
CONSTANT_TYPES = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))


class Declined(Exception):
    """The tests are not all literal assertions: the judge has to run them."""


def _is_number(node, depth=0):
    """A numeric literal (an int bounded by MAX_FOLDED_INT, or a float), possibly signed."""
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
        depth += 1
    if depth > MAX_DEPTH:
        return False
    if isinstance(node, ast.BinOp):
        return (type(node.op) in BINARY and _is_number(node.left, depth + 1)
                and _is_number(node.right, depth + 1))
    return (isinstance(node, ast.Constant) and type(node.value) in (int, float)
            and (type(node.value) is float or abs(node.value) < MAX_FOLDED_INT))


class _Checker:
    """Whether an expression may be evaluated here (see the module's docstring)."""

    def __init__(self, unusable):
        self.unusable = unusable  # names the setup binds to something other than a literal
        self.nodes = 0
        self.depth = 0

    def expression(self, node, called=False):
        self.nodes += 1
        if self.nodes > MAX_NODES or self.depth > MAX_DEPTH:
            return False
        self.depth += 1
        try:
            return self._expression(node, called)
        finally:
            self.depth -= 1

    def _expression(self, node, called):
        kind = type(node)
        if kind is ast.Constant:
            return isinstance(node.value, CONSTANT_TYPES)
        if kind is ast.Name:
            if node.id in self.unusable:
                return False
            if hasattr(builtins, node.id):
                return node.id in (CALLABLE_BUILTINS if called else BUILTIN_VALUES)
            return True  # the candidate's name, or a NameError, as in the judge
        if kind in (ast.List, ast.Tuple, ast.Set):
            return all(not isinstance(e, ast.Starred) and self.expression(e) for e in node.elts)
        if kind is ast.Dict:
            return all(k is not None and self.expression(k) and self.expression(v)
                       for k, v in zip(node.keys, node.values))
        if kind is ast.UnaryOp:
            return type(node.op) in UNARY and self.expression(node.operand)
        if kind is ast.BinOp:
            # Arithmetic between numeric literals, a number added to or taken from a value
            # (`abs(candidate(x) - 0.5)`), or joined strings: nothing that can grow without bound.
            if type(node.op) not in BINARY:
                return False
            if _is_number(node):
                return True
            if isinstance(node.op, (ast.Add, ast.Sub)) and (_is_number(node.left)
                                                             or _is_number(node.right)):
                return self.expression(node.left) and self.expression(node.right)
            return (isinstance(node.op, ast.Add) and all(
                isinstance(side, ast.Constant) and type(side.value) is str
                for side in (node.left, node.right)))
        if kind is ast.BoolOp:
            return all(self.expression(v) for v in node.values)
        if kind is ast.Compare:
            return (all(type(op) in COMPARE for op in node.ops) and self.expression(node.left)
                    and all(self.expression(c) for c in node.comparators))
        if kind is ast.Call:
            return (isinstance(node.func, ast.Name) and self.expression(node.func, called=True)
                    and all(not isinstance(a, ast.Starred) and self.expression(a)
                            for a in node.args)
                    and all(k.arg is not None and self.expression(k.value)
                            for k in node.keywords))
        if kind is ast.Subscript:
            return self.expression(node.value) and self.expression(node.slice)
        if kind is ast.Slice:
            return all(part is None or self.expression(part)
                       for part in (node.lower, node.upper, node.step))
        return False


def _evaluate(node, ns):
    """The value of an expression _Checker accepted, in Python's order of evaluation."""
    kind = type(node)
    if kind is ast.Constant:
        return node.value
    if kind is ast.Name:
        if node.id in ns:
            return ns[node.id]
        if hasattr(builtins, node.id):
            return getattr(builtins, node.id)
        raise NameError("name %r is not defined" % node.id)
    if kind is ast.List:
        return [_evaluate(e, ns) for e in node.elts]
    if kind is ast.Tuple:
        return tuple([_evaluate(e, ns) for e in node.elts])
    if kind is ast.Set:
        return {_evaluate(e, ns) for e in node.elts}
    if kind is ast.Dict:
        result = {}
        for key, value in zip(node.keys, node.values):
            k = _evaluate(key, ns)
            result[k] = _evaluate(value, ns)
        return result
    if kind is ast.UnaryOp:
        return UNARY[type(node.op)](_evaluate(node.operand, ns))
    if kind is ast.BinOp:
        left = _evaluate(node.left, ns)
        return BINARY[type(node.op)](left, _evaluate(node.right, ns))
    if kind is ast.BoolOp:
        value = None
        for part in node.values:
            value = _evaluate(part, ns)
            if (not value) if isinstance(node.op, ast.And) else value:
                return value
        return value
    if kind is ast.Compare:
        left = _evaluate(node.left, ns)
        result = True
        for op, comparator in zip(node.ops, node.comparators):
            right = _evaluate(comparator, ns)
            result = COMPARE[type(op)](left, right)
            if not result:
                return result
            left = right
        return result
    if kind is ast.Call:
        function = _evaluate(node.func, ns)
        args = [_evaluate(a, ns) for a in node.args]
        kwargs = {k.arg: _evaluate(k.value, ns) for k in node.keywords}
        return function(*args, **kwargs)
    if kind is ast.Subscript:
        value = _evaluate(node.value, ns)
        return value[_evaluate(node.slice, ns)]
    if kind is ast.Slice:
        return slice(*[None if part is None else _evaluate(part, ns)
                       for part in (node.lower, node.upper, node.step)])
    raise TypeError("not a literal expression")  # _Checker accepted nothing else


def _segment(code, node):
    """The source of `node`, as the judge's rewriting quotes it."""
    data = code.encode("utf-8")
    offsets = [0]
    for line in code.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    start = offsets[node.lineno - 1] + node.col_offset
    end = offsets[node.end_lineno - 1] + node.end_col_offset
    return data[start:end].decode("utf-8", "replace")


class Assertion:
    """One case: `assert test[, message]`, evaluated as the judge would run it."""

    def __init__(self, code, node):
        self.test = node.test
        self.message = node.msg
        # The judge explains `assert a == b` (no message) with both sides.
        self.explained = (node.msg is None and isinstance(node.test, ast.Compare)
                          and len(node.test.ops) == 1 and isinstance(node.test.ops[0], ast.Eq))
        self.source = _segment(code, node) if self.explained else ""

    def __call__(self, ns):
        if self.explained:
            actual = _evaluate(self.test.left, ns)
            expected = _evaluate(self.test.comparators[0], ns)
            if not actual == expected:
                raise AssertionError("%s\n  actual:   %s\n  expected: %s"
                                     % (self.source, _short(actual), _short(expected)))
            return
        if not _evaluate(self.test, ns):
            if self.message is None:
                raise AssertionError()
            raise AssertionError(_evaluate(self.message, ns))


class Setup:
    """The tests' setup: literal bindings to make, evaluated afresh for every job."""

    def __init__(self, bindings):
        self.bindings = bindings

    def __call__(self, ns):
        for name, node in self.bindings:
            ns[name] = _evaluate(node, ns)


def plan_setup(code):
    """(Setup, names the cases may not use), or raises Declined. A setup may bind literals,
    define functions without defaults or decorators (only defining them: the cases may not call
    them), and import modules this process already has."""
    try:
        tree = ast.parse(code, "<test>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise Declined() from None
    bindings, unusable = [], set()
    for statement in tree.body:
        kind = type(statement)
        if kind is ast.Pass or (kind is ast.Expr and isinstance(statement.value, ast.Constant)):
            continue
        if (kind is ast.Assign and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and _Checker(unusable).expression(statement.value)
                and not any(isinstance(n, ast.Call) for n in ast.walk(statement.value))):
            bindings.append((statement.targets[0].id, statement.value))
            continue
        if kind is ast.FunctionDef and not statement.decorator_list and not statement.returns:
            arguments = statement.args
            every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
            if (not arguments.defaults and not any(arguments.kw_defaults)
                    and not any(a.annotation for a in every)
                    and not (arguments.vararg and arguments.vararg.annotation)
                    and not (arguments.kwarg and arguments.kwarg.annotation)):
                unusable.add(statement.name)
                continue
        if kind is ast.Import and all(alias.name in sys.modules for alias in statement.names):
            unusable.update((alias.asname or alias.name).split(".")[0]
                            for alias in statement.names)
            continue
        if (kind is ast.ImportFrom and statement.level == 0 and statement.module in sys.modules
                and all(alias.name != "*"
                        and hasattr(sys.modules[statement.module], alias.name)
                        for alias in statement.names)):
            unusable.update(alias.asname or alias.name for alias in statement.names)
            continue
        raise Declined()
    return Setup(bindings), frozenset(unusable)


def plan_case(code, unusable):
    """The case as an Assertion, or raises Declined."""
    if len(code) > MAX_CODE:
        raise Declined()
    try:
        tree = ast.parse(code, "<test>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise Declined() from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        raise Declined()
    node = tree.body[0]
    checker = _Checker(unusable)
    if not checker.expression(node.test) or not (node.msg is None
                                                  or checker.expression(node.msg)):
        raise Declined()
    return Assertion(code, node)


class LiteralJudge(Judge):
    """The judge's run, with each case evaluated by an Assertion instead of exec."""

    plans = {}  # (setup, case codes) -> (Setup, [Assertion]); plans hold no values

    def precompile(self):
        key = (self.job.get("setup") or "", tuple(case["code"] for case in self.job["cases"]))
        plan = self.plans.get(key)
        if plan is None:
            setup, unusable = plan_setup(key[0])
            plan = (setup if setup.bindings else None,
                    [plan_case(code, unusable) for code in key[1]])
            if len(self.plans) >= CACHE_SIZE:
                self.plans.clear()
            self.plans[key] = plan
        self.setup_code, self.compiled = plan

    def execute(self, compiled, ns):
        compiled(ns)

    def run_case(self, index, code, ns):
        # Assertions write nothing into the namespace, and already explain a failing `==`.
        return self.attempt(code, self.compiled[index], ns)


def run_job(job, fds):
    """Judges one job in this process: the zygote's reply for it, `declined` when the tests are
    not literal assertions (then nothing was read from the runner or written to the results)."""
    tests_fd, result_fd, channel_fd = fds
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_SELF)
    deadline = started + int(job.get("wall_ms", 10000)) / 1000.0
    clean = True
    try:
        tests = json.loads(read_all(tests_fd, from_start=True))
        judge = LiteralJudge(tests, result_fd, Link(channel_fd, deadline - 0.05))
        try:
            judge.precompile()  # run() finds the plan cached
        except Declined:
            return {"done": False, "declined": True, "clean": True}
        judge.run()
    except BaseException:  # noqa: B036 - a bug here must not end the process mid-slot
        clean = False  # the supervisor replaces this jail; the job lacks its `done` line
    finally:
        for fd in fds:
            os.close(fd)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "done": True,
        "role": "literal",
        "clean": clean,
        "child": {"state": "exited", "code": 0},
        "timed_out": False,
        "output_limit": False,
        "cpu_ms": round(cpu * 1000),
        "wall_ms": round((time.monotonic() - started) * 1000, 3),
        "peak_rss_kb": 0,
        "phases_ms": {"judge": round((time.monotonic() - started) * 1000, 3)},
        "stdout": {"text": "", "total": 0},
        "stderr": {"text": "", "total": 0},
    }
