"""The capability rule pack: capabilities as data (YAML), validated and merged.

The bundled ``pack.yaml`` holds the capabilities as the upstream hand-written reports
define them. ``--rules FILE`` adds capabilities or overrides them (same ``id`` and
``variant``); ``--variant ID=NAME`` selects an alternative reading of a capability,
e.g. ``json_mapper=excludes-visual-mapper``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from capcheck import resources
from capcheck.capabilities.predicates import REGISTRY
from capcheck.escape import cut, terminal
from capcheck.load.files import FileProblem, read_text
from capcheck.load.yamldoc import YamlDocument, load_yaml, parse_yaml_text
from capcheck.model import LoadError, Location
from capcheck.records import dataclass, field

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

DEFAULT_VARIANT = "default"


class PackError(Exception):
    """A rule pack that cannot be used; str() is a one-line message with file:line."""


@dataclass(frozen=True)
class Condition:
    """One condition of a capability: a named predicate with its arguments, or an `any` group."""

    label: str
    predicate: str | None = None  # None for an `any` group
    args: dict[str, Any] = field(default_factory=dict)
    any_of: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Capability:
    """One capability (one variant of it) as the rule pack defines it."""

    id: str
    variant: str
    title: str
    question: str
    description: str
    requires: tuple[str, ...]
    conditions: tuple[Condition, ...]
    partial: bool
    messages: dict[str, str]
    source: str  # file:line where it was defined


@dataclass
class Pack:
    """Every capability of the bundled pack and the --rules files, each variant."""

    capabilities: list[Capability]  # every variant, in definition order

    def variants(self, cap_id: str) -> list[str]:
        return [c.variant for c in self.capabilities if c.id == cap_id]

    def select(self, chosen: dict[str, str] | None = None) -> list[Capability]:
        """One capability per id, in first-definition order, honouring ``chosen``."""
        chosen = dict(chosen or {})
        ids = list(dict.fromkeys(c.id for c in self.capabilities))
        for cap_id, variant in chosen.items():
            if cap_id not in ids:
                raise PackError(f"--variant: unknown capability {cap_id!r} "
                                f"(known: {', '.join(ids)})")
            if variant not in self.variants(cap_id):
                raise PackError(f"--variant: capability {cap_id!r} has no variant {variant!r} "
                                f"(known: {', '.join(self.variants(cap_id))})")
        selected: list[Capability] = []
        for cap_id in ids:
            want = chosen.get(cap_id, DEFAULT_VARIANT)
            options = [c for c in self.capabilities if c.id == cap_id]
            pick = next((c for c in options if c.variant == want), options[0])
            selected.append(pick)
        earlier: set[str] = set()
        for cap in selected:
            for req in cap.requires:
                if req not in earlier:
                    where = "unknown" if req not in ids else "a later"
                    raise PackError(f"{cap.source}: capability {cap.id!r} requires {where} "
                                    f"capability {req!r} (requirements must come first)")
            earlier.add(cap.id)
        return selected


def _fail(doc: YamlDocument, ptr: str, message: str) -> PackError:
    # schema messages repeat the offending value: keep the line readable
    return PackError(f"{doc.location(ptr).short()}: {cut(terminal(message), 300)}")


def _validate_schema(doc: YamlDocument) -> None:
    import jsonschema

    schema = resources.load_schema("rule-pack")
    validator = jsonschema.Draft202012Validator(schema)
    found = []
    for err in validator.iter_errors(doc.data):
        ptr = "".join(f"/{p}" for p in err.absolute_path)
        loc = doc.location(ptr)
        found.append((loc.line or 0, loc.column or 0, ptr, err.message))
    if found:
        _line, _col, ptr, message = min(found)
        raise _fail(doc, ptr, f"{ptr or '/'}: {message}")


def _condition(doc: YamlDocument, raw: dict[str, Any], ptr: str) -> Condition:
    if "any" in raw:
        subs = tuple(_condition(doc, c, f"{ptr}/any/{i}") for i, c in enumerate(raw["any"]))
        return Condition(label=raw.get("label", " or ".join(s.label for s in subs)), any_of=subs)
    name = raw["predicate"]
    spec = REGISTRY.get(name)
    if spec is None:
        raise _fail(doc, f"{ptr}/predicate",
                    f"unknown predicate {name!r} (known: {', '.join(sorted(REGISTRY))})")
    args = dict(raw.get("args") or {})
    for param, kind in spec.params.items():
        if param not in args:
            raise _fail(doc, ptr, f"predicate {name!r} needs argument {param!r}")
        if not isinstance(args[param], kind):
            raise _fail(doc, f"{ptr}/args/{param}",
                        f"argument {param!r} of {name!r} must be a {kind.__name__}")
    for extra in sorted(set(args) - set(spec.params)):
        raise _fail(doc, f"{ptr}/args/{extra}", f"predicate {name!r} takes no argument {extra!r}")
    return Condition(label=raw.get("label", name), predicate=name, args=args)


_PLACEHOLDERS = {"present": "", "missing": "", "unknown": "", "requires": ""}


def _messages(doc: YamlDocument, raw: dict[str, Any], ptr: str) -> dict[str, str]:
    messages = dict(raw.get("messages") or {})
    for status, template in messages.items():
        try:
            template.format(**_PLACEHOLDERS)
        except (KeyError, IndexError, ValueError) as exc:
            raise _fail(doc, f"{ptr}/messages/{status}",
                        f"bad message template {template!r}: {exc!r} (placeholders: "
                        f"{', '.join('{' + p + '}' for p in _PLACEHOLDERS)})") from None
    return messages


def parse_pack(doc: YamlDocument, validate: bool = True) -> Pack:
    if validate:
        _validate_schema(doc)
    caps: list[Capability] = []
    for i, raw in enumerate(doc.data["capabilities"]):
        ptr = f"/capabilities/{i}"
        caps.append(
            Capability(
                id=raw["id"],
                variant=raw.get("variant", DEFAULT_VARIANT),
                title=raw.get("title", raw["id"]),
                question=raw.get("question", f"Is {raw.get('title', raw['id'])} supported?"),
                description=raw.get("description", ""),
                requires=tuple(raw.get("requires", ())),
                conditions=tuple(
                    _condition(doc, c, f"{ptr}/conditions/{j}")
                    for j, c in enumerate(raw["conditions"])
                ),
                partial=bool(raw.get("partial", False)),
                messages=_messages(doc, raw, ptr),
                source=doc.location(ptr).short(),
            )
        )
    seen: dict[tuple[str, str], str] = {}
    for cap in caps:
        key = (cap.id, cap.variant)
        if key in seen:
            raise PackError(f"{cap.source}: capability {cap.id!r} variant {cap.variant!r} "
                            f"is defined twice (first at {seen[key]})")
        seen[key] = cap.source
    return Pack(caps)


def _read(path: Path) -> YamlDocument:
    doc = load_yaml(path)
    if isinstance(doc, LoadError):
        raise PackError(str(doc))
    if not isinstance(doc.data, dict):
        raise PackError(f"{Location(str(path), 1, 1).short()}: a rule file must be a mapping "
                        "with a `capabilities` list")
    return doc


# pack.yaml's text, data and positions, written by ``python -m capcheck.capabilities.pack``
# so that a run needs no YAML parser for the bundled pack (importing PyYAML alone takes
# about 25 ms); used only while its text is pack.yaml's.
GENERATED = "capcheck.capabilities._generated_pack"


def _bundled() -> YamlDocument:
    path = resources.rule_pack_path()
    try:
        text = read_text(path)
        generated = importlib.import_module(GENERATED)
    except (OSError, FileProblem, ImportError):
        return _read(path)  # which names what is wrong with the file
    if getattr(generated, "YAML", None) != text:
        return _read(path)
    return YamlDocument(path, generated.DATA, generated.POSITIONS)


def generated_source(text: str) -> str:
    """The source of the generated module for the pack text ``text``."""
    doc = parse_yaml_text(resources.rule_pack_path(), text)
    if isinstance(doc, LoadError):
        raise PackError(str(doc))
    return (
        '"""Generated by ``python -m capcheck.capabilities.pack`` from pack.yaml: its text,\n'
        "its data and the line and column of each of its values. Do not edit; run the\n"
        'command again after changing pack.yaml (when this file is stale, pack.yaml is\n'
        'parsed instead)."""\n'
        "# ruff: noqa\n# mypy: ignore-errors\n# fmt: off\n\n"
        f"YAML = {text!r}\n\nDATA = {doc.data!r}\n\nPOSITIONS = {doc.positions!r}\n"
    )


def load_pack(extra: list[Path] | None = None) -> Pack:
    """The bundled pack merged with each ``--rules`` file in order.

    The bundled pack is validated by the test-suite, not on every run, so that a plain
    audit never imports jsonschema; user rule files are always validated.
    """
    pack = parse_pack(_bundled(), validate=False)
    for path in extra or []:
        overlay = parse_pack(_read(path), validate=True)
        merged = list(pack.capabilities)
        for cap in overlay.capabilities:
            index = next((i for i, c in enumerate(merged)
                          if (c.id, c.variant) == (cap.id, cap.variant)), None)
            if index is None:
                merged.append(cap)
            else:
                merged[index] = cap
        pack = Pack(merged)
    return pack


if __name__ == "__main__":  # python -m capcheck.capabilities.pack: write GENERATED
    target = resources.rule_pack_path().with_name("_generated_pack.py")
    target.write_text(generated_source(read_text(resources.rule_pack_path())),
                      encoding="utf-8")
    print(f"wrote {target}")
