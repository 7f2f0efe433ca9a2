"""JSON documents that remember where everything was.

``json.loads`` (C speed) gives the data. Positions are found on demand, for the few
pointers that evidence and findings name: a walk down the pointer's path that lists
the members of each container on the way and skips every other value with the C
scanner (each container is listed once per document). The standard parser silently
keeps the last of two equal keys, so duplicate keys are looked for (again at C speed)
only when asked; a document that has some gets the full positional pass, which also
gives the positions for it.

Like JavaScript's ``JSON.parse``, the loader rejects ``NaN`` and ``Infinity``; an
integer literal too long for Python's int conversion limit is read as JavaScript
reads it, as a double (``Infinity`` past the range).
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable
from pathlib import Path

from capcheck.model import LoadError, Location
from capcheck.records import dataclass

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<str>"[^"\\\n]*(?:\\.[^"\\\n]*)*")
  | (?P<punct>[{}\[\]:,])
  | (?P<lit>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)
    """,
    re.VERBOSE,
)


def escape_pointer_token(token: str) -> str:
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


def unescape_pointer_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer(*parts: str | int) -> str:
    """Build a JSON pointer (RFC 6901) from its unescaped parts."""
    return "".join("/" + escape_pointer_token(str(p)) for p in parts)


@dataclass(frozen=True)
class DuplicateKey:
    """An object member whose key repeats an earlier one of the same object."""

    pointer: str  # pointer of the object member that repeats
    line: int
    column: int
    first_line: int
    first_column: int


@dataclass
class _Positions:
    """Offsets of every member and value of a JSON text, its repeated keys, line starts."""

    members: dict[str, int]  # pointer -> offset of the key (or array item)
    values: dict[str, int]  # pointer -> offset of the value's first character
    duplicates: list[DuplicateKey]
    line_starts: list[int]

    def line_col(self, offset: int | None) -> tuple[int, int] | None:
        if offset is None:
            return None
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1


@dataclass
class _Members:
    """The direct children of one container: name -> (member offset, value offset)."""

    offsets: dict[str, tuple[int, int]]
    duplicated: bool = False  # an object that repeats a key


_UNREAD: Any = object()  # data not made yet (see JsonDocument.lazy)


