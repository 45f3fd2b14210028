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


def _not_serializable(value):
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


# The C encoder and scanner called directly: json.dumps with separators builds a JSONEncoder
# per call, and every Python frame a forked child runs for the first time costs it
# copy-on-write page faults. Same output as json.dumps(..., separators=(",", ":")) and
# json.loads of UTF-8.
_MAKE_ENCODER = json.encoder.c_make_encoder
_SCAN = json.scanner.c_make_scanner(json.JSONDecoder()) if json.scanner.c_make_scanner else None


def to_json(message):
    if _MAKE_ENCODER is None:
        return json.dumps(message, separators=(",", ":"))
    # A fresh encoder (and circular-reference memo) per call: a failed encode leaves entries.
    encode = _MAKE_ENCODER({}, _not_serializable, json.encoder.c_encode_basestring_ascii, None,
                           ":", ",", False, False, True)
    return "".join(encode(message, 0))


def from_json(data):
    """json.loads of a UTF-8 frame."""
    if _SCAN is None:
        return json.loads(data)
    text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = _SCAN(text, start)
    except StopIteration as error:
        raise json.JSONDecodeError("Expecting value", text, error.value) from None
    if text[end:].strip(" \t\n\r"):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


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
                        return from_json(body)
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
    data = to_json(message).encode("utf-8", "surrogatepass")
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
    # A memfd says its size: one read of that much (a 1 MiB buffer costs a fresh mapping).
    size = min(1 << 20, max(4096, os.fstat(fd).st_size + 1))
    while True:
        chunk = os.pread(fd, size, offset) if from_start else os.read(fd, size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


# ---- the value codec ------------------------------------------------------------------------
#
# Values cross from the runner (the candidate's process) to the judge in a canonical encoding:
# JSON scalars and lists as themselves, everything else tagged {"$": tag, "v": ...}. A value of a
# builtin or standard-library type is rebuilt in the judge as a value of the same type (or of its
# builtin base, for subclasses: an int subclass arrives as an int, a namedtuple as a tuple), so
# the judge's comparisons are the standard library's own, on objects the candidate never made.
# Anything else arrives as an Opaque value, which equals only itself.

import array
import collections
import datetime
import decimal
import fractions
import re as _re

MAX_DEPTH = 200
MAX_ITEMS = 4_000_000
OPAQUE_REPR = 300


class EncodeError(Exception):
    """A value that cannot cross the channel."""


_KEYS = type({}.keys())
_VALUES = type({}.values())
_ITEMS = type({}.items())
_BUILTIN_TYPES = {t.__name__: t for t in (
    bool, int, float, complex, str, bytes, bytearray, list, tuple, dict, set, frozenset, range,
    type(None), object, type, slice, memoryview)}
_BUILTIN_TYPES["NoneType"] = type(None)


def _hex(value):
    return format(value, "x")


def _safe_repr(value):
    try:
        text = repr(value)
    except BaseException:  # noqa: B036 - a candidate's __repr__ may raise anything
        return "<unprintable>"
    if type(text) is not str:
        return "<unprintable>"
    return text if len(text) <= OPAQUE_REPR else text[:OPAQUE_REPR] + "..."


def _truth(value):
    try:
        return bool(value)
    except BaseException:  # noqa: B036
        return True


def _type_name(value):
    try:
        name = type.__dict__["__qualname__"].__get__(type(value))
    except Exception:
        return "object"
    return name if type(name) is str else "object"


class Encoder:
    """Encodes one value canonically. Only exact builtin and standard-library types are taken
    apart, through their base type's own slots (an overridden __eq__, __iter__ or __repr__ of a
    subclass never runs here); anything else becomes an opaque value described by its type name
    and repr. Iterators are drained (up to MAX_ITEMS) into an iterator of their items."""

    def __init__(self):
        self.items = 0

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise EncodeError("value nested deeper than %d levels" % MAX_DEPTH)
        self.items += 1
        if self.items > MAX_ITEMS:
            raise EncodeError("value has more than %d items" % MAX_ITEMS)
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value if -(2**53) < value < 2**53 else {"$": "int", "v": _hex(value)}
        if kind is float:
            return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
        if kind is list:
            return [self.encode(item, depth + 1) for item in list.__iter__(value)]
        if kind is tuple:
            return {"$": "tuple", "v": [self.encode(i, depth + 1) for i in tuple.__iter__(value)]}
        if kind is dict:
            return {"$": "dict", "v": self._pairs(dict.items(value), depth)}
        if kind is set or kind is frozenset:
            return {"$": kind.__name__, "v": [self.encode(i, depth + 1) for i in kind.__iter__(value)]}
        if kind is bytes or kind is bytearray:
            return {"$": kind.__name__, "v": bytes(value).hex()}
        if kind is complex:
            return {"$": "complex", "v": [repr(value.real), repr(value.imag)]}
        if kind is range:
            return {"$": "range", "v": [self.encode(value.start), self.encode(value.stop),
                                        self.encode(value.step)]}
        if value is Ellipsis:
            return {"$": "ellipsis"}
        encoded = self._standard(value, kind, depth)
        if encoded is not None:
            return encoded
        for base in (bool, int, float, str, bytes, tuple, list, dict, frozenset, set, complex):
            if isinstance(value, base):
                return self.encode(_as_base(base, value), depth)
        if _is_iterator(value):
            try:
                items = []
                for item in value:
                    items.append(self.encode(item, depth + 1))
            except EncodeError:
                raise
            except BaseException:  # noqa: B036 - a failing iterator is described, not raised
                return self.opaque(value, depth)
            return {"$": "iterator", "v": items}
        return self.opaque(value, depth)

    def opaque(self, value, depth=0):
        """An object of the program's own: its type name, repr, str and truth, and (for a
        container) its length and items as the program iterates them, so that the judge's
        builtins (`len`, `list`, `sorted`, `str`, ...) see what python3 would; comparisons
        with the test's values never call its methods."""
        described = {"$": "opaque", "type": _type_name(value), "repr": _safe_repr(value),
                     "truth": _truth(value)}
        try:
            text = str(value)
            described["str"] = text if type(text) is str and len(text) <= 1 << 16 else None
        except BaseException:  # noqa: B036
            pass
        kind = type(value)
        if hasattr(kind, "__iter__") and not _is_iterator(value):
            try:
                items = []
                for item in value:
                    items.append(self.encode(item, depth + 1))
                described["items"] = items
            except BaseException:  # noqa: B036 - not iterable after all, or too big
                pass
        if hasattr(kind, "__len__"):
            try:
                length = len(value)
                if type(length) is int:
                    described["len"] = length
            except BaseException:  # noqa: B036
                pass
        return described

    def _pairs(self, pairs, depth):
        return [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in pairs]

    def _standard(self, value, kind, depth):
        """Standard-library values, by exact type; None for anything else."""
        if kind is fractions.Fraction:
            return {"$": "fraction", "v": [_hex(value.numerator), _hex(value.denominator)]}
        if kind is decimal.Decimal:
            return {"$": "decimal", "v": decimal.Decimal.__str__(value)}
        if kind is collections.OrderedDict:
            return {"$": "odict", "v": self._pairs(dict.items(value), depth)}
        if kind is collections.Counter:
            return {"$": "counter", "v": self._pairs(dict.items(value), depth)}
        if kind is collections.defaultdict:
            return {"$": "dict", "v": self._pairs(dict.items(value), depth)}
        if kind is collections.deque:
            return {"$": "deque", "v": [self.encode(i, depth + 1) for i in collections.deque.__iter__(value)],
                    "maxlen": value.maxlen}
        if kind is _KEYS:
            return {"$": "keys", "v": [self.encode(i, depth + 1) for i in _KEYS.__iter__(value)]}
        if kind is _VALUES:
            return {"$": "values", "v": [self.encode(i, depth + 1) for i in _VALUES.__iter__(value)]}
        if kind is _ITEMS:
            return {"$": "items", "v": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                         for k, v in _ITEMS.__iter__(value)]}
        if kind is memoryview:
            try:
                return {"$": "memoryview", "v": value.tobytes().hex(), "format": value.format,
                        "shape": list(value.shape or ())}
            except (ValueError, TypeError):
                return None
        if kind is datetime.timedelta:
            return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
        if kind in (datetime.date, datetime.datetime, datetime.time):
            tz = getattr(value, "tzinfo", None)
            if tz is not None and type(tz) is not datetime.timezone:
                return None
            return {"$": kind.__name__, "v": kind.isoformat(value)}
        if kind is type and _BUILTIN_TYPES.get(value.__name__) is value:
            return {"$": "type", "v": value.__name__}
        if kind is array.array:
            return {"$": "array", "code": value.typecode,
                    "v": [self.encode(i, depth + 1) for i in array.array.tolist(value)]}
        if kind is slice:
            return {"$": "slice", "v": [self.encode(value.start, depth + 1),
                                        self.encode(value.stop, depth + 1),
                                        self.encode(value.step, depth + 1)]}
        return None


