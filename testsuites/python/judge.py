"""The judge: decides every test case of a job, and runs no test code and no candidate code.

The judge model (see SECURITY.md): for each assertion the judge keeps the side it can compute
itself (literals, names the setup binds to literals, arithmetic on numbers, comparisons, a fixed
set of builtins and `math` functions that compute only on the values given to them), hands the
test's other own expressions (`'cba'.upper()`, a setup helper) to the oracle, a child that never
sees the candidate, and asks the runner, in the candidate's process, for what needs the
candidate, as expressions evaluated natively there (`candidate([3, 1, 2])`, or `x` after a call
changed it in place). Only values come back, in the
channel's canonical encoding, rebuilt here as values of the same builtin or standard types; the
comparison happens here. So expected values never enter the candidate's process, and whatever
the candidate returns is compared by the standard library's own code, never the candidate's.

A case that is not a sequence of simple statements (a loop, try/except, a definition) runs
whole in the runner; it decides its own result only (the judge reads one reply per request, in
order, and asks for the next case itself). Requests that do not depend on an earlier answer go
to the runner in one frame before the program has even loaded; the rest are asked one at a time.

Results go to the result descriptor, which the runner never had, each line tagged with the
run's nonce. Nothing of one job outlives it here: plans (syntax only) are kept, values are not,
so one process judges every job of its slot (`zygote.py judge`); it forks only the oracle.
"""

import ast
import builtins
import json
import math
import operator
import os
import resource
import time

from channel import (ChannelClosed, ChannelTimeout, FrameReader, ProtocolError, decode,
                     encode_value, read_all, write_frame)
from runner import bind_context, describe_exception, prompt_stub
from segments import Source

MESSAGE_LIMIT = 2000
FLUSH_SECONDS = 0.05
MAX_NODES = 4000             # per statement the judge evaluates itself
MAX_DEPTH = 64               # nesting of what the judge evaluates itself
MAX_FOLDED_INT = 10 ** 18    # operands of arithmetic between literals
CACHE_SIZE = 512             # plans kept, by test source

# Builtins the judge calls: they compute on the values they are given, which are plain data.
CALLABLE_BUILTINS = frozenset((
    "abs", "all", "any", "bool", "dict", "float", "frozenset", "int", "isinstance", "len", "list",
    "max", "min", "repr", "round", "set", "sorted", "str", "sum", "tuple"))
# Builtins the judge may name without calling (types, and constants).
BUILTIN_VALUES = frozenset((
    "bool", "bytes", "complex", "dict", "float", "frozenset", "int", "list", "set", "str", "tuple",
    "type", "None", "True", "False"))
# Functions of modules the judge may call, and the modules a test may import for them.
MODULE_FUNCTIONS = {"math": frozenset(("isclose", "fabs", "floor", "ceil", "sqrt", "isnan",
                                       "isinf", "isfinite", "trunc"))}
JUDGE_MODULES = {"math": math}

UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
         ast.Invert: operator.invert}
BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
           ast.IsNot: operator.is_not, ast.In: lambda a, b: a in b,
           ast.NotIn: lambda a, b: a not in b}
CONSTANT_TYPES = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))
# Builtins that read or change the namespace they run in: never the oracle's (it has not the
# tests' namespace).
DYNAMIC_BUILTINS = frozenset(("eval", "exec", "compile", "globals", "locals", "vars", "dir",
                              "__import__", "input", "open", "breakpoint", "help"))
SIMPLE_STATEMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Import,
                     ast.ImportFrom, ast.Pass, ast.Delete)


# The harness's own exceptions derive from BaseException: nothing a case does may look like them.
class RunnerDied(BaseException):
    """The runner exited or broke the protocol; later cases cannot run."""


class CaseTimeout(BaseException):
    """The run's time ran out while a case was waiting for the runner."""


class CandidateRaised(BaseException):
    """What the runner evaluated raised: the case ends here, as it would under plain python3."""

    def __init__(self, info):
        super().__init__()
        self.info = info if isinstance(info, dict) else {}


# ---- planning: which part of each case the judge computes, and what the runner is asked ------

class Remote(ast.expr):
    """An expression the judge does not compute itself. `where` is "runner" (it needs the
    candidate: evaluated natively next to it; `index` orders it among the case's requests) or
    "oracle" (test code alone: evaluated in a child of the judge that never sees the candidate;
    `index` is its place among the job's oracle expressions). `names`: the names it uses."""
    _fields = ()

    def __init__(self, source, where, names):
        super().__init__()
        self.source = source
        self.where = where
        self.names = names
        self.index = 0


def _is_number(node, depth=0):
    """A numeric literal (an int bounded by MAX_FOLDED_INT, or a float), possibly signed, or
    arithmetic between such."""
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