class JsonDocument:
    """A parsed JSON file: its data plus positions computed on first use.

    A document made by ``lazy`` was checked to be JSON that ``json.loads`` reads, but
    holds only its bytes: its text is decoded and its data made (by the same parser as
    any other document, so they are the same) when first asked for, and ``kind``,
    ``keys`` and ``get`` answer from the validated bytes without making the rest. Most
    of the 8 MB of a corpus is in schema.json and ui-config.json files of which a
    matrix needs only a list of names (or nothing)."""

    def __init__(self, path: Path, text: str | None, data: Any,
                 raw: bytes | None = None, view: Any = None) -> None:
        self.path = path
        self._text = text
        self._data = data
        self._raw = raw
        self._view = view  # the simdjson document of a lazy one, until data is made
        self._nodes: dict[str, tuple[bool, Any]] = {}  # pointer -> _lazy_node's answer
        self._positions: _Positions | None = None
        self._containers: dict[str, _Members] = {}
        self._has_duplicates: bool | None = None
        self._found: dict[str, tuple[int, int] | None] = {}
        self._shown: tuple[Path, str] | None = None

    @classmethod
    def lazy(cls, path: Path, raw: bytes) -> JsonDocument | None:
        """A document of the UTF-8 bytes ``raw`` (a BOM removed) whose data is made when
        first read, or None when that cannot be promised here (not valid JSON to
        simdjson, which is stricter than ``json.loads`` and then defers to it; no
        simdjson installed)."""
        try:
            import simdjson
        except ImportError:  # pragma: no cover - a runtime dependency
            return None
        try:
            view = simdjson.Parser().parse(raw)
        except (ValueError, RuntimeError, UnicodeDecodeError):
            return None
        opened = raw.count(b"[") + raw.count(b"{")
        if opened >= _FAST_MAX_BRACKETS and (
                max(opened, raw.count(b"]") + raw.count(b"}")) > _DEPTH_SCAN_MAX
                or _nested_as_deep(raw, _FAST_MAX_BRACKETS)):
            return None  # the standard parser decides (it may find it too deep)
        return cls(path, None, _UNREAD, raw, view)

    def __repr__(self) -> str:
        return f"JsonDocument(path={self.path!r})"

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._raw is not None
            self._text = self._raw.decode("utf-8")
        return self._text

    @property
    def data(self) -> Any:
        if self._data is _UNREAD:
            self._view = None
            self._nodes.clear()
            made = _fast_parse(self.text, self._raw)
            self._data = made if made is not _SLOW else _strict_decode(self.text)
        return self._data

    def _lazy_node(self, ptr: str) -> tuple[bool, Any]:
        """(True, the simdjson node at ``ptr`` or _ABSENT) while the data is not made
        and the walk meets no repeated key (where json.loads keeps the last value, and
        simdjson's lookup the first); (False, None) when the made data must answer.
        simdjson's values are json.loads's: the same ints (it refuses those past 64
        bits), correctly rounded floats (it refuses overflow), "-0" an int, and
        ``as_dict`` keeps the last of repeated keys, in first-seen order."""
        view = self._view
        if view is None or self._data is not _UNREAD or (ptr and ptr[0] != "/"):
            return False, None
        found = self._nodes.get(ptr)
        if found is not None:
            return found
        if not ptr:
            found = (True, view)
        else:
            parent, _, raw_token = ptr.rpartition("/")
            found = self._lazy_node(parent)
            if found[0] and found[1] is not _ABSENT:
                found = _step(found[1], unescape_pointer_token(raw_token))
        self._nodes[ptr] = found
        return found

    def kind(self, ptr: str) -> type | None:
        """The type of the value at ``ptr`` (dict, list, str, ...), None if absent."""
        lazy, node = self._lazy_node(ptr)
        if lazy:
            return None if node is _ABSENT else _simd_type(node)
        found = resolve_pointer(self.data, ptr, _ABSENT)
        return None if found is _ABSENT else type(found)

    def keys(self, ptr: str) -> list[str]:
        """The member names, in order and each once, of the object at ``ptr``."""
        lazy, node = self._lazy_node(ptr)
        if lazy:
            return list(dict.fromkeys(node.keys())) if _simd_type(node) is dict else []
        found = resolve_pointer(self.data, ptr, None)
        return list(found) if isinstance(found, dict) else []

    # -- positions -------------------------------------------------------------
    def _index(self) -> _Positions:
        if self._positions is None:
            self._positions = _scan_positions(self.text)
        return self._positions

    def _offsets(self, ptr: str) -> tuple[int, int] | None:
        """(member offset, value offset) of ``ptr``, None when it names nothing."""
        if self._positions is not None:
            return _full_offsets(self._positions, ptr)
        if ptr in self._found:
            return self._found[ptr]
        found = _walk(self.text, ptr, self._containers)
        if found is _DUPLICATED:  # first or last of two equal keys: the full pass decides
            return _full_offsets(self._index(), ptr)
        assert not isinstance(found, _Duplicated)
        self._found[ptr] = found
        return found

    def _line_col(self, offset: int) -> tuple[int, int]:
        if self._positions is not None:
            found = self._positions.line_col(offset)
            assert found is not None
            return found
        return _text_line_col(self.text, offset)

    def position(self, ptr: str) -> tuple[int, int] | None:
        """(line, column), 1-based, of the member named by ``ptr`` (its key for an
        object member, its first character for an array item or the root)."""
        found = self._offsets(ptr)
        return None if found is None else self._line_col(found[0])

    def value_position(self, ptr: str) -> tuple[int, int] | None:
        found = self._offsets(ptr)
        return None if found is None or found[1] < 0 else self._line_col(found[1])

    def location(self, ptr: str, *, fallback_to_parent: bool = True) -> Location:
        """A Location for ``ptr``; when the member does not exist (e.g. a missing key),
        point at the nearest existing parent so that the user still gets a line."""
        line, column = self._line_col_of(ptr, fallback_to_parent)
        return Location(file=self._file(), line=line, column=column, pointer=ptr)

    def deferred_location(self, ptr: str) -> Location:
        """``location(ptr)`` whose line and column are found when first read (see
        ``Location.deferred``); until then the location keeps this document alive."""
        return Location.deferred(self._file(), ptr, lambda: self._line_col_of(ptr, True))

    def _line_col_of(self, ptr: str, fallback_to_parent: bool) -> tuple[int | None, int | None]:
        probe = ptr
        while True:
            pos = self.position(probe)
            if pos is not None or not fallback_to_parent or probe == "":
                break
            # "a/b" -> "a" -> "" (the document): a pointer without a leading "/" ends too
            probe = probe.rsplit("/", 1)[0] if "/" in probe else ""
        return pos if pos else (None, None)

    def _file(self) -> str:
        """``str(self.path)``, one string shared by every Location of this document."""
        shown = self._shown
        if shown is None or shown[0] is not self.path:
            shown = self._shown = (self.path, str(self.path))
        return shown[1]

    @property
    def duplicate_keys(self) -> list[DuplicateKey]:
        if self._has_duplicates is None:
            self._has_duplicates = not self._written_back() and _has_duplicate_keys(self.text)
        if not self._has_duplicates:
            return []
        return self._index().duplicates

    def _written_back(self) -> bool:
        """Whether the data, written out (orjson), is the file written out without
        whitespace (simdjson): then no object of the file repeats a key, since a repeated
        member would be written twice in one and once in the other. Decided in C, a
        tenth of the time of a parse that compares every object's keys (which still
        decides whenever the two differ: other number or escape spellings, say). Only
        for files up to ``_WRITTEN_BACK_MAX`` bytes: writing out takes about ten bytes per
        byte for a moment (orjson's buffer); real definitions are under 100 KB."""
        if len(self._raw if self._raw is not None else self.text) > _WRITTEN_BACK_MAX:
            return False
        try:
            import orjson
            import simdjson

            view: Any = self._view  # a lazy document's, while its data is not made
            if view is None:
                raw = self._raw if self._raw is not None else self.text.encode("utf-8")
                view = simdjson.Parser().parse(raw)
            if not isinstance(view, (simdjson.Object, simdjson.Array)):
                return True  # a lone value has no keys
            return bool(view.mini == orjson.dumps(self.data))
        except (ImportError, ValueError, RuntimeError, TypeError, UnicodeError):
            return False

    def get(self, ptr: str, default: Any = None) -> Any:
        """The value at ``ptr`` (``default`` if absent); of a lazy document, only that
        value is made."""
        lazy, node = self._lazy_node(ptr)
        if lazy:
            if node is _ABSENT:
                return default
            kind = _simd_type(node)
            return node.as_dict() if kind is dict else node.as_list() if kind is list else node
        return resolve_pointer(self.data, ptr, default)


