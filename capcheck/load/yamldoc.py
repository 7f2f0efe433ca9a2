"""Safe YAML loading that keeps the line of every value (for rule packs and config).

``yaml.compose`` (safe: no object construction) gives nodes with marks; we build
plain Python data from them and a pointer -> (line, column) index on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capcheck.load.jsondoc import escape_pointer_token
from capcheck.model import LoadError, Location


@dataclass
class YamlDocument:
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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadError(Location(str(path)), "file not found")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadError(Location(str(path)), f"cannot read: {exc}")
    return parse_yaml_text(path, text)


def compose(text: str) -> Any:
    """``yaml.compose`` (safe: nodes only), with libyaml's C loader when pyyaml has it
    (``yaml.__with_libyaml__``; about 15x faster). On an error the pure-Python loader
    composes again, so that messages are the same with and without libyaml."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.compose(text, Loader=loader)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_yaml_text(path: Path, text: str) -> YamlDocument | LoadError:
    import yaml

    positions: dict[str, tuple[int, int]] = {}
    try:
        node = compose(text)
        data = None if node is None else _construct(node, "", positions)
    except _YamlValueError as exc:
        return LoadError(Location(str(path), line=exc.line, column=exc.column), exc.message)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        return LoadError(Location(str(path), line=line, column=column), f"invalid YAML: {reason}")
    except yaml.YAMLError as exc:
        return LoadError(Location(str(path)), f"invalid YAML: {exc}")
    return YamlDocument(path, data, positions)


class _YamlValueError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _construct(node: Any, ptr: str, positions: dict[str, tuple[int, int]]) -> Any:
    import yaml

    positions[ptr] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, ptr + "/~key", {})
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise _YamlValueError(
                    "invalid YAML: mapping keys must be scalars",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            child = f"{ptr}/{escape_pointer_token(str(key))}"
            out[key] = _construct(value_node, child, positions)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, f"{ptr}/{i}", positions) for i, item in enumerate(node.value)]
    # Scalars: the safe constructor resolves the tag (int, bool, null, str, ...).
    return _scalar_constructor().construct_object(node, deep=True)


_CONSTRUCTOR: Any = None


def _scalar_constructor() -> Any:
    global _CONSTRUCTOR
    if _CONSTRUCTOR is None:
        import yaml

        _CONSTRUCTOR = yaml.constructor.SafeConstructor()
    return _CONSTRUCTOR
