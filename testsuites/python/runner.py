"""The runner: the only process that executes candidate code, and the test code that must run
next to it.

It compiles the candidate program (and says so before any of it runs), loads it as `__main__`,
then evaluates what the judge asks, natively, in the tests' namespace: the candidate's side of
each assertion (`candidate([3, 1, 2])`, `x` after the call changed it in place) and the test
statements that cannot be taken apart (loops, try/except, helpers). Only values leave, in the
channel's canonical encoding. The judge keeps the expected side of every assertion it can
compute itself and compares outside this process, so the candidate never sees what it is
compared with; a case run whole here decides only its own result (the judge reads one reply per
request, in order).

The tests' namespace holds the candidate's top-level names (except names that would shadow a
builtin or a standard module), rebound where the problem's own prompt defines them (a completion
that redefines the prompt's `poly` does not replace the test's oracle), `candidate` bound to the
entry point, then what the test setup binds. Each case gets its own copy of it.
"""

import ast
import builtins
import linecache
import os
import sys
import traceback
import types

from channel import (ChannelClosed, FrameReader, ProtocolError, encode_value, read_all,
                     write_frame)
from segments import Source

PROGRAM = "/work/solution.py"
HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))
# What a traceback calls the program: the name a user would run it by, not the jail's path.
PROGRAM_SHOWN = "solution.py"


def _remember_source(filename, source):
    """Lets tracebacks quote the lines of code that never was a file (mtime None: linecache
    keeps the entry until it is replaced)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _safe_str(value):
    try:
        text = str(value)
    except BaseException:  # noqa: B036 - the candidate's __str__ may raise anything
        return "<unprintable>"
    return text if type(text) is str else "<unprintable>"


def describe_exception(error):
    """What the judge needs of an exception: its type, whether it is an assertion, and the
    traceback plain python3 would print, without the harness's own frames."""
    try:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if not str(frame.filename).startswith(HARNESS_DIR)]
        lines = traceback.format_list(frames[-12:])
        tail = traceback.format_exception_only(type(error), error)
        text = ("Traceback (most recent call last):\n" + "".join(lines) if lines else "")
        text = (text + "".join(tail)).replace('File "%s"' % PROGRAM, 'File "%s"' % PROGRAM_SHOWN)
        text = text[-4000:]
    except BaseException:  # noqa: B036
        text = ""
    return {
        "type": _safe_str(type(error).__name__),
        "assertion": isinstance(error, AssertionError),
        "message": _safe_str(error),
        "traceback": text,
    }


def _short(value):
    try:
        text = repr(value)
    except BaseException:  # noqa: B036
        text = "<unprintable>"
    if type(text) is not str:
        text = "<unprintable>"
    return text if len(text) <= 300 else text[:300] + "..."


def _assert_equal(actual, expected, source):
    if not actual == expected:
        raise AssertionError("%s\n  actual:   %s\n  expected: %s" % (source, _short(actual),
                                                                     _short(expected)))


def _explain_asserts(tree, source):
    """Rewrites `assert a == b` into `__assay_assert_equal__(a, b, text)` so that a failure says
    what each side was. Only the new nodes get locations (copied from the assert)."""
    segment = Source(source)

    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if not isinstance(block, list):
                continue
            for index, node in enumerate(block):
                if not isinstance(node, ast.Assert) or node.msg is not None:
                    continue
                test = node.test
                if not (isinstance(test, ast.Compare) and len(test.ops) == 1
                        and isinstance(test.ops[0], ast.Eq)):
                    continue
                call = ast.Call(func=ast.Name(id="__assay_assert_equal__", ctx=ast.Load()),
                                args=[test.left, test.comparators[0],
                                      ast.Constant(value=segment(node))], keywords=[])
                replacement = ast.Expr(value=call)
                for new in (replacement, call, call.func, call.args[2]):
                    ast.copy_location(new, node)
                block[index] = replacement
    return tree


def prompt_stub(node):
    """A prompt's function that the candidate is to write: a body of a docstring, `pass`, `...`
    or `raise NotImplementedError`."""
    def empty(statement):
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            target = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            return isinstance(target, ast.Name) and target.id == "NotImplementedError"
        return isinstance(statement, ast.Pass) or (isinstance(statement, ast.Expr)
                                                   and isinstance(statement.value, ast.Constant))
    return all(empty(statement) for statement in node.body)


