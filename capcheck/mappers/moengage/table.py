"""Load ``destinations/moengage/mapping.yaml`` once and compile it for the hot path.

Start-up: ``_generated_tables.py`` (written by ``python -m capcheck.mappers.moengage.table``)
holds the YAML text it was made from, its parsed data and the code of every table as
``compiled.compile_rows`` writes it. When the YAML read at run time is that text, its
data is taken from there, and each table's function too where its code is the code the
compiler writes now (so an edited compiler never runs stale code): no YAML parser, no
compiling. Otherwise the YAML is parsed and the tables compiled, as before; the answers
are the same either way.
"""

from __future__ import annotations

import functools
import json
import sys
from typing import Any, NamedTuple

from capcheck import resources
from capcheck.mappers.moengage.compiled import Builder, compile_rows, source_of
from capcheck.mappers.moengage.paths import Row, SourcePath, compile_target

CONVERTERS = frozenset({"to_string", "to_number", "flatten", "tz_offset_seconds"})
CATCH_ALL = "*"


class Builders(NamedTuple):
    """Each table of a request compiled to a function (see ``compiled.compile_rows``)."""

    base: Builder
    attributes: Builder | None = None
    attributes_object: Builder | None = None
    action: Builder | None = None
    action_object: Builder | None = None


class Request(NamedTuple):
    name: str
    path: str
    endpoint: str
    app_key_header: bool
    base: tuple[Row, ...]
    body_type: str | None
    attributes: tuple[Row, ...] | None
    attributes_object: tuple[Row, ...] | None
    action: tuple[Row, ...] | None
    action_object: tuple[Row, ...] | None
    builders: Builders


class Mapping(NamedTuple):
    regions: dict[str, str]
    requests: dict[str, Request]
    apple_platforms: frozenset[str]
    apple_platform_name: str
    slot_flattened: str
    slot_object: str


def mapping_path() -> Any:
    return resources.destinations_dir() / "moengage" / "mapping.yaml"


def _row(raw: dict[str, Any], where: str) -> Row:
    to = raw.get("to")
    source = raw.get("from")
    if not isinstance(to, str) or not (isinstance(source, str) or isinstance(source, list)):
        raise ValueError(f"{where}: a row needs 'to' (string) and 'from' (path or list)")
    convert = raw.get("convert")
    if convert is not None and convert not in CONVERTERS:
        raise ValueError(f"{where}: unknown convert {convert!r}")
    paths = [source] if isinstance(source, str) else list(source)
    if not paths or not all(isinstance(p, str) and p for p in paths):
        raise ValueError(f"{where}: 'from' must name at least one path")
    catch_all = to == CATCH_ALL
    target = () if catch_all else compile_target(to)
    key = to if (not catch_all and len(target) == 1 and isinstance(target[0], str)) else None
    return Row(
        target=target,
        key=key,
        catch_all=catch_all,
        sources=tuple(SourcePath(p) for p in paths),
        single=isinstance(source, str),
        required=bool(raw.get("required", False)),
        convert=convert,
        exclude=tuple(str(k) for k in raw.get("exclude") or ()),
        missing_message="Missing required value from "
        + json.dumps(source, separators=(",", ":"), ensure_ascii=False),
    )


def _rows(tables: dict[str, Any], name: str | None) -> tuple[Row, ...] | None:
    if name is None:
        return None
    raw = tables.get(name)
    if not isinstance(raw, list):
        raise ValueError(f"table {name!r} is missing")
    return tuple(_row(r, f"{name}[{i}]") for i, r in enumerate(raw))


