"""CI consistency rules: one module per rule, the registry is the list below.

Every rule module declares:

- ``CODE``: stable code, e.g. ``"CAP101"`` (never reused once published);
- ``NAME``: short kebab-case name, e.g. ``"visual-mapper-without-warehouse"``;
- ``SEVERITY``: a ``capcheck.model.Severity`` (the default; configuration may not raise it);
- ``SUMMARY``: one line, what is wrong;
- ``__doc__``: the rule's documentation in Markdown: what it catches, why it matters, a
  failing example and a passing example (``capcheck rule CODE`` prints it);
- ``check(ctx: CheckContext) -> Iterable[Finding]``: pure; reads facts, never files,
  never prints.

Adding a rule = one module in this package + one line in ``RULE_MODULES``.

Codes: ``CAP0xx`` loading and schema (CAP001 unreadable/invalid JSON, CAP002 duplicate
keys, CAP003 schema violations), ``CAP1xx`` consistency between the fields of a
definition and with the transformer code. Each problem has one owner: the schema allows
unknown keys (CAP109 reports them), CAP106 leaves the ``warehouse`` key to CAP103, and
rules that need facts yield nothing when ``ctx.facts`` is None (CAP003 then reports the
wrong type). Findings always carry a line taken from the positioned JSON document.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType
from typing import Protocol

from capcheck.facts import DestinationFacts
from capcheck.load.definitions import RawDefinition
from capcheck.model import Finding, Severity
from capcheck.records import dataclass


@dataclass(frozen=True)
class CheckContext:
    """What a rule may look at for one destination folder.

    ``facts`` is None when the definition could not be turned into facts, or when a
    field has the wrong shape (e.g. a string where a list belongs: the audit still
    decides what does not depend on it, but a consistency rule could misread it); rules
    that need facts then yield nothing, and the schema rule reports the problem.
    """

    raw: RawDefinition
    facts: DestinationFacts | None

    def __post_init__(self) -> None:
        if self.facts is not None and self.facts.problems:
            object.__setattr__(self, "facts", None)


class Rule(Protocol):
    CODE: str
    NAME: str
    SEVERITY: Severity
    SUMMARY: str
    __doc__: str | None

    def check(self, ctx: CheckContext) -> Iterable[Finding]: ...


# The registry: module names, in code order.
RULE_MODULES: list[str] = [
    "invalid_json",  # CAP001
    "duplicate_keys",  # CAP002
    "schema",  # CAP003
    "visual_mapper_without_warehouse",  # CAP101
    "json_mapper_flag_without_warehouse",  # CAP102
    "warehouse_config_without_warehouse",  # CAP103
    "record_without_handler",  # CAP104
    "record_handler_undeclared",  # CAP105
    "undeclared_source_type",  # CAP106
    "source_type_without_connection_mode",  # CAP107
    "undefined_setting_key",  # CAP108
    "unknown_key",  # CAP109
    "message_types_for_unoffered_mode",  # CAP110
    "connection_modes_missing",  # CAP111
    "default_config_missing",  # CAP112
]


def all_rules() -> list[ModuleType]:
    return [importlib.import_module(f"capcheck.checks.{name}") for name in RULE_MODULES]