def names_in(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def free_names(node):
    """The names `node` reads from outside (not the targets its comprehensions and lambdas
    bind)."""
    bound = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            bound.add(n.id)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
    return names_in(node) - bound


class Planner:
    """Splits the statements of one case given the names the judge can resolve itself
    (`local`: names bound to values the judge computed; `modules`: modules it may use)."""

    def __init__(self, local, modules, shadowed, oracle=frozenset(), test_names=frozenset()):
        self.local = local
        self.modules = modules
        self.shadowed = shadowed  # builtin names the tests rebind (the entry point's name)
        self.oracle = oracle      # names the oracle resolves: the setup's and the prompt's
        self.test_names = test_names  # names the test itself binds (setup, prompt, the case)
        self.nodes = 0

    def program_side(self, leaf):
        """Whether a runner Remote depends on the program: it uses the entry point or a name
        neither the test nor builtins define (one of the program's own)."""
        return any(name in self.shadowed or (name not in self.test_names
                                             and not hasattr(builtins, name))
                   for name in leaf.names)

    def native(self, parts, identity=False):
        """Whether a comparison (or container) of these split parts runs natively in the
        runner: nothing of the test's on any side. Identity is native whenever every side
        lives in the runner; any other comparison only when every side is the program's own,
        so that no object of the candidate's is ever compared with the test's values there."""
        if not parts or not all(type(p) is Remote and p.where == "runner" for p in parts):
            return False
        return identity or all(self.program_side(p) for p in parts)

    # -- what the judge evaluates itself

    def builtin(self, name, called):
        return (name not in self.local and name not in self.shadowed and hasattr(builtins, name)
                and name in (CALLABLE_BUILTINS if called else BUILTIN_VALUES))

    def function(self, node):
        """Whether the judge may call `node`: an allowed builtin, or an allowed module function."""
        if isinstance(node, ast.Name):
            return self.builtin(node.id, called=True) or (
                self.local.get(node.id) == "function")
        return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and self.modules.get(node.value.id) in MODULE_FUNCTIONS
                and node.attr in MODULE_FUNCTIONS[self.modules[node.value.id]])

    def function_value(self, node):
        """A function passed as a value (`key=lambda v: -v`, `key=abs`): the call that takes it
        runs where the function can run, not in the judge."""
        if isinstance(node, ast.Lambda):
            return True
        return (isinstance(node, ast.Name) and node.id not in self.local
                and hasattr(builtins, node.id) and node.id not in BUILTIN_VALUES)

    def evaluable(self, node, depth=0):
        """The judge computes `node` entirely itself."""
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            return False
        kind = type(node)
        depth += 1
        if kind is ast.Constant:
            return isinstance(node.value, CONSTANT_TYPES)
        if kind is ast.Name:
            return node.id in self.local or self.builtin(node.id, called=False)
        if kind in (ast.List, ast.Tuple, ast.Set):
            return all(not isinstance(e, ast.Starred) and self.evaluable(e, depth) for e in node.elts)
        if kind is ast.Dict:
            return all(k is not None and self.evaluable(k, depth) and self.evaluable(v, depth)
                       for k, v in zip(node.keys, node.values))
        if kind is ast.UnaryOp:
            return type(node.op) in UNARY and self.evaluable(node.operand, depth)
        if kind is ast.BinOp:
            # Arithmetic between numeric literals, or joined string literals: nothing that can
            # grow without bound.
            if _is_number(node):
                return True
            return (isinstance(node.op, ast.Add) and all(
                isinstance(side, ast.Constant) and type(side.value) is str
                for side in (node.left, node.right)))
        if kind is ast.BoolOp:
            return all(self.evaluable(v, depth) for v in node.values)
        if kind is ast.Compare:
            return (all(type(op) in COMPARE for op in node.ops) and self.evaluable(node.left, depth)
                    and all(self.evaluable(c, depth) for c in node.comparators))
        if kind is ast.Call:
            if isinstance(node.func, ast.Name) and node.func.id == "type" and (
                    len(node.args) != 1 or node.keywords):
                return False
            return (self.function(node.func)
                    and all(not isinstance(a, ast.Starred) and self.evaluable(a, depth)
                            for a in node.args)
                    and all(k.arg is not None and self.evaluable(k.value, depth)
                            for k in node.keywords))
        if kind is ast.Subscript:
            return self.evaluable(node.value, depth) and self.evaluable(node.slice, depth)
        if kind is ast.Slice:
            return all(part is None or self.evaluable(part, depth)
                       for part in (node.lower, node.upper, node.step))
        return False

    # -- splitting an expression between the judge and the runner

    def split(self, node, source, remotes, conditional, depth=0):
        """`node` with every part the judge cannot compute replaced by a Remote. `remotes`
        collects (Remote, conditional) in evaluation order."""
        self.nodes = 0
        if self.evaluable(node):
            return node
        if depth > MAX_DEPTH:
            return self.remote(node, source, remotes, conditional)
        kind = type(node)
        split = lambda part, cond: self.split(part, source, remotes, cond, depth + 1)  # noqa: E731
        if kind is ast.Compare and all(type(op) in COMPARE for op in node.ops):
            start = len(remotes)
            parts = [split(node.left, conditional),
                     split(node.comparators[0], conditional)]
            parts += [split(c, True) for c in node.comparators[1:]]
            identity = all(type(op) in (ast.Is, ast.IsNot) for op in node.ops)
            if self.native(parts, identity):
                # The program's own comparison (`make(1, 2) == Point(1, 2)`, `f(x) is x`):
                # native, as under python3.
                del remotes[start:]
                return self.remote(node, source, remotes, conditional)
            return ast.Compare(left=parts[0], ops=node.ops, comparators=parts[1:])
        if kind is ast.BoolOp:
            values = [split(node.values[0], conditional)]
            values += [split(v, True) for v in node.values[1:]]
            return ast.BoolOp(op=node.op, values=values)
        if kind is ast.UnaryOp and type(node.op) in UNARY:
            return ast.UnaryOp(op=node.op, operand=split(node.operand, conditional))
        if (kind is ast.BinOp and isinstance(node.op, (ast.Add, ast.Sub))
                and (_is_number(node.left) or _is_number(node.right))):
            # `candidate(x) - 0.5`: the tolerance stays here.
            return ast.BinOp(left=split(node.left, conditional), op=node.op,
                             right=split(node.right, conditional))
        if (kind is ast.Call and self.function(node.func)
                and all(not isinstance(a, ast.Starred) for a in node.args)
                and all(k.arg is not None for k in node.keywords)
                and not (isinstance(node.func, ast.Name) and node.func.id == "isinstance"
                         and not (len(node.args) == 2 and self.evaluable(node.args[1])))
                and not (isinstance(node.func, ast.Name) and node.func.id == "type"
                         and (len(node.args) != 1 or node.keywords))
                and not any(self.function_value(part)
                            for part in node.args + [k.value for k in node.keywords])):
            # (`isinstance(x, Mine)` with a class of the program's is the program's own.)
            # `isclose(candidate(x), 1.5)`, `len(candidate(x))`: the judge's builtins on the
            # candidate's values (the runner's builtins are the candidate's to patch).
            args = [split(a, conditional) for a in node.args]
            keywords = [ast.keyword(arg=k.arg, value=split(k.value, conditional))
                        for k in node.keywords]
            return ast.Call(func=node.func, args=args, keywords=keywords)
        if kind in (ast.List, ast.Tuple, ast.Set) and not any(isinstance(e, ast.Starred)
                                                               for e in node.elts):
            start = len(remotes)
            elts = [split(e, conditional) for e in node.elts]
            if self.native(elts):
                del remotes[start:]  # all the program's: built natively, like any expression
                return self.remote(node, source, remotes, conditional)
            return kind(elts=elts, ctx=ast.Load())
        if kind is ast.IfExp:
            return ast.IfExp(test=split(node.test, conditional),
                             body=split(node.body, True),
                             orelse=split(node.orelse, True))
        return self.remote(node, source, remotes, conditional)

    def remote(self, node, source, remotes, conditional):
        """A Remote for `node`: the oracle's when it uses only names of the setup, the prompt and
        builtins (nothing of the candidate's), else the runner's."""
        names = free_names(node)
        where = "oracle" if all(
            (name in self.oracle or (hasattr(builtins, name) and name not in self.local
                                     and name not in DYNAMIC_BUILTINS))
            and name not in self.shadowed for name in names) else "runner"
        leaf = Remote(source(node), where, names)
        remotes.append((leaf, conditional))
        return leaf


