"""The judge: runs the test cases against the runner and reports each result.

The judge never executes candidate code. Test code runs here, in a namespace where every name
the candidate's program defines is a proxy: calling it sends the arguments to the runner and
returns the runner's answer decoded into plain builtin values. Comparisons therefore happen on
data the candidate cannot shape into a fake pass. Results go to the result descriptor, which the
runner never had, each line tagged with the run's nonce, which the runner never saw.
"""

import ast
import builtins
import json
import os
import sys
import time

from channel import (ChannelClosed, ChannelTimeout, EncodeError, Encoder, FrameReader, ProtocolError,
                     decode, read_all, write_frame)

MESSAGE_LIMIT = 2000
FLUSH_SECONDS = 0.05


# The harness's own exceptions derive from BaseException, so that test code's
# `except Exception:` cannot swallow them; a case during which the runner broke is never a pass
# whatever the test code did (see Judge.attempt).
class RunnerDied(BaseException):
    """The runner exited or broke the protocol; later cases cannot run."""


class CaseTimeout(BaseException):
    """The run's time ran out while a case was waiting for the runner."""


class RemoteError(Exception):
    """An exception raised by candidate code whose type is not a builtin exception."""


class RemoteExit(BaseException):
    """The candidate raised SystemExit, KeyboardInterrupt, StopIteration or the like: in the
    judge these must not look like normal control flow to the test code."""


# Rebuilt as themselves: ordinary builtin exceptions a test may legitimately expect.
_CONTROL_FLOW = {"SystemExit", "KeyboardInterrupt", "GeneratorExit", "StopIteration",
                 "StopAsyncIteration"}


class Link:
    """The judge's end of the runner channel."""

    def __init__(self, fd, deadline):
        self.fd = fd
        self.reader = FrameReader(fd)
        self.deadline = deadline
        self.broken = None

    def request(self, message):
        if self.broken:
            raise RunnerDied(self.broken)
        try:
            write_frame(self.fd, message)
            reply = self.reader.read(self.deadline)
        except ChannelTimeout:
            self.broken = "the time limit ran out while the candidate was running"
            raise CaseTimeout(self.broken) from None
        except (ChannelClosed, ProtocolError) as error:
            self.broken = "the candidate's process exited or broke the protocol"
            if str(error):
                self.broken += " (%s)" % error
            raise RunnerDied(self.broken) from None
        if not isinstance(reply, dict):
            self.broken = "the candidate's process sent a malformed reply"
            raise RunnerDied(self.broken)
        if "raise" in reply:
            raise rebuild_exception(reply["raise"])
        return reply

    def value(self, message):
        reply = self.request(message)
        try:
            return decode(reply.get("value"), self.proxy), reply
        except (ProtocolError, TypeError, ValueError, RecursionError) as error:
            self.broken = "the candidate's process sent an undecodable value: %s" % error
            raise RunnerDied(self.broken) from None

    def proxy(self, handle, type_name):
        return RemoteObject(self, handle, type_name)


def rebuild_exception(info):
    """The judge-side twin of an exception raised by candidate code."""
    info = info if isinstance(info, dict) else {}
    name = str(info.get("type", "Exception"))
    message = str(info.get("message", ""))
    kind = getattr(builtins, name, None)
    error = None
    if name in _CONTROL_FLOW:
        error = RemoteExit("the candidate raised %s(%s)" % (name, message))
    elif (isinstance(kind, type) and issubclass(kind, Exception)
            and info.get("module") == "builtins"):
        try:
            error = kind(message)
        except Exception:
            error = None
    if error is None:
        error = RemoteError("%s: %s" % (name, message) if message else name)
    error.remote_traceback = str(info.get("traceback", ""))
    error.remote_type = name
    return error


def _remote_id(value):
    return value._target if type(value) is RemoteObject else None


def _encode_arg(value):
    try:
        return Encoder(known_handle=_remote_id).encode(value)
    except (EncodeError, RecursionError) as error:
        raise TypeError(str(error)) from None


def _restore(original, new):
    """Applies the runner's view of a mutated argument to the judge's object, in place."""
    if type(original) is not type(new):
        return
    if type(original) in (list, bytearray):
        original[:] = new
    elif type(original) in (dict, set):
        original.clear()
        original.update(new)


class RemoteCallable:
    """A callable defined by the candidate; each call is one round trip to the runner."""

    def __init__(self, link, target, name):
        self._link = link
        self._target = target
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        message = {"op": "call", "target": self._target,
                   "args": [_encode_arg(a) for a in args],
                   "kwargs": {str(k): _encode_arg(v) for k, v in kwargs.items()}}
        value, reply = self._link.value(message)
        mutated = reply.get("mutated")
        if isinstance(mutated, dict):
            for index, data in mutated.items():
                try:
                    position = int(index)
                    if 0 <= position < len(args):
                        _restore(args[position], decode(data))
                except (ProtocolError, TypeError, ValueError, RecursionError):
                    pass
        return value

    def __repr__(self):
        return "<candidate function %s>" % self.__name__


