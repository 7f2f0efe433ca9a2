"""JSON documents that remember where everything was.

``json.loads`` (C speed) gives the data; a light regex tokenizer gives, on first
demand, the line and column of every JSON pointer and every duplicate key. The
standard parser silently keeps the last of two equal keys, so duplicates are found
here, by the positional pass, not by the data pass.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from capcheck.model import LoadError, Location

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
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
    pointer: str  # pointer of the object member that repeats
    line: int
    column: int
    first_line: int
    first_column: int


@dataclass
class _Positions:
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
class JsonDocument:
    """A parsed JSON file: its data plus positions computed on first use."""

    path: Path
    text: str
    data: Any
    _positions: _Positions | None = field(default=None, repr=False)

    # -- positions -------------------------------------------------------------
    def _index(self) -> _Positions:
        if self._positions is None:
            self._positions = _scan_positions(self.text)
        return self._positions

    def position(self, ptr: str) -> tuple[int, int] | None:
        """(line, column), 1-based, of the member named by ``ptr`` (its key for an
        object member, its first character for an array item or the root)."""
        index = self._index()
        offset = index.members.get(ptr)
        return index.line_col(index.values.get(ptr) if offset is None else offset)

    def value_position(self, ptr: str) -> tuple[int, int] | None:
        index = self._index()
        return index.line_col(index.values.get(ptr))

    def location(self, ptr: str, *, fallback_to_parent: bool = True) -> Location:
        """A Location for ``ptr``; when the member does not exist (e.g. a missing key),
        point at the nearest existing parent so that the user still gets a line."""
        probe = ptr
        while True:
            pos = self.position(probe)
            if pos is not None or not fallback_to_parent or probe == "":
                break
            probe = probe.rsplit("/", 1)[0]
        line, column = pos if pos else (None, None)
        return Location(file=str(self.path), line=line, column=column, pointer=ptr)

    @property
    def duplicate_keys(self) -> list[DuplicateKey]:
        return self._index().duplicates

    def get(self, ptr: str, default: Any = None) -> Any:
        return resolve_pointer(self.data, ptr, default)


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
        return LoadError(replace(result.location, file=str(display)), result.message,
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
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return LoadError(Location(str(path), line=line), "not valid UTF-8")
    return parse_json_text(path, text)


def parse_json_text(path: Path, text: str) -> JsonDocument | LoadError:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return LoadError(
            Location(str(path), line=exc.lineno, column=exc.colno),
            f"invalid JSON: {exc.msg}",
        )
    except RecursionError:
        return LoadError(Location(str(path)), "invalid JSON: nested too deeply")
    return JsonDocument(path=path, text=text, data=data)


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
