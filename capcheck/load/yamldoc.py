"""Safe YAML loading that keeps the line of every value (for rule packs and config).

``yaml.compose`` (safe: no object construction) gives nodes with marks; we build
plain Python data from them and a pointer -> (line, column) index on the way.

Hostile input gets a one-line error quickly: files are read through
``capcheck.load.files`` (regular files, size cap); nesting deeper than ``MAX_DEPTH``
is refused before any node is built (the event stream is checked first, without
recursion); aliases may be used, but building more than ``MAX_ALIAS_NODES`` nodes
through them (an alias bomb) or an alias inside its own anchor is refused; only the
standard YAML tags are accepted (``!!python/...`` and other custom tags are named as
not allowed).
"""

from __future__ import annotations

import re
from pathlib import Path

from capcheck.escape import cut, short_repr, terminal
from capcheck.load.files import FileProblem, read_text
from capcheck.load.jsondoc import escape_pointer_token
from capcheck.model import LoadError, Location
from capcheck.records import dataclass

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences accepted (capcheck's files need < 10)."""

MAX_ALIAS_NODES = 10_000
"""Nodes that aliases may add beyond the document's own."""

_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp", "binary",
                 "omap", "pairs", "set", "merge", "value")
)


@dataclass
class YamlDocument:
    """A YAML file's data, with the line and column of every value."""

    path: Path
    data: Any
    positions: dict[str, tuple[int, int]]

    def location(self, ptr: str) -> Location:
        return locate(self.path, self.positions, ptr)


def locate(path: Path, positions: dict[str, tuple[int, int]], ptr: str) -> Location:
    """Location of ``ptr`` given a pointer -> (line, column) index; a missing member
    points at its nearest existing parent."""
    probe = ptr
    while probe and probe not in positions:
        probe = probe.rsplit("/", 1)[0]
    line, column = positions.get(probe, (None, None))
    return Location(str(path), line=line, column=column, pointer=ptr)


def load_yaml(path: Path) -> YamlDocument | LoadError:
    try:
        text = read_text(path)
    except FileNotFoundError:
        return LoadError(Location(str(path)), "file not found")
    except FileProblem as exc:
        return LoadError(Location(str(path)), str(exc))
    return parse_yaml_text(path, text)


def compose(text: str, tags: bool = True) -> Any:
    """``yaml.compose`` (safe: nodes only), with libyaml's C loader when pyyaml has it
    (``yaml.__with_libyaml__``; about 15x faster). On an error the pure-Python loader
    composes again, so that messages are the same with and without libyaml.

    With ``tags`` False, an untagged node gets the plain tag of its kind (str, seq, map)
    instead of the one YAML's implicit rules give (``1`` an int, ``true`` a bool): the
    same nodes, values, styles and positions, a third faster, for readers that look at
    nothing else."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.compose(text, Loader=loader if tags else _untagged(loader))
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


_UNTAGGED: dict[type, type] = {}


def _untagged(loader: type) -> type:
    """``loader`` with the plain tag of each node kind for untagged nodes."""
    made = _UNTAGGED.get(loader)
    if made is None:
        import yaml

        plain = {yaml.ScalarNode: "tag:yaml.org,2002:str",
                 yaml.SequenceNode: "tag:yaml.org,2002:seq",
                 yaml.MappingNode: "tag:yaml.org,2002:map"}

        def resolve(self: Any, kind: type, value: Any, implicit: Any) -> str:
            return plain[kind]

        made = _UNTAGGED[loader] = type(f"Untagged{loader.__name__}", (loader,),
                                        {"resolve": resolve})
    return made


def parse_yaml_text(path: Path, text: str) -> YamlDocument | LoadError:
    import yaml

    positions: dict[str, tuple[int, int]] = {}
    try:
        composed = _check_events(text)
        node = compose(text)
        budget = _Budget(composed + MAX_ALIAS_NODES)
        data = None if node is None else _construct(node, "", positions, budget, set())
    except _YamlValueError as exc:
        return LoadError(Location(str(path), line=exc.line, column=exc.column), exc.message)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        reason = cut(terminal(exc.problem or exc.context or "invalid YAML"), 200)
        return LoadError(Location(str(path), line=line, column=column), f"invalid YAML: {reason}")
    except yaml.YAMLError as exc:
        return LoadError(Location(str(path)), f"invalid YAML: {cut(terminal(str(exc)), 200)}")
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps the composer shallow
        return LoadError(Location(str(path)), "invalid YAML: nested too deeply")
    return YamlDocument(path, data, positions)


_FLOW = re.compile(r"""[\[\]{}]|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|(?:(?<=\s)|^)\#[^\n]*""",
                   re.MULTILINE)