_ABSENT: Any = object()
_WRITTEN_BACK_MAX = 1 << 18


def _step(node: Any, token: str) -> tuple[bool, Any]:
    """``_lazy_node``'s step from ``node`` to its member ``token`` (as resolve_pointer
    steps)."""
    import simdjson

    if isinstance(node, simdjson.Object):
        keys = list(node.keys())
        if len(keys) != len(set(keys)):
            return False, None
        return (True, node[token]) if token in keys else (True, _ABSENT)
    if isinstance(node, simdjson.Array) and token.isdigit() and int(token) < len(node):
        return True, node[int(token)]
    return True, _ABSENT


def _simd_type(node: Any) -> type:
    import simdjson

    if isinstance(node, simdjson.Object):
        return dict
    return list if isinstance(node, simdjson.Array) else type(node)


def _full_offsets(index: _Positions, ptr: str) -> tuple[int, int] | None:
    member = index.members.get(ptr)
    value = index.values.get(ptr)
    if member is None:
        return None if value is None else (value, value)
    return member, -1 if value is None else value


# -- the pointer walk -----------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_SCAN: Any = json.scanner.make_scanner(_DECODER)  # type: ignore[arg-type]
_SCAN_JS: Any = None  # the same, reading long integers as JavaScript does (on demand)
_scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]


class _Duplicated:
    """Marker: the walk met an object that repeats a key."""


_DUPLICATED = _Duplicated()