class RemoteObject(RemoteCallable):
    """An object the candidate returned that is not plain data. It equals only itself."""

    def _ask(self, op, **fields):
        return self._link.value(dict(op=op, target=self._target, **fields))[0]

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    def __eq__(self, other):
        return isinstance(other, RemoteObject) and other._target == self._target

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(("remote", self._target))

    def __repr__(self):
        return str(self._ask("repr"))

    def __len__(self):
        return int(self._ask("len"))

    def __bool__(self):
        return bool(self._ask("bool"))

    def __iter__(self):
        return iter(self._ask("iter"))

    def __getitem__(self, key):
        return self._ask("getitem", key=_encode_arg(key))

    def __contains__(self, item):
        return bool(self._ask("contains", item=_encode_arg(item)))


def _short(value):
    try:
        text = repr(value)
    except Exception:
        text = "<unprintable>"
    return text if len(text) <= 300 else text[:300] + "..."


def _assert_equal(actual, expected, source):
    if not actual == expected:
        raise AssertionError("%s\n  actual:   %s\n  expected: %s" % (source, _short(actual),
                                                                     _short(expected)))


def _explain_asserts(tree, source):
    """Rewrites `assert a == b` into `__assay_assert_equal__(a, b, text)` so that a failure says
    what each side was (test feedback). Only the new nodes get locations: copying them from the
    assert is enough, and far cheaper than ast.fix_missing_locations on the whole tree."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    data = source.encode("utf-8")

    def segment(node):
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset
        return data[start:end].decode("utf-8", "replace")

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


def compile_case(code, explain=False):
    """Compiles a case; with `explain`, `assert a == b` failures also say what a and b were."""
    if not explain:
        return compile(code, "<test>", "exec")
    tree = ast.parse(code, "<test>", "exec")
    return compile(_explain_asserts(tree, code), "<test>", "exec")


def failure_message(error, code):
    if isinstance(error, AssertionError):
        detail = str(error)
        if not detail:
            lines = code.strip().splitlines()
            detail = lines[-1] if lines else "assertion failed"
        return "AssertionError: " + detail
    text = "%s: %s" % (type(error).__name__, error)
    remote = getattr(error, "remote_traceback", "")
    return text + "\n" + remote if remote else text


class Judge:
    def __init__(self, job, result_fd, link):
        self.job = job
        self.nonce = job["nonce"]
        self.result_fd = result_fd
        self.link = link
        self.pending = []
        self.flushed = time.monotonic()

    def report(self, record):
        """Queues one result line. Lines go out together (one write, one wake-up of the
        supervisor) at the end, or when FLUSH_SECONDS have passed since the last write, so a
        slow run still streams its results."""
        record["nonce"] = self.nonce
        for key in ("message", "name"):
            if key in record:
                # Lone surrogates would make the whole line unreadable to the supervisor.
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

    def namespace(self, names):
        """The tests' globals: the candidate's public top-level names as proxies, except names
        that would shadow a builtin (`abs`, `sorted`, ...), private names, and names of standard
        modules (bound to the real module). The harness's own helper is bound last."""
        ns = {"__name__": "__main__", "__builtins__": builtins}
        for name, info in names.items():
            if (not isinstance(name, str) or name.startswith("_") or hasattr(builtins, name)
                    or name in sys.stdlib_module_names):
                if name in sys.modules and name in sys.stdlib_module_names:
                    ns[name] = sys.modules[name]
                continue
            kind = info.get("kind") if isinstance(info, dict) else None
            if kind == "callable":
                ns[name] = RemoteCallable(self.link, name, name)
            elif kind in ("value", "handle"):
                try:
                    ns[name] = decode(info.get("value"), self.link.proxy)
                except (ProtocolError, TypeError, ValueError, RecursionError):
                    pass
            elif kind == "module":
                # Only modules this process already has (the zygote preloads the common ones):
                # the candidate's choice must not make the judge import anything.
                module = sys.modules.get(str(info.get("module", "")))
                if module is not None:
                    ns[name] = module
        entry = self.job.get("entry_point")
        if entry and isinstance(names.get(entry), dict) and names[entry].get("kind") == "callable":
            ns["candidate"] = ns[entry] = RemoteCallable(self.link, entry, entry)
        ns["__assay_assert_equal__"] = _assert_equal
        return ns

    def load(self):
        """The runner's hello, or a record describing why the program did not load."""
        try:
            hello = self.link.reader.read(self.link.deadline)
        except ChannelTimeout:
            return None, {"type": "Timeout", "message": "loading the program timed out"}
        except (ChannelClosed, ProtocolError):
            return None, {"type": "Exit", "message": "the program exited while it was loading"}
        if not isinstance(hello, dict):
            return None, {"type": "Protocol", "message": "malformed hello"}
        if not hello.get("ok"):
            error = hello.get("error")
            return None, error if isinstance(error, dict) else {"type": "Error", "message": ""}
        names = hello.get("names")
        return (names if isinstance(names, dict) else {}), None

    def precompile(self):
        """Compiles the setup and every case before waiting for the runner's hello, so that the
        compiling overlaps the candidate's loading. A case that does not compile keeps its error
        for when it runs."""
        def attempt(code, explain=False):
            try:
                return compile_case(code, explain)
            except BaseException as error:  # noqa: B036 - raised again when the case runs
                return error
        setup = self.job.get("setup")
        # Rewritten (for messages) only when it has an assertion to explain.
        self.setup_code = attempt(setup, explain="assert" in setup) if setup else None
        self.compiled = [attempt(case["code"]) for case in self.job["cases"]]

    def run(self):
        cases = self.job["cases"]
        self.precompile()
        names, load_error = self.load()
        if load_error is not None:
            message = "%s: %s" % (load_error.get("type", "Error"), load_error.get("message", ""))
            if load_error.get("traceback"):
                message += "\n" + str(load_error["traceback"])
            verdict = "timeout" if load_error.get("type") == "Timeout" else "error"
            for index, case in enumerate(cases):
                self.report({"i": index, "name": case["name"], "verdict": verdict,
                             "message": message, "ms": 0})
            self.report({"done": True, "count": len(cases), "load": "error",
                         "load_error_type": str(load_error.get("type", "Error")),
                         "message": message})
            return
        base = self.namespace(names)
        setup_error = None
        if self.setup_code is not None:
            try:
                self.execute(self.setup_code, base)
            except BaseException as error:  # noqa: B036
                setup_error = "test setup failed: " + failure_message(error, self.job["setup"])
        for index, case in enumerate(cases):
            record = {"i": index, "name": case["name"]}
            started = time.monotonic()
            if setup_error:
                record.update(verdict="error", message=setup_error)
            elif self.link.broken:
                record.update(verdict="error", message="not run: " + self.link.broken)
            else:
                record.update(self.run_case(index, case["code"], base))
            record["ms"] = round((time.monotonic() - started) * 1000, 3)
            self.report(record)
        self.report({"done": True, "count": len(cases), "load": "ok"})

    def run_case(self, index, code, ns):
        outcome = self.attempt(code, self.compiled[index], dict(ns))
        if outcome["verdict"] == "failed" and not self.link.broken and "runner_died" not in outcome:
            # Run the failing case once more, rewritten to report both sides of `==`: the
            # verdict stays the first run's, only the message gets the values.
            again = self.attempt(code, None, dict(ns))
            if again["verdict"] == "failed":
                outcome["message"] = again["message"]
        return outcome

    def execute(self, compiled, ns):
        """Runs what precompile() made of some test code (or raises the error it got)."""
        if isinstance(compiled, BaseException):
            raise compiled
        exec(compiled, ns)

    def attempt(self, code, compiled, ns):
        """Runs one case: `compiled` (what precompile() made of it), or `code` rewritten to
        explain its assertions when `compiled` is None."""
        broken_before = self.link.broken
        try:
            self.execute(compile_case(code, explain=True) if compiled is None else compiled, ns)
            outcome = {"verdict": "passed"}
        except CaseTimeout as error:
            outcome = {"verdict": "timeout", "message": str(error)}
        except RunnerDied as error:
            outcome = {"verdict": "error", "message": str(error)}
        except AssertionError as error:
            outcome = {"verdict": "failed", "message": failure_message(error, code)}
        except BaseException as error:  # noqa: B036 - a test that raises is an error, not a crash
            outcome = {"verdict": "error", "message": failure_message(error, code),
                       "error_type": type(error).__name__}
            if isinstance(error, MemoryError) or getattr(error, "remote_type", "") == "MemoryError":
                outcome["memory_error"] = True
        if self.link.broken and not broken_before:
            # The runner died or ran out of time during this case: whatever the test code made
            # of it (say, `except: pass`), the case did not pass.
            timed_out = isinstance(self.link.broken, str) and "time limit" in self.link.broken
            outcome["verdict"] = "timeout" if timed_out else "error"
            outcome["runner_died"] = not timed_out
            outcome.setdefault("message", self.link.broken)
        return outcome


def main(tests_fd, result_fd, channel_fd, deadline):
    job = json.loads(read_all(tests_fd, from_start=True))
    os.close(tests_fd)
    Judge(job, result_fd, Link(channel_fd, deadline)).run()