def _check_flow_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse deep flow nesting (``[[[[...``) before PyYAML's scanner, which is
    quadratic in it, sees the text. Quoted scalars and comments are skipped."""
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for match in _FLOW.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                raise _YamlValueError(
                    f"invalid YAML: nested more than {limit} levels deep", line, column)
        elif char in "]}":
            depth = max(0, depth - 1)


def _check_events(text: str, limit: int = MAX_DEPTH) -> int:
    """Walk the event stream (no recursion, no nodes built): refuse nesting deeper than
    ``limit``; return the number of nodes the document itself holds."""
    import yaml

    _check_flow_depth(text, limit)
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return _count_events(yaml.parse(text, Loader=loader), limit)
        except yaml.YAMLError:
            pass  # the pure-Python parser again, for the same message with or without libyaml
    return _count_events(yaml.parse(text, Loader=yaml.SafeLoader), limit)


def _count_events(events: Any, limit: int = MAX_DEPTH) -> int:
    import yaml

    depth = 0
    nodes = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            nodes += 1
            if depth > limit:
                mark = event.start_mark
                raise _YamlValueError(
                    f"invalid YAML: nested more than {limit} levels deep",
                    mark.line + 1 if mark else 0, mark.column + 1 if mark else 0,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            nodes += 1
    return nodes


def nesting_bound(text: str) -> int:
    """A depth that ``text`` cannot nest past, found without parsing: flow collections
    open at a ``[`` or ``{`` each, and a block collection inside another starts further
    right on its line, but for a sequence that is a mapping's value (``key:`` then
    ``- item`` below it, at its column), so at most two levels start at each column."""
    widest = max(map(len, text.split("\n")), default=0)
    return text.count("[") + text.count("{") + 2 * (widest + 1)


def nesting_problem(text: str, limit: int) -> tuple[int, int, str] | None:
    """None when ``text`` (YAML) nests no deeper than ``limit`` (or cannot be parsed:
    the composer then says why), else the line, column and message of the first
    collection too deep. Walks the event stream (no recursion) only when
    ``nesting_bound`` allows more."""
    import yaml

    if nesting_bound(text) <= limit:
        return None
    try:
        _check_events(text, limit)
    except _YamlValueError as exc:
        return exc.line, exc.column, exc.message
    except yaml.YAMLError:
        pass
    return None


class _Budget:
    def __init__(self, nodes: int) -> None:
        self.left = nodes


class _YamlValueError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _fail(node: Any, message: str) -> _YamlValueError:
    return _YamlValueError(message, node.start_mark.line + 1, node.start_mark.column + 1)


def _construct(node: Any, ptr: str, positions: dict[str, tuple[int, int]], budget: _Budget,
               path: set[int]) -> Any:
    import yaml

    budget.left -= 1
    if budget.left < 0:
        raise _fail(node, f"invalid YAML: aliases expand to more than {MAX_ALIAS_NODES} "
                          "extra values (an alias bomb?); write the values out instead")
    if node.tag not in _STANDARD_TAGS:
        kind = "Python object tags are" if node.tag.startswith("tag:yaml.org,2002:python/") \
            else "custom tags are"
        shown = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
        raise _fail(node, f"invalid YAML: tag {short_repr(shown)} is not allowed "
                          f"({kind} not supported; capcheck reads plain data only)")
    positions[ptr] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in path:
            raise _fail(node, "invalid YAML: an alias refers to its own anchor (recursive alias)")
        if len(path) >= MAX_DEPTH:
            raise _fail(node, f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
        path = path | {id(node)}
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, ptr + "/~key", {}, budget, path)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise _YamlValueError(
                    "invalid YAML: mapping keys must be scalars",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            child = f"{ptr}/{escape_pointer_token(str(key))}"
            out[key] = _construct(value_node, child, positions, budget, path)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, f"{ptr}/{i}", positions, budget, path)
                for i, item in enumerate(node.value)]
    # Scalars: the safe constructor resolves the tag (int, bool, null, str, ...).
    return _scalar_constructor().construct_object(node, deep=True)


_CONSTRUCTOR: Any = None


def _scalar_constructor() -> Any:
    global _CONSTRUCTOR
    if _CONSTRUCTOR is None:
        import yaml

        _CONSTRUCTOR = yaml.constructor.SafeConstructor()
    return _CONSTRUCTOR