def _skip_value(text: str, start: int) -> int:
    """The offset just after the JSON value that starts at ``start`` (C speed)."""
    global _SCAN_JS
    try:
        return int(_SCAN(text, start)[1])
    except ValueError:  # an integer past Python's digit limit
        if _SCAN_JS is None:
            reading_js = json.JSONDecoder(parse_int=_js_int)
            _SCAN_JS = json.scanner.make_scanner(reading_js)  # type: ignore[arg-type]
        return int(_SCAN_JS(text, start)[1])


# After a value: the separator and the whitespace around it.
_AFTER = re.compile(r"[ \t\n\r]*,?[ \t\n\r]*")
# An object key without escapes, its colon and the whitespace up to the value.
_PLAIN_KEY = re.compile(r'"([^"\\]*)"[ \t\n\r]*:[ \t\n\r]*')


def _members(text: str, start: int) -> _Members:
    """List the direct children of the container at ``start`` (valid JSON)."""
    offsets: dict[str, tuple[int, int]] = {}
    duplicated = False
    after: Callable[[str, int], re.Match[str]] = _AFTER.match  # type: ignore[assignment]
    i = after(text, start + 1).end()  # valid JSON: no comma right after the bracket
    if text[start] == "[":
        index = 0
        while text[i] != "]":
            offsets[str(index)] = (i, i)
            index += 1
            i = after(text, _skip_value(text, i)).end()
        return _Members(offsets)
    plain_key = _PLAIN_KEY.match
    while text[i] != "}":
        key_start = i
        found = plain_key(text, i)
        if found is not None:
            key, i = found.group(1), found.end()
        else:  # a key with escapes
            key, i = _scanstring(text, i + 1)
            i = _WS.match(text, _WS.match(text, i).end() + 1).end()  # type: ignore[union-attr]
        if key in offsets:
            duplicated = True
        else:
            offsets[key] = (key_start, i)
        i = after(text, _skip_value(text, i)).end()
    return _Members(offsets, duplicated)


def _walk(
    text: str, ptr: str, containers: dict[str, _Members]
) -> tuple[int, int] | _Duplicated | None:
    root = len(text) - len(text.lstrip(" \t\n\r"))
    if ptr == "":
        return root, root
    if not ptr.startswith("/"):
        return None
    value = root
    here = ""
    found: tuple[int, int] | None = None
    for token in ptr[1:].split("/"):
        if text[value] not in "{[":
            return None
        listing = containers.get(here)
        if listing is None:
            listing = containers[here] = _members(text, value)
        if listing.duplicated:
            return _DUPLICATED
        name = _canonical(token, text[value] == "[")
        found = None if name is None else listing.offsets.get(name)
        if found is None:
            return None
        value = found[1]
        here = f"{here}/{token}"
    return found


def _canonical(token: str, in_array: bool) -> str | None:
    """The member name a pointer token names, or None for a token that the full pass
    would not have written (``/01``, ``~2``): such a pointer names nothing."""
    if "~" not in token and not in_array:
        return token
    if in_array:
        if token.isascii() and token.isdigit() and str(int(token)) == token:
            return token
        return None
    key = unescape_pointer_token(token)
    return key if escape_pointer_token(key) == token else None


class _HasDuplicate(Exception):
    pass


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> None:
    if len(pairs) > 1 and len({key for key, _ in pairs}) != len(pairs):
        raise _HasDuplicate
    return None  # the values are not needed


def _has_duplicate_keys(text: str) -> bool:
    """Whether any object of the (valid) text repeats a key: a parse at C speed."""
    try:
        json.loads(text, object_pairs_hook=_no_duplicate_pairs, parse_int=_js_int)
    except _HasDuplicate:
        return True
    return False


# -- JavaScript's reading of numbers and constants ----------------------------------------


def _js_int(literal: str) -> int | float:
    """An integer literal as an int; past Python's digit limit, as JavaScript reads it:
    a double (``Infinity`` past the range)."""
    try:
        return int(literal)
    except ValueError:
        return float(literal)


class _NonFinite(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_constant(name: str) -> Any:
    raise _NonFinite(name)


_STRICT = json.JSONDecoder(parse_constant=_reject_constant)
_STRICT_JS_INT = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_js_int)
_CONSTANT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?P<c>NaN|-?Infinity)')


def _constant_offset(text: str) -> int | None:
    for match in _CONSTANT.finditer(text):
        if match.group("c"):
            return match.start()
    return None


