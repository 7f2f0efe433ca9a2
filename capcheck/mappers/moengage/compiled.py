"""Mapping tables compiled to straight-line Python, and the reference interpreter.

:func:`construct` runs a table row by row (the reference: constructPayload). For the hot
path :func:`compile_rows` turns one table into a function with the same behaviour, built
once per process: every row becomes inline code, every dotted source path an inline
lookup through plain ``dict`` objects, with the objects on shared path prefixes
("context", "context.traits") looked up once per call. Anything the inline lookup does not
cover (lists on the way, literal "a.b" keys below the root, dict subclasses) goes to the
path's :meth:`SourcePath.get`, so every answer is the reference answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from capcheck.mappers.moengage import jsvalues as js
from capcheck.mappers.moengage.errors import MappingError
from capcheck.mappers.moengage.jsvalues import UNDEF
from capcheck.mappers.moengage.paths import Row, SourcePath, set_target
from capcheck.mappers.moengage.timezones import offset_seconds

Builder = Callable[[Any, datetime, str, bool], dict[str, Any]]

_CONTAINERS = frozenset({dict, list})


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# Prefix variables of the compiled code: _MISS where the parent object lacks the key,
# _ODD where the walk met something other than a plain dict on the way.
_MISS = _Sentinel("<missing>")
_ODD = _Sentinel("<not a plain object>")


# ---------------------------------------------------------------------------- flatten


_INDEX = tuple(f"[{i}]" for i in range(256))  # the "[i]" of list items


def _walk(result: dict[str, Any], cur: Any, prop: str) -> None:
    """flattenJson's recursion: ``cur`` is stored under ``prop`` (or its parts below it).

    Plain dicts and lists (all of parsed JSON) take the first two branches, tuned for the
    common case: string keys, none an array index, so the dict is walked in its own order.
    """
    kind = type(cur)
    if kind is dict:
        if not cur:
            if prop:
                result[prop] = {}
            return
        # Array-index keys (which JavaScript visits first) start with a digit, and digits
        # sort before ":": when no key does, one C-level min() settles it.
        try:
            plain = min(cur) >= ":"
        except TypeError:  # keys that are not all strings
            plain = False
        items = (
            cur.items() if plain or not js.needs_reorder(cur)
            else [(key, cur[key]) for key in js.js_keys(cur)]
        )
        if prop:
            prefix = prop + "."
            for key, value in items:
                kind = type(value)
                if kind is dict or kind is list:
                    _walk(result, value, prefix + key)
                else:
                    result[prefix + key] = value
        else:
            for key, value in items:
                kind = type(value)
                if kind is dict or kind is list:
                    _walk(result, value, key)
                else:
                    result[key] = value
    elif kind is list:
        if not cur:
            result[prop] = []
            return
        suffixes = _INDEX if len(cur) <= len(_INDEX) else [f"[{i}]" for i in range(len(cur))]
        for item, suffix in zip(cur, suffixes):  # noqa: B905 - suffixes may be longer
            kind = type(item)
            if kind is dict or kind is list or isinstance(item, (dict, list)):
                _walk(result, item, prop + suffix)
            else:
                result[prop + suffix] = item
    elif isinstance(cur, dict):  # a dict subclass (Python callers): key by key
        if not cur:
            if prop:
                result[prop] = {}
            return
        keys = cur if not js.needs_reorder(cur) else js.js_keys(cur)
        for key in keys:
            value = cur[key]
            name = prop + "." + key if prop else key
            if type(value) in _CONTAINERS:
                _walk(result, value, name)
            else:
                result[name] = value
    elif isinstance(cur, list):
        for i, item in enumerate(cur):
            _walk(result, item, f"{prop}[{i}]")
        if not cur:
            result[prop] = []
    else:
        result[prop] = cur


def flatten_reference(data: Any) -> dict[str, Any]:
    """flattenJson by the general walk above (what :func:`flatten` is checked against)."""
    result: dict[str, Any] = {}
    _walk(result, data, "")
    try:
        plain = min(result, default=":") >= ":"  # as above: no array-index keys
    except TypeError:
        plain = False
    return result if plain else js.js_ordered(result)


# The fast walk: plain dicts and lists inline, leaves stored without a call, names built
# once per item. Everything else (dict and list subclasses, objects with a key from below
# ":", which may be an array index) goes to the general walk at the same point, which
# writes the same keys in the same order.
_LEAVES = frozenset({str, int, float, bool, type(None)})
# Keys seen to sort from ":" (a set test per object instead of min() over its keys),
# and keys seen not to be array indexes (the same for needs_reorder()).
_PLAIN_KEYS: set[str] = set()
_INDEX_FREE: set[str] = {""}


def _new_plain(obj: dict[Any, Any]) -> bool | None:
    """Whether every key of ``obj`` is a string from ":" on (``min(obj) >= ":"``; None
    when the keys are not all strings); the keys are remembered when they are."""
    try:
        plain = bool(min(obj) >= ":")
    except TypeError:  # keys that are not all strings
        return None
    if plain:
        if len(_PLAIN_KEYS) > 8192:
            _PLAIN_KEYS.clear()
        _PLAIN_KEYS.update(obj)
    return plain


def _flat_dict(result: dict[str, Any], cur: dict[str, Any], prefix: str) -> None:
    """A non-empty plain dict whose keys all sort from ":" (so none is empty or an array
    index); ``prefix`` is "" (the root) or the dict's name and "."."""
    for key, value in cur.items():
        kind = type(value)
        if kind is dict:
            if value:
                if value.keys() <= _PLAIN_KEYS or _new_plain(value):
                    _flat_dict(result, value, prefix + key + ".")
                else:
                    _walk(result, value, prefix + key)
            else:
                result[prefix + key] = {}
        elif kind is list:
            if value:
                _flat_list(result, value, prefix + key)
            else:
                result[prefix + key] = []
        else:
            result[prefix + key] = value