def encode_value(value):
    """The canonical encoding of `value`; a value too big or too deep to cross is opaque."""
    encoder = Encoder()
    try:
        return encoder.encode(value)
    except (EncodeError, RecursionError, MemoryError):
        return Encoder().opaque(value)


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


class Opaque:
    """A value the candidate returned that is not plain data: it equals only itself, hashes by
    identity, is as true as the candidate's object was, and shows the candidate's repr."""

    __slots__ = ("type_name", "text", "truth", "string", "items", "length")

    def __init__(self, type_name, text, truth, string=None, items=None, length=None):
        self.type_name = type_name
        self.text = text
        self.truth = truth
        self.string = string
        self.items = items
        self.length = length

    def __repr__(self):
        return self.text

    def __str__(self):
        return self.text if self.string is None else self.string

    def __bool__(self):
        return self.truth

    def __iter__(self):
        if self.items is None:
            raise TypeError("'%s' object is not iterable" % self.type_name)
        return iter(self.items)

    def __len__(self):
        if self.length is None:
            raise TypeError("object of type '%s' has no len()" % self.type_name)
        return self.length


_ISO_TIME = _re.compile(r"^[0-9T:.+\-]+$")
SPREAD_CHECK = 512  # hashed containers larger than this have their hashes checked first


def _hashed(kind, keys, build):
    """`build()` for a set or dict over `keys`, unless their hashes collide so much that building
    it would take quadratic time (a candidate can return ints that all hash alike): then an
    opaque value, which equals nothing."""
    if len(keys) > SPREAD_CHECK:
        try:
            distinct = len({hash(key) for key in keys})
        except TypeError:
            distinct = len(keys)
        if distinct < len(keys) // 2:
            return Opaque(kind, "<%s of %d values whose hashes collide>" % (kind, len(keys)), True)
    return build()