def resolve_pointer(data: Any, ptr: str, default: Any = None) -> Any:
    if ptr == "":
        return data
    node = data
    for raw in ptr.split("/")[1:]:
        token = unescape_pointer_token(raw)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return default
    return node


def load_json(path: Path, display: Path | None = None) -> JsonDocument | LoadError:
    """Read and parse ``path``; every failure comes back as a LoadError value.
    Locations name the file ``display`` (default: ``path``)."""
    result = _load_json(path)
    if display is None or display == path:
        return result
    if isinstance(result, LoadError):
        loc = result.location
        return LoadError(Location(str(display), loc.line, loc.column, loc.pointer), result.message,
                         result.destination)
    result.path = display
    return result


def _load_json(path: Path) -> JsonDocument | LoadError:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadError(Location(str(path)), "file not found")
    except IsADirectoryError:
        return LoadError(Location(str(path)), "is a directory, expected a JSON file")
    except OSError as exc:
        return LoadError(Location(str(path)), f"cannot read: {exc.strerror or exc}")
    return parse_json_bytes(path, raw)


def parse_json_bytes(path: Path, raw: bytes, lazy: bool = False) -> JsonDocument | LoadError:
    """Parse the bytes of a JSON file (UTF-8, a BOM dropped); a byte that is not UTF-8
    is an error at its line. Errors name ``path``. With ``lazy``, a file that is surely
    JSON becomes a document whose data is made when first read (``JsonDocument.lazy``);
    whatever is not, is parsed now, as without it."""
    if lazy:
        found = JsonDocument.lazy(path, raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)
        if found is not None:
            return found
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return LoadError(Location(str(path), line=line), "not valid UTF-8")
    return parse_json_text(path, text, raw)


# orjson reads integers of 19 digits and more past 64 bits as floats, and nests deeper
# than the standard parser accepts; where neither can happen, it gives the same values,
# faster. (Anything it rejects goes to the standard parser, which says why.)
# One pass marks digits as "0" and opening brackets as "[", the rest as blanks.
_MARKS = bytes(48 if 48 <= i <= 57 else 91 if i in (91, 123) else 32 for i in range(256))
_LONG_NUMBER = b"0" * 19
_FAST_MAX_BRACKETS = 900


def _fast_parse(text: str, raw: bytes | None = None) -> Any:
    """The data of ``text`` (whose UTF-8 bytes ``raw`` are, when known) by orjson when it
    reads it as ``json.loads`` does, else ``_SLOW``."""
    if raw is None:
        raw = text.encode("utf-8", "surrogatepass")
    marks = raw.translate(_MARKS)
    if marks.count(b"[") >= _FAST_MAX_BRACKETS or _LONG_NUMBER in marks:
        return _SLOW
    try:
        import orjson
    except ImportError:  # pragma: no cover - a runtime dependency
        return _SLOW
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _SLOW


_SLOW = object()

_STRING = re.compile(rb'"[^"]*"')
_OPENING = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKET = bytes(i for i in range(256) if i not in b'[]{}"')
# Above this many brackets of either kind, nesting is not measured: such a document is
# parsed at once, as every document was before (the measure is linear, but the cap
# keeps it a small fraction of a parse whatever the input).
_DEPTH_SCAN_MAX = 1 << 17


def _nested_as_deep(raw: bytes, depth: int) -> bool:
    """Whether the JSON document ``raw`` (valid JSON) nests ``depth`` containers deep
    or more, counting brackets outside strings only.

    Escaped backslashes and quotes are removed first (in JSON a backslash always starts
    a pair), so that a string runs quote to quote; then everything but brackets and
    quotes, then the strings. Each pass removes the innermost pairs, one level; a run
    of ``depth - passes`` opening brackets proves the depth at once (a deep, thin nest
    is decided in the first pass), fewer than ``depth - passes`` pairs left disproves
    it."""
    kept = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_BRACKET)
    brackets = _STRING.sub(b"", kept.replace(b'""', b"")).translate(_OPENING)
    for passes in range(depth):
        if len(brackets) < 2 * (depth - passes):  # balanced: too few pairs left to nest
            return False  # that deep (a wide document is decided in a pass or two)
        if b"[" * (depth - passes) in brackets:
            return True
        shallower = brackets.replace(b"[]", b"")
        if len(shallower) == len(brackets):
            return False
        brackets = shallower
    return False