def _flat_list(result: dict[str, Any], cur: list[Any], prop: str) -> None:
    """A non-empty plain list under the name ``prop``."""
    suffixes = _INDEX if len(cur) <= len(_INDEX) else [f"[{i}]" for i in range(len(cur))]
    for item, suffix in zip(cur, suffixes):  # noqa: B905 - suffixes may be longer
        kind = type(item)
        if kind in _LEAVES:
            result[prop + suffix] = item
        elif kind is dict:
            if item:
                if item.keys() <= _PLAIN_KEYS or _new_plain(item):
                    _flat_dict(result, item, prop + suffix + ".")
                else:
                    _walk(result, item, prop + suffix)
            else:
                result[prop + suffix] = {}
        elif kind is list:
            if item:
                _flat_list(result, item, prop + suffix)
            else:
                result[prop + suffix] = []
        else:  # subclasses (walked as containers) and other types (stored)
            _walk(result, item, prop + suffix)


def _flat_root(result: dict[str, Any], cur: dict[str, Any]) -> bool:
    """A non-empty plain dict whose items are named by their bare keys: the root, or an
    object under the key "" there (the catch-all slot of a flattened table). Returns
    whether the result's order still needs the final check (only where the general walk
    took over: here no bare key is an array index)."""
    if not cur.keys() <= _INDEX_FREE:
        if js.needs_reorder(cur):
            _walk(result, cur, "")
            return True
        if len(_INDEX_FREE) > 8192:
            _INDEX_FREE.clear()
            _INDEX_FREE.add("")
        _INDEX_FREE.update(cur)
    check = False
    for key, value in cur.items():
        kind = type(value)
        if kind is dict:
            if value:
                if not key:
                    check = _flat_root(result, value) or check
                    continue
                if value.keys() <= _PLAIN_KEYS or _new_plain(value):
                    _flat_dict(result, value, key + ".")
                else:
                    _walk(result, value, key)
            elif key:
                result[key] = {}
        elif kind is list:
            if value:
                _flat_list(result, value, key)
            else:
                result[key] = []
        else:
            result[key] = value
    return check


def flatten(data: Any) -> dict[str, Any]:
    """flattenJson: nested keys joined with ".", array items as "[i]" (the answer of
    :func:`flatten_reference`, faster on parsed JSON)."""
    result: dict[str, Any] = {}
    if type(data) is dict and data:
        # None: keys that are not all strings (the general walk's answer)
        plain = True if data.keys() <= _PLAIN_KEYS else _new_plain(data)
        if plain:
            # Every name then starts with the first character of a root key: none sorts
            # before ":", none is an array index, and the order stands.
            _flat_dict(result, data, "")
            return result
        if plain is None:
            _walk(result, data, "")
        elif not _flat_root(result, data):
            return result
    else:
        _walk(result, data, "")
    try:
        plain = min(result, default=":") >= ":"  # as above: no array-index keys
    except TypeError:
        plain = False
    return result if plain else js.js_ordered(result)