def decode(data, depth=0):
    """Decodes what Encoder produced into values of the same builtin or standard types."""
    if depth > MAX_DEPTH + 2:
        raise ProtocolError("value nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item, depth + 1) for item in data]
    if not isinstance(data, dict):
        raise ProtocolError("unexpected value %r" % type(data).__name__)
    tag = data.get("$")
    value = data.get("v")

    def items():
        if not isinstance(value, list):
            raise ProtocolError("tag %r without a list" % (tag,))
        return [decode(item, depth + 1) for item in value]

    def pairs():
        if not isinstance(value, list) or not all(isinstance(p, list) and len(p) == 2 for p in value):
            raise ProtocolError("tag %r without pairs" % (tag,))
        return [(decode(k, depth + 1), decode(v, depth + 1)) for k, v in value]

    def text():
        if not isinstance(value, str):
            raise ProtocolError("tag %r without a string" % (tag,))
        return value

    if tag == "int":
        return int(text(), 16)
    if tag == "float":
        return float(text())
    if tag == "tuple":
        return tuple(items())
    if tag == "dict":
        got = pairs()
        return _hashed("dict", [k for k, _ in got], lambda: dict(got))
    if tag == "set":
        got = items()
        return _hashed("set", got, lambda: set(got))
    if tag == "frozenset":
        got = items()
        return _hashed("frozenset", got, lambda: frozenset(got))
    if tag == "bytes":
        return bytes.fromhex(text())
    if tag == "bytearray":
        return bytearray.fromhex(text())
    if tag == "complex":
        parts = items()
        return complex(float(parts[0]), float(parts[1]))
    if tag == "range":
        return range(*[int(part) for part in items()])
    if tag == "ellipsis":
        return Ellipsis
    if tag == "iterator":
        return iter(items())
    if tag == "fraction":
        parts = [int(text_part, 16) for text_part in value] if isinstance(value, list) else None
        if not parts or len(parts) != 2:
            raise ProtocolError("malformed fraction")
        return fractions.Fraction(parts[0], parts[1])
    if tag == "decimal":
        return decimal.Decimal(text())
    if tag == "odict":
        got = pairs()
        return _hashed("OrderedDict", [k for k, _ in got], lambda: collections.OrderedDict(got))
    if tag == "counter":
        got = pairs()
        return _hashed("Counter", [k for k, _ in got], lambda: collections.Counter(dict(got)))
    if tag == "deque":
        maxlen = data.get("maxlen")
        return collections.deque(items(), maxlen if isinstance(maxlen, int) else None)
    if tag == "keys":
        got = items()
        return _hashed("dict_keys", got, lambda: dict.fromkeys(got).keys())
    if tag == "values":
        return dict(enumerate(items())).values()
    if tag == "items":
        got = pairs()
        return _hashed("dict_items", [k for k, _ in got], lambda: dict(got).items())
    if tag == "memoryview":
        view = memoryview(bytes.fromhex(text()))
        fmt, shape = data.get("format"), data.get("shape")
        if isinstance(fmt, str) and fmt != "B" and isinstance(shape, list):
            view = view.cast(fmt, [int(s) for s in shape]) if shape else view.cast(fmt)
        return view
    if tag == "timedelta":
        parts = [int(p) for p in items()]
        return datetime.timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2])
    if tag in ("date", "datetime", "time"):
        kind = getattr(datetime, tag)
        if not _ISO_TIME.match(text()):
            raise ProtocolError("malformed %s" % tag)
        return kind.fromisoformat(value)
    if tag == "type":
        kind = _BUILTIN_TYPES.get(text())
        if kind is None:
            raise ProtocolError("unknown type %r" % value)
        return kind
    if tag == "slice":
        return slice(*items())
    if tag == "opaque":
        string, items, length = data.get("str"), data.get("items"), data.get("len")
        return Opaque(str(data.get("type", "object"))[:200], str(data.get("repr", ""))[:OPAQUE_REPR + 3],
                      bool(data.get("truth", True)),
                      string if isinstance(string, str) else None,
                      [decode(item, depth + 1) for item in items] if isinstance(items, list) else None,
                      length if isinstance(length, int) and not isinstance(length, bool) and length >= 0
                      else None)
    if tag == "array":
        code = data.get("code")
        if not isinstance(code, str) or len(code) != 1 or code not in array.typecodes:
            raise ProtocolError("malformed array")
        return array.array(code, items())
    raise ProtocolError("unknown value tag %r" % (tag,))
