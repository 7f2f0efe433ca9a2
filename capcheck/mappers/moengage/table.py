"""Load ``destinations/moengage/mapping.yaml`` once and compile it for the hot path."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from capcheck import resources
from capcheck.mappers.moengage.compiled import Builder, compile_rows
from capcheck.mappers.moengage.paths import Row, SourcePath, compile_target

CONVERTERS = frozenset({"to_string", "to_number", "flatten", "tz_offset_seconds"})
CATCH_ALL = "*"


@dataclass(frozen=True)
class Builders:
    """Each table of a request compiled to a function (see ``compiled.compile_rows``)."""

    base: Builder
    attributes: Builder | None = None
    attributes_object: Builder | None = None
    action: Builder | None = None
    action_object: Builder | None = None


@dataclass(frozen=True)
class Request:
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
    builders: Builders = field(compare=False, repr=False)


@dataclass(frozen=True)
class Mapping:
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


def compile_mapping(data: dict[str, Any]) -> Mapping:
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
            hit = compiled[id(raw)] = (rows, compile_rows(rows, name))
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


@functools.lru_cache(maxsize=1)
def load() -> Mapping:
    """The compiled mapping (read from disk once per process)."""
    with open(mapping_path(), encoding="utf-8") as fh:
        text = fh.read()
    # libyaml's loader when pyyaml has it (about 10x faster: start-up of every run and
    # worker); the same data as the pure-Python loader, which reads it otherwise.
    loader = getattr(yaml, "CSafeLoader", None)
    data = None
    if loader is not None:
        try:
            data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            data = None
    if data is None:
        data = yaml.safe_load(text)
    return compile_mapping(data)