# ---------------------------------------------------------------------------- reference


def construct(
    message: Any, rows: tuple[Row, ...], now: datetime, slot: str, mutate: bool
) -> dict[str, Any]:
    """constructPayload: run the rows over the event (the reference interpreter)."""
    payload: dict[str, Any] = {}
    for row in rows:
        if row.single:
            value = row.sources[0].get(message)
        else:
            value = None
            for source in row.sources:
                candidate = source.get(message)
                if js.present(candidate):
                    value = candidate
                    break
        if value is not None and value is not UNDEF:
            convert = row.convert
            if convert is not None:
                if convert == "to_string":
                    value = js.to_string(value)
                elif convert == "to_number":
                    value = js.to_number(value)
                elif convert == "flatten":
                    value = flatten(value)
                else:
                    value = offset_seconds(value, now)
            if row.exclude and isinstance(value, dict):
                if mutate:
                    for key in row.exclude:
                        value.pop(key, None)
                else:
                    excluded = row.exclude
                    value = {k: v for k, v in value.items() if k not in excluded}
        if js.present(value):
            if type(value) is float:
                value = js.finite_or_null(value)
            if row.catch_all:
                payload[slot] = value
            elif row.key is not None:
                payload[row.key] = value
            else:
                set_target(payload, row.target, value)
        elif row.required:
            raise MappingError(row.missing_message)
    return payload


# ---------------------------------------------------------------------------- compiler

_CONVERT_CALLS = {
    "to_string": "if type(v) is not str:\n    v = to_string(v)",  # a str is its own String()
    "to_number": "v = to_number(v)",
    "flatten": "v = flatten(v)",
    "tz_offset_seconds": "v = offset_seconds(v, now)",
}
_NOT_PRESENT = (
    "v is UNDEF or v is None or (type(v) is str and not v) or (type(v) is float and v != v)"
)


