"""Reading and writing dotted paths the way the production helpers do.

Reading follows the ``get-value`` package: a key that literally equals the whole path wins,
then the path is walked segment by segment, and a missing segment is retried joined with
the following ones ("a.b" as one key). Walking stops at anything that is not an object or
array. Writing follows lodash ``set`` for the simple "a[0].b" targets the tables use.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from capcheck.mappers.moengage.jsvalues import UNDEF


class SourcePath:
    """A precompiled dotted source path."""

    __slots__ = ("text", "segments", "first", "simple")

    def __init__(self, text: str) -> None:
        self.text = text
        self.segments: tuple[str, ...] = tuple(text.split("."))
        self.first = self.segments[0]
        self.simple = len(self.segments) == 1

    def get(self, target: Any) -> Any:
        """The value at this path, or ``UNDEF`` (a non-object root is returned unchanged)."""
        if type(target) is dict:
            if self.text in target:
                return target[self.text]
            if self.simple:
                return UNDEF
            # Fast path: exact keys through plain objects. Where that stops, continue with
            # the full algorithm from the same point (its choices so far are the same).
            segments = self.segments
            last = len(segments) - 1
            node: Any = target
            for i, segment in enumerate(segments):
                kind = type(node)
                if kind is dict:
                    if segment in node:
                        node = node[segment]
                        continue
                    if i == last:
                        return UNDEF
                    return _walk(node, segments[i:])
                if kind is list or isinstance(node, (dict, list)):
                    return _walk(node, segments[i:])
                return UNDEF
            return node
        if not isinstance(target, (dict, list)):
            return target
        return _walk(target, self.segments)


def _has(target: Any, key: str) -> bool:
    if isinstance(target, dict):
        return key in target
    # Arrays: only own index keys are reachable through the paths used here.
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < len(
        target
    )


def _at(target: Any, key: str) -> Any:
    if isinstance(target, dict):
        return target[key]
    return target[int(key)]


def _walk(target: Any, segments: tuple[str, ...]) -> Any:
    n = len(segments)
    idx = 0
    while True:
        prop = segments[idx]
        if _has(target, prop):
            target = _at(target, prop)
        else:
            found = False
            j = idx + 1
            while j < n:
                prop = prop + "." + segments[j]
                j += 1
                if _has(target, prop):
                    target = _at(target, prop)
                    idx = j - 1
                    found = True
                    break
            if not found:
                return UNDEF
        idx += 1
        if idx >= n or not isinstance(target, (dict, list)):
            break
    return target if idx == n else UNDEF


def compile_target(text: str) -> tuple[str | int, ...]:
    """Split a lodash-style target ("merge_data[0].retained_user") into keys and indexes."""
    parts: list[str | int] = []
    for piece in text.split("."):
        while "[" in piece and piece.endswith("]"):
            head, _, rest = piece.partition("[")
            if head:
                parts.append(head)
            index_text, _, piece = rest.partition("]")
            parts.append(int(index_text))
            if piece.startswith("["):
                continue
            piece = piece.lstrip(".")
            if not piece:
                break
        if piece:
            parts.append(piece)
    return tuple(parts)


def set_target(payload: dict[str, Any], target: tuple[str | int, ...], value: Any) -> None:
    """Set ``value`` at ``target``, creating objects and arrays on the way (lodash set)."""
    node: Any = payload
    last = len(target) - 1
    for i, key in enumerate(target):
        if i == last:
            if isinstance(key, int):
                while len(node) <= key:
                    node.append(UNDEF)
            node[key] = value
            return
        nxt = target[i + 1]
        if isinstance(key, int):
            while len(node) <= key:
                node.append(UNDEF)
            child = node[key]
        else:
            child = node.get(key, UNDEF)
        if not isinstance(child, (dict, list)):
            child = [] if isinstance(nxt, int) else {}
            node[key] = child
        node = child


class Row(NamedTuple):
    target: tuple[str | int, ...]
    key: str | None  # the target when it is one plain key
    catch_all: bool
    sources: tuple[SourcePath, ...]
    single: bool  # "from" was one path (raw value) rather than a list (first present)
    required: bool
    convert: str | None
    exclude: tuple[str, ...]
    missing_message: str