def parse_json_text(path: Path, text: str, raw: bytes | None = None) -> JsonDocument | LoadError:
    """Parse ``text`` (``raw``: its bytes as read, when the caller has them); every
    failure is a LoadError naming ``path``, with line and column where known."""
    data = _fast_parse(text, raw)
    if data is not _SLOW:
        return JsonDocument(path, text, data)
    try:
        data = _strict_decode(text)
    except json.JSONDecodeError as exc:
        return LoadError(
            Location(str(path), line=exc.lineno, column=exc.colno),
            f"invalid JSON: {exc.msg}",
        )
    except _NonFinite as exc:
        offset = _constant_offset(text)
        line, column = (None, None) if offset is None else _text_line_col(text, offset)
        return LoadError(
            Location(str(path), line=line, column=column),
            f"invalid JSON: {exc.name} is not a JSON value (JavaScript's JSON.parse "
            "rejects it)",
        )
    except RecursionError:
        return LoadError(Location(str(path)), "invalid JSON: nested too deeply")
    except ValueError as exc:
        return LoadError(Location(str(path)), f"invalid JSON: {exc}")
    return JsonDocument(path, text, data)


def _strict_decode(text: str) -> Any:
    """``text``'s data by the standard parser: no NaN or Infinity, and an integer past
    Python's digit limit read as JavaScript reads it."""
    try:
        return _STRICT.decode(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer literal past Python's digit limit
        return _STRICT_JS_INT.decode(text)


def _text_line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _scan_positions(text: str) -> _Positions:
    """Walk the (already validated) JSON text once, recording positions.

    The text is known to be valid JSON, so the walker can be simple: a stack of
    containers, each with its pointer, the next array index and the keys seen.
    """
    members: dict[str, int] = {}
    values: dict[str, int] = {}
    duplicates: list[DuplicateKey] = []
    line_starts = [0]
    for match in re.finditer("\n", text):
        line_starts.append(match.end())
    index = _Positions(members, values, duplicates, line_starts)

    def pos(offset: int) -> tuple[int, int]:
        found = index.line_col(offset)
        assert found is not None
        return found

    # stack entries: [kind, pointer, next_index, keys_seen(dict), expecting_key]
    stack: list[list[Any]] = []
    pending_key: str | None = None

    def value_pointer() -> str | None:
        if not stack:
            return ""
        top = stack[-1]
        if top[0] == "array":
            ptr = f"{top[1]}/{top[2]}"
            top[2] += 1
            return ptr
        if pending_key is None:
            return None
        return f"{top[1]}/{escape_pointer_token(pending_key)}"

    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "ws":
            continue
        tok = match.group()
        start = match.start()
        if kind == "punct":
            if tok in "{[":
                ptr = value_pointer()
                if ptr is not None:
                    values[ptr] = start
                    if stack and stack[-1][0] == "array":
                        members[ptr] = start
                stack.append(["object" if tok == "{" else "array", ptr or "", 0, {}, tok == "{"])
                pending_key = None
            elif tok in "}]":
                stack.pop()
            elif tok == ",":
                if stack and stack[-1][0] == "object":
                    stack[-1][4] = True
                    pending_key = None
            # ':' needs no action: the key was recorded when it was read
            continue
        top = stack[-1] if stack else None
        if kind == "str" and top is not None and top[0] == "object" and top[4]:
            key = json.loads(tok) if "\\" in tok else tok[1:-1]
            ptr = f"{top[1]}/{escape_pointer_token(key)}"
            seen: dict[str, int] = top[3]
            if key in seen:
                line, col = pos(start)
                first_line, first_col = pos(seen[key])
                duplicates.append(DuplicateKey(ptr, line, col, first_line, first_col))
            else:
                seen[key] = start
                members[ptr] = start
            top[4] = False
            pending_key = key
            continue
        ptr = value_pointer()
        if ptr is not None:
            values.setdefault(ptr, start)
            if top is not None and top[0] == "array":
                members.setdefault(ptr, start)
        pending_key = None
    return index