class _Emitter:
    def __init__(self, rows: tuple[Row, ...], tag: str = "") -> None:
        self.rows = rows
        # Names of the function and its constants: "build" and "path0"... alone, or
        # "build_<tag>" and "<tag>_path0"... so several tables share one module.
        self.tag = tag
        self.stem = f"{tag}_" if tag else ""
        self.lines: list[str] = []
        self.consts: dict[str, Any] = {}
        self.prefixes: dict[tuple[str, ...], str] = {}
        for row in rows:
            for source in row.sources:
                segments = source.segments
                for i in range(1, len(segments)):
                    self.prefixes.setdefault(segments[:i], f"p{len(self.prefixes)}")
        self.lean = False  # emitting the lean body (see source())

    @property
    def function(self) -> str:
        return f"build_{self.tag}" if self.tag else "build"

    def namespace(self) -> dict[str, Any]:
        """The names the code of :meth:`source` reads besides its own locals."""
        return {**RUNTIME, f"{self.stem}ROWS": self.rows, **self.consts}

    def const(self, value: Any, stem: str) -> str:
        name = f"{self.stem}{stem}{len(self.consts)}"
        self.consts[name] = value
        return name

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def prefix_code(self, depth: int) -> None:
        for prefix, var in self.prefixes.items():  # parents come before children
            if len(prefix) == 1:
                self.emit(depth, f"{var} = m.get({prefix[0]!r}, _MISS)")
            else:
                parent = self.prefixes[prefix[:-1]]
                self.emit(
                    depth,
                    f"{var} = {parent}.get({prefix[-1]!r}, _MISS) "
                    f"if type({parent}) is dict else _ODD",
                )

    def lookup(self, depth: int, source: SourcePath) -> None:
        """Statements that set ``v`` to ``source.get(m)`` for a plain-dict ``m``."""
        segments = source.segments
        if len(segments) == 1:
            self.emit(depth, f"v = m.get({segments[0]!r}, UNDEF)")
            return
        k = len(segments) - 1
        parent = self.prefixes[segments[:k]]
        if self.lean:  # no literal dotted keys on the way, every parent a dict ({} if none)
            self.emit(depth, f"v = {parent}.get({segments[k]!r}, UNDEF)")
            return
        slow = f"{self.const(source, 'path')}.get(m)"
        self.emit(depth, f"if {source.text!r} in m:")
        self.emit(depth + 1, f"v = m[{source.text!r}]")
        self.emit(depth, f"elif type({parent}) is dict:")
        self.emit(depth + 1, f"v = {parent}.get({segments[k]!r}, UNDEF)")
        # Where the plain-object walk stopped at a missing key, get-value retries the
        # remaining segments joined with "."; only when one of those keys exists does the
        # answer need the full algorithm.
        for j in range(k, 0, -1):
            var = self.prefixes[segments[:j]]
            holder = "m" if j == 1 else self.prefixes[segments[: j - 1]]
            joined = [
                ".".join(segments[j - 1 : end]) for end in range(j + 1, len(segments) + 1)
            ]
            if j == 1:
                joined = [key for key in joined if key != source.text]
            self.emit(depth, f"elif {var} is _MISS:")
            if joined:
                test = " or ".join(f"{key!r} in {holder}" for key in joined)
                self.emit(depth + 1, f"v = {slow} if ({test}) else UNDEF")
            else:
                self.emit(depth + 1, "v = UNDEF")
        self.emit(depth, "else:")
        self.emit(depth + 1, f"v = {slow}")

    def first_present(self, depth: int, sources: tuple[SourcePath, ...]) -> None:
        self.lookup(depth, sources[0])
        self.emit(depth, f"if {_NOT_PRESENT}:")
        if len(sources) == 1:
            self.emit(depth + 1, "v = None")
        else:
            self.first_present(depth + 1, sources[1:])

    def row(self, index: int, row: Row) -> None:
        self.emit(1, f"# row {index}: {row.key or row.target or '*'}")
        if row.single:
            self.lookup(1, row.sources[0])
            self.emit(1, "if v is not None and v is not UNDEF:")
        else:
            self.first_present(1, row.sources)  # v is now present, or None
            self.emit(1, "if v is not None:")
        body = False
        if row.convert is not None:
            for line in _CONVERT_CALLS[row.convert].split("\n"):
                self.emit(2, line)
            body = True
        if row.exclude:
            excluded = self.const(row.exclude, "excl")
            excluded_set = self.const(frozenset(row.exclude), "exset")
            self.emit(2, "if isinstance(v, dict):")
            self.emit(3, "if mutate:")
            self.emit(4, f"for key in {excluded}:")
            self.emit(5, "v.pop(key, None)")
            self.emit(3, "else:")
            self.emit(4, f"v = {{k: x for k, x in v.items() if k not in {excluded_set}}}")
            body = True
        if not body:
            self.lines.pop()
        if row.single or body:
            self.emit(1, f"if not ({_NOT_PRESENT}):")
        else:
            self.emit(1, "if v is not None:")
        self.emit(2, "if type(v) is float:")
        self.emit(3, "v = finite_or_null(v)")
        if row.catch_all:
            self.emit(2, "payload[slot] = v")
        elif row.key is not None:
            self.emit(2, f"payload[{row.key!r}] = v")
        else:
            self.emit(2, f"set_target(payload, {self.const(row.target, 'target')}, v)")
        if row.required:
            self.emit(1, "else:")
            self.emit(2, f"raise MappingError({row.missing_message!r})")
        if row.exclude and index < len(self.rows) - 1 and not self.lean:
            self.emit(1, "if mutate:")  # later rows see the deleted keys
            self.prefix_code(2)

    def dotted(self) -> list[SourcePath]:
        return [src for row in self.rows for src in row.sources if len(src.segments) > 1]

    def lean_condition(self) -> str:
        """When the lean body gives the general body's answer: no key of the event is a
        dotted source path or a joined retry of one (get-value's literal keys), every
        prefix is a plain object, or missing from a plain object that holds none of the
        joined keys get-value would retry there, or below a missing one; and no
        mutation, unless only the last row deletes keys (no row reads after it)."""
        literal: set[str] = set()
        joins: dict[tuple[str, ...], set[str]] = {}
        for source in self.dotted():
            segments = source.segments
            literal.add(source.text)
            for j in range(len(segments) - 1, 0, -1):
                joined = {".".join(segments[j - 1 : end])
                          for end in range(j + 1, len(segments) + 1)}
                (literal if j == 1 else joins.setdefault(segments[:j], set())).update(joined)
        tests = [f"{self.const(frozenset(literal), 'lit')}.isdisjoint(m)"]
        if any(row.exclude for row in self.rows[:-1]):  # later rows would see deletions
            tests.insert(0, "not mutate")

        def missing(prefix: tuple[str, ...]) -> str:
            var = self.prefixes[prefix]
            if len(prefix) == 1:
                return f"{var} is _MISS"
            return f"({var} is _MISS or {var} is _ODD and {missing(prefix[:-1])})"

        for prefix, var in self.prefixes.items():
            if len(prefix) == 1:
                tests.append(f"(type({var}) is dict or {var} is _MISS)")
                continue
            parent = self.prefixes[prefix[:-1]]
            miss = f"{var} is _MISS"
            if joins.get(prefix):
                miss += f" and {self.const(frozenset(joins[prefix]), 'join')}.isdisjoint({parent})"
            tests.append(f"(type({var}) is dict or {miss} or {var} is _ODD and "
                         f"{missing(prefix[:-1])})")
        return " and ".join(tests)

    def source(self) -> str:
        # Tables with many dotted sources get a lean body first: one test of the event
        # (lean_condition) instead of the literal-key and type tests of every lookup.
        lean = len(self.dotted()) >= LEAN_FROM
        general = f"{self.function}_general" if lean else self.function
        if lean:
            self.emit(0, f"def {self.function}(m, now, slot, mutate):")
            self.emit(1, "if type(m) is not dict:")
            self.emit(2, f"return construct(m, {self.stem}ROWS, now, slot, mutate)")
            self.prefix_code(1)
            self.emit(1, f"if not ({self.lean_condition()}):")
            self.emit(2, f"return {general}(m, now, slot, mutate)")
            for var in self.prefixes.values():
                self.emit(1, f"if type({var}) is not dict:")
                self.emit(2, f"{var} = _EMPTY")
            self.emit(1, "payload = {}")
            self.lean = True
            for index, row in enumerate(self.rows):
                self.row(index, row)
            self.lean = False
            self.emit(1, "return payload")
            self.emit(0, "")
            self.emit(0, "")
        self.emit(0, f"def {general}(m, now, slot, mutate):")
        self.emit(1, "if type(m) is not dict:")
        self.emit(2, f"return construct(m, {self.stem}ROWS, now, slot, mutate)")
        self.prefix_code(1)
        self.emit(1, "payload = {}")
        for index, row in enumerate(self.rows):
            self.row(index, row)
        self.emit(1, "return payload")
        return "\n".join(self.lines) + "\n"