class Step:
    """One statement of a case: `bind` (the judge binds a name to a value it computes, or the
    oracle does), `run` (the runner executes the statement; an import of a module the judge may
    use also binds the judge's own copy, `binds`), `check` (an assertion, split)."""

    __slots__ = ("kind", "name", "node", "code", "message", "explained", "remotes", "source",
                 "sync", "binds", "names")

    def __init__(self, kind, **fields):
        self.kind = kind
        self.name = self.node = self.code = self.message = self.source = None
        self.explained = False
        self.binds = {}
        self.names = set()
        self.remotes = []
        self.sync = False
        for key, value in fields.items():
            setattr(self, key, value)


class CasePlan:
    """The steps of one case, and the requests the runner can be sent before any answer."""

    def __init__(self, code, steps, whole):
        self.code = code
        self.steps = steps
        self.whole = whole
        self.requests = []      # every request, in order: ("eval", source) or ("exec", code)
        self.prefetch = 0       # how many of them go ahead in one frame
        self.runner_names = set()
        self.imports = []       # the case's imports, which the oracle runs too
        blocked = False
        for step in steps:
            if step.kind == "run":
                self.requests.append(("exec", step.code))
                self.runner_names |= step.names
                if not blocked:
                    self.prefetch = len(self.requests)
            elif step.kind == "check":
                for leaf, conditional in step.remotes:
                    if leaf.where != "runner":
                        continue
                    leaf.index = len(self.requests)
                    self.requests.append(("eval", leaf.source))
                    self.runner_names |= leaf.names
                    blocked = blocked or conditional
                    if not blocked:
                        self.prefetch = len(self.requests)
            if step.sync:
                blocked = True  # what follows waits for this step's outcome


def _bindings(statement):
    """The names a simple assignment binds, or None when it binds anything but plain names."""
    if isinstance(statement, ast.Assign):
        names = []
        for target in statement.targets:
            if not isinstance(target, ast.Name):
                return None
            names.append(target.id)
        return names
    return None


def whole_case(code, tree=None):
    """A case that runs whole in the runner."""
    names = names_in(tree) if tree is not None else set()
    return CasePlan(code, [Step("run", code=code, names=names)], whole=True)