def compile_mapping(data: dict[str, Any], generated: dict[str, Any] | None = None) -> Mapping:
    """The mapping of parsed ``mapping.yaml`` data; ``generated``: see ``compile_rows``."""
    tables = data["tables"]
    paths = data["endpoint_paths"]
    # Tables shared through YAML anchors are one list: read and compile each list once.
    compiled: dict[int, tuple[tuple[Row, ...], Builder]] = {}

    def table(name: str | None) -> tuple[tuple[Row, ...], Builder] | None:
        if name is None:
            return None
        raw = tables.get(name)
        hit = compiled.get(id(raw))
        if hit is None:
            rows = _rows(tables, name)
            assert rows is not None
            hit = compiled[id(raw)] = (rows, compile_rows(rows, name, generated))
        return hit

    requests: dict[str, Request] = {}
    for name, spec in data["requests"].items():
        base = table(spec["base"])
        assert base is not None
        parts = {
            part: table(spec.get(part))
            for part in ("attributes", "attributes_object", "action", "action_object")
        }
        builders = Builders(
            base=base[1],
            **{part: None if hit is None else hit[1] for part, hit in parts.items()},
        )
        requests[name] = Request(
            name=name,
            path=str(paths[name]),
            endpoint=str(data["endpoints"].get(name, data["endpoints"]["default"])),
            app_key_header=name not in data.get("headers_without_app_key", ()),
            base=base[0],
            body_type=spec.get("body_type"),
            builders=builders,
            **{part: None if hit is None else hit[0] for part, hit in parts.items()},
        )
    slots = data["catch_all_slot"]
    return Mapping(
        regions={str(k): str(v) for k, v in data["regions"].items()},
        requests=requests,
        apple_platforms=frozenset(str(p).lower() for p in data["apple_platforms"]),
        apple_platform_name=str(data["apple_platform_name"]),
        slot_flattened=str(slots["flattened"]),
        slot_object=str(slots["object"]),
    )


GENERATED = "capcheck.mappers.moengage._generated_tables"


def _parse(text: str) -> Any:
    import yaml

    # libyaml's loader when pyyaml has it (about 10x faster); the same data as the
    # pure-Python loader, which reads it otherwise.
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def _generated(text: str) -> dict[str, Any] | None:
    """The generated module's namespace when it was made from ``text``, else None."""
    try:
        __import__(GENERATED)
    except ImportError:
        return None
    namespace: dict[str, Any] = vars(sys.modules[GENERATED])
    return namespace if namespace.get("YAML") == text else None


@functools.lru_cache(maxsize=1)
def load() -> Mapping:
    """The compiled mapping (read from disk once per process)."""
    with open(mapping_path(), encoding="utf-8") as fh:
        text = fh.read()
    generated = _generated(text)
    if generated is not None:
        return compile_mapping(_copy(generated["DATA"]), generated)
    return compile_mapping(_parse(text))


def _copy(value: Any) -> Any:
    """A private copy of plain data (the generated module's stays as it was written)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def generated_source(text: str) -> str:
    """The text of the generated module for the YAML ``text``."""
    data = _parse(text)
    if json.loads(json.dumps(data)) != data:
        raise ValueError("mapping.yaml holds values that are not plain JSON data")
    # Every table by name: the data holds no shared lists (YAML anchors), so each name
    # is compiled on its own (see compile_mapping), under its own name.
    sources: dict[str, str] = {}
    for spec in data["requests"].values():
        for part in ("base", "attributes", "attributes_object", "action", "action_object"):
            name = spec.get(part)
            if name is not None and name not in sources:
                rows = _rows(data["tables"], name)
                assert rows is not None
                sources[name] = source_of(rows, name)
    parts = [
        '"""Generated by ``python -m capcheck.mappers.moengage.table`` from',
        "destinations/moengage/mapping.yaml: its text, its data and the code of its tables.",
        "Do not edit; run the command again after changing the YAML or the compiler (the",
        'mapper checks both and compiles the tables itself when this file is stale)."""',
        "# ruff: noqa",
        "# mypy: ignore-errors",
        "# fmt: off",
        "",
        f"YAML = {text!r}",
        "",
        f"DATA = {data!r}",
        "",
        "SOURCES = {",
        *(f"    {name!r}: {code!r}," for name, code in sources.items()),
        "}",
        "",
    ]
    for code in sources.values():
        parts += ["", code]
    return "\n".join(parts)


def write_generated() -> str:
    """Write the generated module next to this one; returns its path."""
    import pathlib

    with open(mapping_path(), encoding="utf-8") as fh:
        text = fh.read()
    path = pathlib.Path(__file__).with_name(GENERATED.rsplit(".", 1)[1] + ".py")
    path.write_text(generated_source(text), encoding="utf-8")
    return str(path)


if __name__ == "__main__":
    print(write_generated())