LEAN_FROM = 8  # dotted sources from which a table gets a lean body (see _Emitter.source)
_EMPTY: dict[str, Any] = {}  # the lean body's stand-in for a missing object (only read)

# What every compiled table reads (its constants come on top, see _Emitter.namespace).
RUNTIME: dict[str, Any] = {
    "_EMPTY": _EMPTY,
    "UNDEF": UNDEF,
    "_MISS": _MISS,
    "_ODD": _ODD,
    "MappingError": MappingError,
    "to_string": js.to_string,
    "to_number": js.to_number,
    "finite_or_null": js.finite_or_null,
    "flatten": flatten,
    "offset_seconds": offset_seconds,
    "set_target": set_target,
    "construct": construct,
}


def compile_rows(
    rows: tuple[Row, ...], name: str = "table", generated: dict[str, Any] | None = None
) -> Builder:
    """A function equivalent to ``construct(message, rows, now, slot, mutate)``.

    ``generated``: the namespace of a module holding tables' code as this compiler writes
    it (see ``table.write_generated``): where its code for ``name`` is the code this
    compiler writes now, its function is taken (bound to this table's constants) instead
    of compiling the same text again.
    """
    emitter = _Emitter(rows, _tag(name))
    text = emitter.source()
    if generated is not None and generated.get("SOURCES", {}).get(name) == text:
        generated.update(emitter.namespace())
        found: Builder = generated[emitter.function]
        return found
    namespace = emitter.namespace()
    exec(compile(text, f"<moengage table {name}>", "exec"), namespace)  # noqa: S102
    build: Builder = namespace[emitter.function]
    return build


def _tag(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def source_of(rows: tuple[Row, ...], name: str = "") -> str:
    """The code :func:`compile_rows` generates for ``rows`` (for reading and debugging)."""
    return _Emitter(rows, _tag(name)).source()