def plan_case(code, local, modules, shadowed, force_remote, oracle, test_names=frozenset()):
    """A CasePlan for one case. `local` maps names the judge resolves at the start of the case
    to "value" or "function", `modules` aliases to module names; names in `force_remote` are
    never the judge's; `oracle`: the names the oracle resolves. A name the case binds that a
    runner request uses is the runner's."""
    try:
        tree = ast.parse(code, "<test>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return whole_case(code)
    if not all(isinstance(s, SIMPLE_STATEMENTS + (ast.Assert,)) for s in tree.body):
        return whole_case(code, tree)
    own_remote = set(force_remote)
    while True:
        plan = _plan_statements(code, tree, dict(local), dict(modules), shadowed, own_remote,
                                oracle - own_remote, test_names)
        clash = {step.name for step in plan.steps
                 if step.kind == "bind" and step.name in plan.runner_names}
        if not clash:
            return plan
        own_remote |= clash


def _plan_statements(code, tree, local, modules, shadowed, force_remote, oracle, test_names):
    source = Source(code)
    steps = []
    imports = []
    bound = set()  # names this case binds: never the oracle's
    oracle = set(oracle)
    case_names = top_level_names(tree.body)
    derived = set()  # names the case binds to what the program computed: the program's
    for statement in tree.body:
        planner = Planner(local, modules, shadowed, oracle - bound,
                          (test_names | case_names) - derived)
        names = _bindings(statement)
        if (names and len(names) == 1 and names[0] not in force_remote
                and planner.evaluable(statement.value)):
            may_fail = any(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod))
                           for n in ast.walk(statement.value))
            steps.append(Step("bind", name=names[0], node=statement.value, sync=may_fail))
            local[names[0]] = "value"
            bound.add(names[0])
            continue
        if names and len(names) == 1 and names[0] not in force_remote:
            # `expected = "abc".upper()`: the test's own value, from the oracle, bound here.
            remotes = []
            leaf = planner.remote(statement.value, source, remotes, False)
            if leaf.where == "oracle":
                steps.append(Step("bind", name=names[0], node=leaf, remotes=remotes, sync=True))
                local[names[0]] = "value"
                bound.add(names[0])
                continue
        if isinstance(statement, ast.Assert):
            remotes = []
            test = planner.split(statement.test, source, remotes, False)
            message = None
            if statement.msg is not None and Planner(local, modules, shadowed).evaluable(statement.msg):
                message = statement.msg
            explained = (statement.msg is None and isinstance(statement.test, ast.Compare)
                         and len(statement.test.ops) == 1 and isinstance(statement.test.ops[0], ast.Eq))
            steps.append(Step("check", node=test, message=message, explained=explained,
                              remotes=remotes, source=source(statement), sync=True))
            continue
        given = _learn_imports(statement, local, modules, force_remote)
        if isinstance(statement, (ast.Import, ast.ImportFrom)) and statement.level == 0 if isinstance(statement, ast.ImportFrom) else isinstance(statement, ast.Import):
            imports.append(source(statement))  # the oracle imports it too: the names are its
            oracle |= top_level_names([statement])
        else:
            bound |= top_level_names([statement])
            if any(name in shadowed or name in derived
                   or (name not in test_names | case_names and not hasattr(builtins, name))
                   for name in free_names(statement)):
                derived |= top_level_names([statement])
        steps.append(Step("run", code=source(statement), binds=given, names=names_in(statement)))
    plan = CasePlan(code, steps, whole=False)
    plan.imports = imports
    return plan


def top_level_names(body):
    """The names a module body binds at its top level (not inside functions or classes)."""
    names = set()
    pending = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        pending.extend(ast.iter_child_nodes(node))
    return names


def prompt_names(context, entry):
    """The names a problem's prompt defines and does not leave to the candidate."""
    if not context:
        return set()
    try:
        tree = ast.parse(context, "<prompt>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    body = [node for node in tree.body
            if not (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and (node.name == entry or prompt_stub(node)))
            and not isinstance(node, ast.ClassDef)]  # the types the program returns are its own
    return top_level_names(body) - {entry}