def bind_context(ns, context, entry):
    """Binds the names the problem's prompt defines (but does not leave to the candidate)
    to the prompt's own definitions."""
    try:
        tree = ast.parse(context, "<prompt>", "exec")
        keep = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    node.name == entry or prompt_stub(node)):
                continue
            if isinstance(node, ast.ClassDef):
                continue  # the types the program returns are its own
            keep.append(node)
        tree.body = keep
        own = {"__name__": "__prompt__", "__builtins__": builtins}
        exec(compile(tree, "<prompt>", "exec"), own)
    except BaseException:  # noqa: B036 - a prompt that does not run binds nothing
        return
    for name, value in own.items():
        if type(name) is str and not name.startswith("__") and name != entry:
            ns[name] = value


class Runner:
    def __init__(self, fd):
        self.fd = fd
        self.reader = FrameReader(fd)
        self.module = None
        self.base = None       # the tests' namespace after the setup
        self.case = None       # the case whose namespace is `ns`
        self.ns = None
        self.aborted = set()   # cases in which something raised: their later requests are skipped

    def load(self, code):
        """Compiles (reporting that before any candidate code runs), then runs the program."""
        _remember_source(PROGRAM, code)
        try:
            program = compile(code, PROGRAM, "exec")
        except BaseException as error:  # noqa: B036
            write_frame(self.fd, {"compiled": False, "error": describe_exception(error)})
            return False
        write_frame(self.fd, {"compiled": True})
        module = types.ModuleType("__main__")
        module.__dict__["__builtins__"] = builtins
        module.__dict__["__file__"] = PROGRAM
        sys.modules["__main__"] = module
        self.module = module
        try:
            exec(program, module.__dict__)
        except BaseException as error:  # noqa: B036 - SystemExit and friends are failures too
            write_frame(self.fd, {"ok": False, "error": describe_exception(error)})
            return False
        write_frame(self.fd, {"ok": True})
        return True

    def prepare(self, request):
        """The tests' namespace: see the module's docstring."""
        ns = {"__name__": "__main__", "__builtins__": builtins}
        for name, value in list(self.module.__dict__.items()):
            if type(name) is not str or name.startswith("__") or hasattr(builtins, name):
                continue
            if name in sys.stdlib_module_names:
                if name in sys.modules:
                    ns[name] = sys.modules[name]
                continue
            ns[name] = value
        entry = request.get("entry_point") or ""
        context = request.get("context") or ""
        if context:
            bind_context(ns, context, entry)
        if entry in self.module.__dict__:
            # The entry point is what the tests call, even when it is named like a builtin.
            ns["candidate"] = ns[entry] = self.module.__dict__[entry]
        ns["__assay_assert_equal__"] = _assert_equal
        setup = request.get("setup") or ""
        if setup:
            _remember_source("<test>", setup)
            exec(compile(setup, "<test>", "exec"), ns)
        self.base = ns

    def namespace(self, case):
        if case != self.case:
            self.case = case
            self.ns = dict(self.base)
        return self.ns

    def answer(self, item):
        """One request of a case: `eval` an expression, or `exec` statements."""
        case = item.get("case")
        if case in self.aborted:
            return {"skipped": True}
        ns = self.namespace(case)
        try:
            if item.get("op") == "eval":
                # Compiled inside parentheses: a space for the "(" keeps the columns right.
                _remember_source("<test>", " " + item["expr"])
                value = eval(compile("(" + item["expr"] + "\n)", "<test>", "eval"), ns)
                return {"value": encode_value(value)}
            source = item["code"]
            _remember_source("<test>", source)
            tree = ast.parse(source, "<test>", "exec")
            exec(compile(_explain_asserts(tree, source), "<test>", "exec"), ns)
            return {"ok": True}
        except BaseException as error:  # noqa: B036 - everything goes back to the judge
            self.aborted.add(case)
            return {"raise": describe_exception(error)}

    def run_items(self, items):
        """Answers a batch: one frame per case, with that case's replies in order."""
        current, replies = None, []
        for item in items:
            if not isinstance(item, dict):
                raise ProtocolError("malformed request")
            if item.get("case") != current and replies:
                write_frame(self.fd, {"case": current, "replies": replies})
                replies = []
            current = item.get("case")
            replies.append(self.answer(item))
        if replies:
            write_frame(self.fd, {"case": current, "replies": replies})

    def serve(self):
        while True:
            try:
                request = self.reader.read()
            except (ChannelClosed, ProtocolError):
                return
            if not isinstance(request, dict):
                return
            if "prepare" in request:
                try:
                    self.prepare(request["prepare"])
                except BaseException as error:  # noqa: B036
                    write_frame(self.fd, {"setup_error": describe_exception(error)})
                    return
            if self.base is None:
                return
            self.run_items(request.get("items") or [])


def main(code_fd, channel_fd):
    code = read_all(code_fd).decode("utf-8", "surrogateescape")
    os.close(code_fd)
    runner = Runner(channel_fd)
    if runner.load(code):
        runner.serve()
