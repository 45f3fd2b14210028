"""Length-prefixed JSON frames over a file descriptor, and the value codec.

Both ends of every channel inside the jail use this module: the zygote with the supervisor, and
the judge with the runner. Frames are a 4-byte big-endian length followed by UTF-8 JSON.

The codec turns Python values into JSON and back using only builtin types. It is the reason a
candidate cannot fake a pass: whatever object the candidate returns, the judge receives plain
data (or an opaque handle that equals only itself), and compares it with test code the candidate
never sees.
"""

import json
import math
import os
import select
import struct
import time

MAX_FRAME = 64 << 20


class ChannelClosed(Exception):
    """The other end closed the channel or died."""


class ChannelTimeout(Exception):
    """No frame arrived before the deadline."""


class ProtocolError(Exception):
    """The other end sent something that is not a valid frame."""


class FrameReader:
    """Reads frames from one descriptor. Whatever arrives past the end of a frame is kept for the
    next one, so a frame usually costs one read (plus one select when there is a deadline)."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = bytearray()

    def read(self, deadline=None):
        """Reads one frame; raises ChannelClosed, ChannelTimeout or ProtocolError."""
        while True:
            if len(self.buffer) >= 4:
                size = int.from_bytes(self.buffer[:4], "big")
                if size > MAX_FRAME:
                    raise ProtocolError("frame of %d bytes is over the limit" % size)
                if len(self.buffer) >= 4 + size:
                    body = bytes(self.buffer[4:4 + size])
                    del self.buffer[:4 + size]
                    try:
                        return json.loads(body)
                    except (ValueError, RecursionError) as error:
                        raise ProtocolError("invalid frame: %s" % error) from None
                wanted = 4 + size - len(self.buffer)
            else:
                wanted = 4
            self._fill(wanted, deadline)

    def _fill(self, wanted, deadline):
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChannelTimeout()
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                raise ChannelTimeout()
        try:
            chunk = os.read(self.fd, min(max(wanted, 4096), 1 << 20))
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise ChannelClosed()
        self.buffer += chunk


def write_frame(fd, message):
    data = json.dumps(message, separators=(",", ":")).encode("utf-8", "surrogatepass")
    if len(data) > MAX_FRAME:
        raise ProtocolError("frame of %d bytes is over the limit" % len(data))
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        try:
            written = os.write(fd, view)
        except (BrokenPipeError, ConnectionResetError):
            raise ChannelClosed() from None
        view = view[written:]


def read_all(fd, from_start=False):
    """Reads a descriptor (pipe or memfd) to its end; with `from_start`, a file from offset 0
    whatever its shared offset (another process may have read the same memfd)."""
    chunks = []
    offset = 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset) if from_start else os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


# ---- the value codec ------------------------------------------------------------------------

MAX_DEPTH = 200
MAX_ITEMS = 1_000_000


class EncodeError(Exception):
    """A value that cannot cross the channel."""


class Encoder:
    """Encodes builtin data; anything else becomes a handle from `make_handle` (or an error).
    `known_handle(value)` may name a handle the other side already holds (a proxy of it)."""

    def __init__(self, make_handle=None, known_handle=None):
        self.make_handle = make_handle
        self.known_handle = known_handle
        self.items = 0

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise EncodeError("value nested deeper than %d levels" % MAX_DEPTH)
        self.items += 1
        if self.items > MAX_ITEMS:
            raise EncodeError("value has more than %d items" % MAX_ITEMS)
        # Exact types first: subclasses are reduced to their builtin base below, through the
        # base type's own methods, so an overridden __eq__ or __iter__ never runs here.
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value if -(2**53) < value < 2**53 else {"$": "int", "v": str(value)}
        if kind is float:
            return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
        if kind is list:
            return [self.encode(item, depth + 1) for item in list.__iter__(value)]
        if kind is tuple:
            return {"$": "tuple", "v": [self.encode(i, depth + 1) for i in tuple.__iter__(value)]}
        if kind is dict:
            return {"$": "dict", "v": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                       for k, v in dict.items(value)]}
        if kind is set or kind is frozenset:
            items = [self.encode(i, depth + 1) for i in kind.__iter__(value)]
            return {"$": kind.__name__, "v": items}
        if kind is bytes or kind is bytearray:
            return {"$": kind.__name__, "v": bytes(value).hex()}
        if kind is complex:
            return {"$": "complex", "v": [repr(value.real), repr(value.imag)]}
        if kind is range:
            return {"$": "range", "v": [value.start, value.stop, value.step]}
        if value is Ellipsis:
            return {"$": "ellipsis"}
        return self._encode_other(value, depth)

    def _encode_other(self, value, depth):
        if self.known_handle is not None:
            handle = self.known_handle(value)
            if handle is not None:
                return {"$": "handle", "v": handle, "type": "object"}
        for base in (bool, int, float, str, bytes, tuple, list, dict, frozenset, set, complex):
            if isinstance(value, base):
                return self.encode(_as_base(base, value), depth)
        if self.make_handle is None:
            raise EncodeError("a value of type %s cannot be sent to the candidate"
                              % _type_name(value))
        if _is_iterator(value):
            items = [self.encode(item, depth + 1) for item in value]
            return {"$": "iterator", "v": items}
        return {"$": "handle", "v": self.make_handle(value), "type": _type_name(value)}


def _as_base(base, value):
    """A value of exact type `base` made through base's own slots, never the subclass's."""
    if base in (tuple, list, frozenset, set):
        return base(base.__iter__(value))
    if base is dict:
        return dict(dict.items(value))
    if base is str:
        return str.__str__(value)
    if base is bytes:
        return bytes(memoryview(value))
    if base is bool or base is int:
        return base(int.__index__(value))
    if base is float:
        return float.__float__(value)
    return complex.__complex__(value)


def _is_iterator(value):
    kind = type(value)
    return hasattr(kind, "__next__") and hasattr(kind, "__iter__")


def _type_name(value):
    try:
        name = type.__dict__["__qualname__"].__get__(type(value))
    except Exception:
        return "object"
    return name if type(name) is str else "object"


def decode(data, make_proxy=None, depth=0):
    """Decodes what Encoder produced into builtin values; handles become `make_proxy(id, type)`."""
    if depth > MAX_DEPTH + 1:
        raise ProtocolError("value nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item, make_proxy, depth + 1) for item in data]
    if not isinstance(data, dict):
        raise ProtocolError("unexpected value %r" % type(data).__name__)
    tag = data.get("$")
    value = data.get("v")
    items = (lambda: (decode(item, make_proxy, depth + 1) for item in value))
    if tag == "int":
        return int(value)
    if tag == "float":
        return float(value)
    if tag == "tuple":
        return tuple(items())
    if tag == "dict":
        return {decode(k, make_proxy, depth + 1): decode(v, make_proxy, depth + 1) for k, v in value}
    if tag == "set":
        return set(items())
    if tag == "frozenset":
        return frozenset(items())
    if tag == "bytes":
        return bytes.fromhex(value)
    if tag == "bytearray":
        return bytearray.fromhex(value)
    if tag == "complex":
        return complex(float(value[0]), float(value[1]))
    if tag == "range":
        return range(int(value[0]), int(value[1]), int(value[2]))
    if tag == "ellipsis":
        return Ellipsis
    if tag == "iterator":
        return iter(list(items()))
    if tag == "handle" and make_proxy is not None and isinstance(value, int):
        return make_proxy(value, str(data.get("type", "object")))
    raise ProtocolError("unknown value tag %r" % (tag,))