def _literal_pairs(statement):
    """[(name, value node)] of `a, b = x, y` (names on the left, as many values on the right, no
    starred item); None for any other statement."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return None
    target, value = statement.targets[0], statement.value
    if not (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and all(isinstance(t, ast.Name) for t in target.elts)
            and not any(isinstance(v, ast.Starred) for v in value.elts)):
        return None
    names = [t.id for t in target.elts]
    if len(set(names)) != len(names) or set(names) & set().union(*map(free_names, value.elts)):
        return None
    return list(zip(names, value.elts))


def runner_kept(statement, needed):
    """Whether the runner runs this setup statement: it binds a name the runner needs, or binds
    nothing (a side effect)."""
    bound = top_level_names([statement])
    return not bound or bool(bound & needed)


def runner_needs(tree, used):
    """(the names the runner needs from the setup: those its requests use, and what the setup
    statements that bind them use in turn; those statements, in order). A statement before the
    last one kept that uses a module is kept too: a module may hold state the later ones read
    (`random.seed(0)`, then a line drawing numbers the test does not use, then the input)."""
    needed = set(used)
    kept = []
    if tree is None:
        return needed, kept
    modules = set()
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            modules |= top_level_names([statement])
    for statement in reversed(tree.body):
        stateful = kept and bool(free_names(statement) & modules) and not isinstance(
            statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if runner_kept(statement, needed) or stateful:
            needed |= free_names(statement)
            kept.append(statement)
    return needed, kept[::-1]


def _judge_import(statement):
    """What an import gives the judge: {name: ("module", module) or ("function", function)} for
    the modules and functions of MODULE_FUNCTIONS (the judge's own copies)."""
    out = {}
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.name in MODULE_FUNCTIONS:
                out[alias.asname or alias.name] = ("module", JUDGE_MODULES[alias.name])
    elif (isinstance(statement, ast.ImportFrom) and statement.level == 0
          and statement.module in MODULE_FUNCTIONS):
        for alias in statement.names:
            if alias.name in MODULE_FUNCTIONS[statement.module]:
                out[alias.asname or alias.name] = (
                    "function", getattr(JUDGE_MODULES[statement.module], alias.name))
    return out


def _learn_imports(statement, local, modules, force_remote):
    """After `statement` ran: names it rebinds are no longer the judge's, except the modules and
    functions the judge may use, which it binds to its own copies. Returns those bindings."""
    for name in top_level_names([statement]):
        local.pop(name, None)
        modules.pop(name, None)
    given = {}
    for name, (kind, value) in _judge_import(statement).items():
        if name in force_remote:
            continue
        if kind == "module":
            modules[name] = value.__name__
        else:
            local[name] = "function"
        given[name] = value
    return given


class JobPlan:
    """Plans for every case of a job, the setup split between the judge and the runner, and the
    prompt's code when a runner request uses a name it defines."""

    def __init__(self, tests):
        self.entry = str(tests.get("entry_point") or "")
        setup = tests.get("setup") or ""
        cases = [str(case.get("code", "")) for case in tests["cases"]]
        context = tests.get("context") or ""
        self.oracles, self.oracle_setup, self.oracle_context = [], setup, context
        try:
            self.prompt_imports = [node for node in ast.parse(context, "<prompt>", "exec").body
                                   if isinstance(node, (ast.Import, ast.ImportFrom))] if context else []
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.prompt_imports = []
        if tests.get("split") is False:
            self.setup_binds, self.setup_given, self.context, self.runner_setup = [], {}, context, setup
            self.cases = [whole_case(code) for code in cases]
            return
        shadowed = {self.entry, "candidate"}
        try:
            setup_tree = ast.parse(setup, "<test>", "exec") if setup else ast.Module(body=[], type_ignores=[])
            setup_source = Source(setup)
            if any(_literal_pairs(statement) for statement in setup_tree.body):
                # `inp, out = "abc", "ABC"` as two bindings, so that each goes its own way.
                lines = []
                for statement in setup_tree.body:
                    pairs = _literal_pairs(statement)
                    lines += (["%s = (%s)" % (name, setup_source(value)) for name, value in pairs]
                              if pairs else [setup_source(statement)])
                setup = "\n".join(lines)
                setup_tree, setup_source = ast.parse(setup, "<test>", "exec"), Source(setup)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            setup_tree, setup_source = None, None
        force_remote = set(shadowed)
        body = setup_tree.body if setup_tree is not None else []
        test_names = (top_level_names(body) | prompt_names(context, self.entry)) - shadowed
        imported = set()
        for statement in body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                imported |= top_level_names([statement])
        while True:
            # What the oracle can resolve: the names the prompt and the setup define from
            # builtins and each other alone, and that the runner does not use (a setup line that
            # calls the candidate, or a value the candidate's side may change, is not the
            # oracle's: the oracle's copy would not be the one the program saw).
            # The oracle runs every setup line made of builtins, the prompt's names and earlier
            # such lines (their values are the setup-time values the program saw too); its
            # expressions may use those names except the ones the runner uses, whose values
            # the candidate's side may change before the assertion reads them.
            oracle = prompt_names(context, self.entry) - shadowed
            clean = []  # the setup the oracle runs
            for statement in body:
                bound = top_level_names([statement])
                if all(name in oracle or name in bound
                       or (hasattr(builtins, name) and name not in DYNAMIC_BUILTINS)
                       for name in free_names(statement)):
                    oracle |= bound - shadowed
                    clean.append(setup_source(statement))
                else:
                    oracle -= bound
            self.oracle_setup = "\n".join(clean)
            oracle -= force_remote
            self.setup_binds, local, modules, self.setup_given = self.plan_setup(
                setup_tree, force_remote, shadowed)
            self.cases = [plan_case(code, local, modules, shadowed, force_remote,
                                    oracle - force_remote, test_names) for code in cases]
            used = set()
            for plan in self.cases:
                used |= plan.runner_names
            used, self.runner_statements = runner_needs(setup_tree, used)
            # A name the runner uses is the runner's everywhere: the judge's or the oracle's copy
            # would miss what the candidate did to it (modules excepted).
            clash = {name for name in used if (name in local or name in oracle)
                     and name not in force_remote and name not in imported}
            if not clash:
                break
            force_remote |= clash
        extra = []
        for plan in self.cases:
            extra += [line for line in plan.imports if line not in extra]
        if extra:
            self.oracle_setup = "\n".join([self.oracle_setup] + extra)
        self.runner_setup = (setup if setup_tree is None else
                             "\n".join(setup_source(s) for s in self.runner_statements))
        self.context = context if prompt_names(context, self.entry) & used else ""
        for plan in self.cases:
            for step in plan.steps:
                for leaf, _ in step.remotes:
                    if leaf.where == "oracle":
                        leaf.index = len(self.oracles)
                        self.oracles.append(leaf.source)

    def plan_setup(self, tree, force_remote, shadowed):
        """(the judge's bindings, the names the judge resolves after the setup, the modules it
        may use, the objects it binds for imports)."""
        binds, local, modules, given = [], {}, {}, {}
        # The prompt's imports (`import math` above a HumanEval function) serve the tests too.
        for statement in self.prompt_imports:
            given.update(_learn_imports(statement, local, modules, force_remote))
        if tree is None:
            return binds, local, modules, given
        # A value a later setup statement uses could be changed by it: not the judge's.
        later = [set()]
        for statement in reversed(tree.body):
            later.append(later[-1] | names_in(statement))
        later.reverse()
        for position, statement in enumerate(tree.body):
            planner = Planner(local, modules, shadowed)
            names = _bindings(statement)
            if (names and len(names) == 1 and names[0] not in force_remote
                    and names[0] not in later[position + 1]
                    and planner.evaluable(statement.value)):
                binds.append((names[0], statement.value))
                local[names[0]] = "value"
                continue
            for name in top_level_names([statement]):
                given.pop(name, None)
            given.update(_learn_imports(statement, local, modules, force_remote))
        return binds, local, modules, given


# ---- evaluating what the judge keeps ----------------------------------------------------------

def _evaluate(node, ns, ask):
    """The value of a planned expression, in Python's order of evaluation; `ask(leaf)` gets a
    Remote's value from the runner."""
    kind = type(node)
    if kind is Remote:
        return ask(node)
    if kind is ast.Constant:
        return node.value
    if kind is ast.Name:
        if node.id in ns:
            return ns[node.id]
        return getattr(builtins, node.id)
    if kind is ast.Attribute:  # a module function (Planner.function)
        return getattr(ns[node.value.id], node.attr)
    if kind is ast.List:
        return [_evaluate(e, ns, ask) for e in node.elts]
    if kind is ast.Tuple:
        return tuple([_evaluate(e, ns, ask) for e in node.elts])
    if kind is ast.Set:
        return {_evaluate(e, ns, ask) for e in node.elts}
    if kind is ast.Dict:
        result = {}
        for key, value in zip(node.keys, node.values):
            k = _evaluate(key, ns, ask)
            result[k] = _evaluate(value, ns, ask)
        return result
    if kind is ast.UnaryOp:
        return UNARY[type(node.op)](_evaluate(node.operand, ns, ask))
    if kind is ast.BinOp:
        left = _evaluate(node.left, ns, ask)
        return BINARY[type(node.op)](left, _evaluate(node.right, ns, ask))
    if kind is ast.BoolOp:
        value = None
        for part in node.values:
            value = _evaluate(part, ns, ask)
            if (not value) if isinstance(node.op, ast.And) else value:
                return value
        return value
    if kind is ast.Compare:
        left = _evaluate(node.left, ns, ask)
        result = True
        for op, comparator in zip(node.ops, node.comparators):
            right = _evaluate(comparator, ns, ask)
            result = COMPARE[type(op)](left, right)
            if not result:
                return result
            left = right
        return result
    if kind is ast.IfExp:
        if _evaluate(node.test, ns, ask):
            return _evaluate(node.body, ns, ask)
        return _evaluate(node.orelse, ns, ask)
    if kind is ast.Call:
        function = _evaluate(node.func, ns, ask)
        args = [_evaluate(a, ns, ask) for a in node.args]
        kwargs = {k.arg: _evaluate(k.value, ns, ask) for k in node.keywords}
        return function(*args, **kwargs)
    if kind is ast.Subscript:
        value = _evaluate(node.value, ns, ask)
        return value[_evaluate(node.slice, ns, ask)]
    if kind is ast.Slice:
        return slice(*[None if part is None else _evaluate(part, ns, ask)
                       for part in (node.lower, node.upper, node.step)])
    raise TypeError("not an expression the judge evaluates")  # the Planner accepted nothing else


def _short(value):
    try:
        text = repr(value)
    except ValueError:
        text = "<int of %d bits>" % value.bit_length() if isinstance(value, int) else "<unprintable>"
    except Exception:
        text = "<unprintable>"
    return text if len(text) <= 300 else text[:300] + "..."


def _candidate_message(info):
    """The message plain python3 would print for what the candidate's side raised: the
    traceback (which ends with the exception), or the exception alone when there is none."""
    trace = str(info.get("traceback", ""))
    if trace:
        return trace
    name = str(info.get("type", "Exception"))
    text = str(info.get("message", ""))
    return "%s: %s" % (name, text) if text else name


# ---- the job ----------------------------------------------------------------------------------

class Link:
    """The judge's end of the runner channel."""

    def __init__(self, fd, deadline):
        self.fd = fd
        self.reader = FrameReader(fd)
        self.deadline = deadline
        self.broken = None
        self.timed_out = False

    def send(self, message):
        if self.broken:
            return
        try:
            write_frame(self.fd, message)
        except ChannelClosed:
            pass  # what the runner said before it went away is still readable

    def read(self):
        if self.broken:
            raise CaseTimeout(self.broken) if self.timed_out else RunnerDied(self.broken)
        try:
            message = self.reader.read(self.deadline)
        except ChannelTimeout:
            self.broken = "the time limit ran out while the candidate was running"
            self.timed_out = True
            raise CaseTimeout(self.broken) from None
        except (ChannelClosed, ProtocolError) as error:
            self.broken = "the candidate's process exited or broke the protocol"
            if str(error):
                self.broken += " (%s)" % error
            raise RunnerDied(self.broken) from None
        if not isinstance(message, dict):
            self.broken = "the candidate's process sent a malformed reply"
            raise RunnerDied(self.broken)
        return message


class TestRaised(Exception):
    """The test's own expression (computed by the oracle) raised."""


class Oracle:
    """The test's own expressions that the judge cannot compute (`'cba'.upper()`, a helper the
    setup defines), evaluated in a child of the judge that holds neither the result channel nor
    the runner's channel and never sees the candidate: the expected side of an assertion never
    enters the candidate's process. Forked at the start of the job, so it works while the
    candidate loads; the zygote sweeps the jail after the job (the reply says `forked`)."""

    def __init__(self, plan, limits):
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            code = 0
            try:
                os.close(read_end)
                self.child(plan, limits, write_end)
            except BaseException:  # noqa: B036 - never return into the judge's loop
                code = 70
            finally:
                os._exit(code)
        os.close(write_end)
        self.reader = FrameReader(read_end)
        self.fd = read_end
        self.values = None
        self.failure = None

    @staticmethod
    def child(plan, limits, out):
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, out)
        os.closerange(out + 1, 1 << 16)
        cpu = max(1, -(-int(limits.get("cpu_ms", 5000)) // 1000))
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        if hard != resource.RLIM_INFINITY:
            cpu = min(cpu, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        ns = {"__name__": "__main__", "__builtins__": builtins}
        replies = []
        try:
            if plan.oracle_context:
                bind_context(ns, plan.oracle_context, plan.entry)
            if plan.oracle_setup:
                exec(compile(plan.oracle_setup, "<test>", "exec"), ns)
        except BaseException as error:  # noqa: B036
            failed = describe_exception(error)
            failed["message"] = "test setup failed: " + failed["message"]
            replies = [{"raise": failed}] * len(plan.oracles)
        if not replies:
            for source in plan.oracles:
                try:
                    value = eval(compile("(" + source + "\n)", "<test>", "eval"), dict(ns))
                    replies.append({"value": encode_value(value)})
                except BaseException as error:  # noqa: B036
                    replies.append({"raise": describe_exception(error)})
        write_frame(out, {"replies": replies})

    def reply(self, index, deadline):
        if self.values is None and self.failure is None:
            try:
                message = self.reader.read(deadline)
                replies = message.get("replies") if isinstance(message, dict) else None
                if not isinstance(replies, list):
                    raise ProtocolError("malformed")
                self.values = replies
            except ChannelTimeout:
                self.failure = "the test's own expressions did not finish in time"
            except (ChannelClosed, ProtocolError):
                self.failure = "the test's own expressions could not be evaluated"
        if self.failure is not None:
            raise TestRaised(self.failure)
        reply = self.values[index] if index < len(self.values) else None
        if not isinstance(reply, dict):
            raise TestRaised("the test's own expressions could not be evaluated")
        if "raise" in reply:
            info = reply["raise"] if isinstance(reply["raise"], dict) else {}
            raise TestRaised(_candidate_message(info))
        try:
            return decode(reply.get("value"))
        except (ProtocolError, TypeError, ValueError, RecursionError, MemoryError) as error:
            raise TestRaised("the test's own value could not be decoded: %s" % error) from None

    def close(self):
        try:
            os.kill(self.pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


class Judge:
    plans = {}  # test sources -> JobPlan; plans hold syntax, never values

    def __init__(self, tests, result_fd, link, limits=None):
        self.tests = tests
        self.nonce = tests["nonce"]
        self.result_fd = result_fd
        self.link = link
        self.limits = limits or {}
        self.oracle = None
        self.pending = []
        self.flushed = time.monotonic()

    # -- reporting

    def report(self, record):
        """Queues one result line; lines go out together at the end, or every FLUSH_SECONDS."""
        record["nonce"] = self.nonce
        for key in ("message", "name"):
            if key in record:
                text = str(record[key])[:MESSAGE_LIMIT]
                record[key] = text.encode("utf-8", "replace").decode("utf-8")
        self.pending.append(json.dumps(record, separators=(",", ":")) + "\n")
        if record.get("done") or time.monotonic() - self.flushed >= FLUSH_SECONDS:
            self.flush()

    def flush(self):
        data = "".join(self.pending).encode("utf-8", "surrogatepass")
        self.pending = []
        while data:
            data = data[os.write(self.result_fd, data):]
        self.flushed = time.monotonic()

    # -- planning and the runner's answers

    def plan(self):
        cases = self.tests["cases"]
        key = (self.tests.get("entry_point") or "", self.tests.get("setup") or "",
               self.tests.get("context") or "", tuple(str(c.get("code", "")) for c in cases))
        plan = self.plans.get(key)
        if plan is None:
            try:
                plan = JobPlan(self.tests)
            except (RecursionError, MemoryError, SyntaxError, ValueError):
                # Tests too deep or too big to take apart: each case runs whole.
                plan = JobPlan(dict(self.tests, split=False))
            if len(self.plans) >= CACHE_SIZE:
                self.plans.clear()
            self.plans[key] = plan
        return plan

    def send_from(self, start, first=False):
        """Sends the requests that need no earlier answer, from case `start` up to and including
        the first case that has a request that must wait. Returns the index after that case."""
        items = []
        end = start
        for index in range(start, len(self.job.cases)):
            plan = self.job.cases[index]
            for request in plan.requests[:plan.prefetch]:
                items.append(self.item(index, request))
            self.expected[index] = plan.prefetch
            end = index + 1
            if plan.prefetch < len(plan.requests):
                break
        message = {"items": items}
        if first:
            message["prepare"] = {"entry_point": self.job.entry, "context": self.job.context,
                                  "setup": self.job.runner_setup}
        if items or first:
            self.link.send(message)
        return end

    @staticmethod
    def item(case, request):
        kind, text = request
        return {"case": case, "op": kind, "expr" if kind == "eval" else "code": text}

    def frame_for(self, case, count=None):
        """The runner's frame of replies for `case` (`count` of them when known)."""
        message = self.link.read()
        if "setup_error" in message:
            info = message["setup_error"] if isinstance(message["setup_error"], dict) else {}
            raise CandidateRaised(dict(info, setup=True))
        replies = message.get("replies")
        if (message.get("case") != case or not isinstance(replies, list)
                or not all(isinstance(r, dict) for r in replies)
                or (count is not None and len(replies) != count)):
            self.link.broken = "the candidate's process sent a malformed reply"
            raise RunnerDied(self.link.broken)
        return replies

    def answer(self, case, plan, index, replies):
        """The runner's answer to request `index` of `case`: sent ahead, or asked now."""
        if index < len(replies):
            reply = replies[index]
        else:
            self.link.send({"items": [self.item(case, plan.requests[index])]})
            reply = self.frame_for(case, 1)[0]
        if "raise" in reply:
            raise CandidateRaised(reply["raise"])
        if reply.get("skipped"):
            self.link.broken = "the candidate's process skipped a request"
            raise RunnerDied(self.link.broken)
        return reply

    # -- the job

    def run(self):
        cases = self.tests["cases"]
        self.job = self.plan()
        self.expected = {}
        # The judge's own setup values, made afresh for this job.
        base = dict(self.job.setup_given)
        setup_error = None
        for name, node in self.job.setup_binds:
            try:
                base[name] = _evaluate(node, base, None)
            except Exception as error:  # noqa: BLE001 - a setup that fails fails every case
                setup_error = "test setup failed: %s: %s" % (type(error).__name__, error)
                break
        following = self.send_from(0, first=True) if setup_error is None else len(cases)
        if self.job.oracles and setup_error is None:
            self.oracle = Oracle(self.job, self.limits)
        load = self.load()
        if load is not None:
            failure, message = load
            for index, case in enumerate(cases):
                verdict = "timeout" if failure == "timeout" else "error"
                self.report({"i": index, "name": case["name"], "verdict": verdict,
                             "message": message, "ms": 0})
            self.report({"done": True, "count": len(cases), "load": "error",
                         "load_failure": failure, "message": message})
            return
        for index, case in enumerate(cases):
            if index == following:
                following = self.send_from(index)
            record = {"i": index, "name": case["name"]}
            started = time.monotonic()
            if setup_error:
                record.update(verdict="error", message=setup_error)
            elif self.link.broken:
                record.update(verdict="error", message="not run: " + self.link.broken)
            else:
                outcome = self.run_case(index, self.job.cases[index], base)
                if outcome.pop("setup_error", False):
                    setup_error = outcome["message"]
                record.update(outcome)
            record["ms"] = round((time.monotonic() - started) * 1000, 3)
            self.report(record)
        self.report({"done": True, "count": len(cases), "load": "ok"})

    def load(self):
        """None when the program loaded, else (load_failure, message). The runner says whether
        the program compiled before any of it runs, so no candidate can claim a compile error."""
        try:
            compiled = self.link.read()
            if compiled.get("compiled") is not True:
                info = compiled.get("error") if isinstance(compiled.get("error"), dict) else {}
                if compiled.get("compiled") is False:
                    return "compile", _candidate_message(info)
                return "error", "the program broke the protocol while loading"
            hello = self.link.read()
        except CaseTimeout:
            return "timeout", "loading the program timed out"
        except RunnerDied:
            return "error", "the program exited while it was loading"
        if hello.get("ok") is not True:
            info = hello.get("error") if isinstance(hello.get("error"), dict) else {}
            return "error", _candidate_message(info)
        return None

    def run_case(self, index, plan, base):
        ns = dict(base)
        try:
            replies = self.frame_for(index) if self.expected.get(index, 0) else []
            cursor = 0
            for step in plan.steps:
                if step.kind == "bind":
                    ns[step.name] = _evaluate(step.node, ns, self.oracle_value)
                elif step.kind == "run":
                    self.answer(index, plan, cursor, replies)
                    cursor += 1
                    ns.update(step.binds)
                elif step.kind == "check":
                    self.check(index, plan, step, ns, replies)
                    cursor += len(step.remotes)
            return {"verdict": "passed"}
        except CaseTimeout as error:
            return {"verdict": "timeout", "message": str(error)}
        except RunnerDied as error:
            return {"verdict": "error", "message": str(error), "runner_died": True}
        except CandidateRaised as error:
            info = error.info
            if info.get("setup"):
                return {"verdict": "error", "setup_error": True,
                        "message": "test setup failed: " + _candidate_message(info)}
            if info.get("assertion"):
                text = str(info.get("message", ""))
                return {"verdict": "failed", "message": "AssertionError: " + (
                    text or self.last_line(plan.code))}
            return {"verdict": "error", "message": _candidate_message(info)}
        except AssertionError as error:
            return {"verdict": "failed", "message": "AssertionError: " + str(error)}
        except TestRaised as error:
            return {"verdict": "error", "message": str(error)}
        except Exception as error:  # noqa: BLE001 - the judge's own evaluation raised: an error
            return {"verdict": "error", "message": "%s: %s" % (type(error).__name__, error)}

    @staticmethod
    def last_line(code):
        lines = code.strip().splitlines()
        return lines[-1] if lines else "assertion failed"

    def oracle_value(self, leaf):
        return self.oracle.reply(leaf.index, self.link.deadline)

    def check(self, index, plan, step, ns, replies):
        def ask(leaf):
            if leaf.where == "oracle":
                return self.oracle_value(leaf)
            reply = self.answer(index, plan, leaf.index, replies)
            try:
                return decode(reply.get("value"))
            except (ProtocolError, TypeError, ValueError, RecursionError, MemoryError) as error:
                self.link.broken = "the candidate's process sent an undecodable value: %s" % error
                raise RunnerDied(self.link.broken) from None

        test = step.node
        if step.explained and type(test) is ast.Compare:
            actual = _evaluate(test.left, ns, ask)
            expected = _evaluate(test.comparators[0], ns, ask)
            if not actual == expected:
                raise AssertionError("%s\n  actual:   %s\n  expected: %s"
                                     % (step.source, _short(actual), _short(expected)))
            return
        if not _evaluate(test, ns, ask):
            if step.message is not None:
                raise AssertionError(str(_evaluate(step.message, ns, None)))
            raise AssertionError(step.source)


def run_job(job, fds):
    """Judges one job in this process (no fork); the zygote's reply."""
    tests_fd, result_fd, channel_fd = fds
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_SELF)
    deadline = started + int(job.get("wall_ms", 10000)) / 1000.0
    clean = True
    judge = None
    try:
        tests = json.loads(read_all(tests_fd, from_start=True))
        judge = Judge(tests, result_fd, Link(channel_fd, deadline - 0.05), job)
        judge.run()
    except BaseException:  # noqa: B036 - a bug here must not end the process mid-slot
        clean = False  # the supervisor replaces this jail; the job lacks its `done` line
    finally:
        for fd in fds:
            os.close(fd)
        forked = judge is not None and judge.oracle is not None
        if forked:
            judge.oracle.close()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "done": True,
        "role": "judge",
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
        "forked": forked,
    }
