"""The runner: the only process that executes candidate code.

It loads the candidate program as `__main__`, tells the judge which top-level names it defines,
then answers the judge's requests (call a function, read an attribute, iterate a handle) until the
channel closes. It never sees a test or an expected value, so nothing it does — patching this
module, exiting early, printing, returning objects whose `__eq__` always says True — can make a
test pass: the judge compares plain data, in its own process, with code the runner never had.
"""

import builtins
import os
import sys
import traceback
import types

from channel import (ChannelClosed, EncodeError, Encoder, FrameReader, ProtocolError, decode,
                     read_all, write_frame)

_MUTABLE = (list, dict, set, bytearray)


def _safe_str(value):
    try:
        text = str(value)
    except BaseException:  # noqa: B036 - the candidate's __str__ may raise anything
        return "<unprintable>"
    return text if type(text) is str else "<unprintable>"


def describe_exception(error):
    try:
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        text = "".join(lines[-12:])[-4000:]
    except BaseException:  # noqa: B036
        text = ""
    return {
        "type": _safe_str(type(error).__name__),
        "module": _safe_str(getattr(type(error), "__module__", "")),
        "message": _safe_str(error),
        "traceback": text,
    }


class Runner:
    def __init__(self, fd):
        self.fd = fd
        self.reader = FrameReader(fd)
        self.handles = {}
        self.module = None

    def handle_of(self, value):
        key = len(self.handles) + 1
        self.handles[key] = value
        return key

    def encode(self, value):
        return Encoder(self.handle_of).encode(value)

    def resolve(self, handle, type_name):
        """An object the judge passes back by handle: the runner's own object."""
        return self.handles[handle]

    def decode(self, data):
        return decode(data, self.resolve)

    def load(self, code):
        module = types.ModuleType("__main__")
        module.__dict__["__builtins__"] = builtins
        module.__dict__["__file__"] = "/work/solution.py"
        sys.modules["__main__"] = module
        self.module = module
        try:
            exec(compile(code, "/work/solution.py", "exec"), module.__dict__)
        except BaseException as error:  # noqa: B036 - SystemExit and friends are failures too
            return {"ok": False, "error": describe_exception(error)}
        return {"ok": True, "names": self.describe_names()}

    def describe_names(self):
        names = {}
        for name, value in list(self.module.__dict__.items()):
            if type(name) is not str or name.startswith("__"):
                continue
            if isinstance(value, types.ModuleType):
                names[name] = {"kind": "module", "module": _safe_str(getattr(value, "__name__", ""))}
            elif callable(value):
                names[name] = {"kind": "callable"}
            else:
                try:
                    names[name] = {"kind": "value", "value": Encoder().encode(value)}
                except (EncodeError, RecursionError):
                    names[name] = {"kind": "handle", "value": self.encode(value)}
        return names

    def target(self, request):
        target = request.get("target")
        if isinstance(target, str):
            return self.module.__dict__[target]
        return self.handles[target]

    def answer(self, request):
        op = request.get("op")
        if op == "call":
            args = [self.decode(a) for a in request.get("args", [])]
            kwargs = {k: self.decode(v) for k, v in request.get("kwargs", {}).items()}
            result = self.target(request)(*args, **kwargs)
            mutated = {str(i): Encoder().encode(a) for i, a in enumerate(args)
                       if type(a) in _MUTABLE}
            return {"value": self.encode(result), "mutated": mutated}
        if op == "getattr":
            return {"value": self.encode(getattr(self.target(request), request["name"]))}
        if op == "repr":
            return {"value": _safe_str(repr(self.target(request)))}
        if op == "len":
            return {"value": len(self.target(request))}
        if op == "iter":
            return {"value": self.encode(iter(self.target(request)))}
        if op == "getitem":
            return {"value": self.encode(self.target(request)[self.decode(request["key"])])}
        if op == "contains":
            return {"value": self.decode(request["item"]) in self.target(request)}
        if op == "bool":
            return {"value": bool(self.target(request))}
        raise ProtocolError("unknown request %r" % (op,))

    def serve(self):
        while True:
            try:
                request = self.reader.read()
            except (ChannelClosed, ProtocolError):
                return
            try:
                reply = self.answer(request)
            except BaseException as error:  # noqa: B036 - report everything to the judge
                reply = {"raise": describe_exception(error)}
            write_frame(self.fd, reply)


def main(code_fd, channel_fd):
    code = read_all(code_fd).decode("utf-8", "surrogateescape")
    os.close(code_fd)
    runner = Runner(channel_fd)
    hello = runner.load(code)
    write_frame(channel_fd, hello)
    if hello["ok"]:
        runner.serve()
