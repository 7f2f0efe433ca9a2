"""# CAP003 schema-violation: db-config.json does not match its JSON Schema

**What it catches.** `db-config.json` checked against `schemas/db-config.schema.json`
(JSON Schema draft 2020-12, written from the 239 real integrations-config
definitions and never stricter than upstream's own schema in any of its releases).
Required are only the keys every upstream release requires: `name`, `displayName`,
`config`, `config.supportedSourceTypes` and `config.destConfig`. Checked are the shape
of every known field (a string where a list belongs, a list of numbers, an empty source
type list; `supportedConnectionModes` as an object by source type or as one list of
modes), and the known values of source types, connection modes, message types,
`transformAtV1`, `syncBehaviours` and `auth`. Where upstream releases differ, the most
lenient one decides. One finding per error, at the line of the offending key, with its
JSON pointer and a short reason.

Keys upstream treats as optional but capcheck would like to see are separate rules at
severity info: CAP111 (no `supportedConnectionModes`) and CAP112 (no
`destConfig.defaultConfig`).

Unknown keys are *not* schema errors: CAP109 reports them, with a did-you-mean.

**Why it matters.** The platform reads these fields by shape. A source type spelled
`andriod`, or `"supportedSourceTypes": "warehouse"` (a string, not a list), makes the
definition mean something other than what its author intended, and capcheck cannot
decide its capabilities (the consistency rules skip a definition whose fields have
the wrong type, so this rule is the one that reports it; the audit still reports every
verdict that does not depend on the broken field).

**Failing example:**

```json
{
  "name": "EXAMPLE",
  "displayName": "Example",
  "config": {
    "supportedSourceTypes": "warehouse",
    "supportedConnectionModes": { "warehouse": ["cloud"] },
    "destConfig": { "defaultConfig": ["apiKey"] }
  }
}
```

**Passing example:**

```json
{
  "name": "EXAMPLE",
  "displayName": "Example",
  "config": {
    "supportedSourceTypes": ["warehouse"],
    "supportedConnectionModes": { "warehouse": ["cloud"] },
    "destConfig": { "defaultConfig": ["apiKey"] }
  }
}
```
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from capcheck import resources
from capcheck.checks import CheckContext
from capcheck.load.jsondoc import pointer, resolve_pointer
from capcheck.model import Finding, Severity

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

CODE = "CAP003"
NAME = "schema-violation"
SEVERITY = Severity.ERROR
SUMMARY = "db-config.json does not match the db-config JSON Schema"

SCHEMA_NAME = "db-config"
_JSON_TYPES = {
    "array": "a list", "object": "an object", "string": "a string", "boolean": "true or false",
    "number": "a number", "integer": "a whole number", "null": "null",
}
_MAX_ENUM_SHOWN = 16


def load_schema() -> dict[str, Any]:
    """The bundled db-config schema (CAP109 reads its known keys from here too)."""
    return resources.load_schema(SCHEMA_NAME)


@lru_cache(maxsize=1)
def validator() -> Validator:
    """Compiled once per process: jsonschema is imported only when this rule runs."""
    from jsonschema import Draft202012Validator

    schema = load_schema()  # itself checked against the metaschema by the tests
    return Draft202012Validator(inline_refs(schema, schema))


def inline_refs(node: Any, root: dict[str, Any]) -> Any:
    """A copy of ``node`` with local ``$ref``s replaced by their targets.

    The schema is not recursive, so inlining is safe; it makes validation several times
    faster than resolving thousands of references per corpus run.
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and len(node) == 1:
            return inline_refs(resolve_pointer(root, ref[1:]), root)
        return {k: (v if k == "$defs" else inline_refs(v, root)) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(v, root) for v in node]
    return node


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    for python_type, name in ((dict, "an object"), (list, "a list"), (str, "a string"),
                              (int, "a number"), (float, "a number")):
        if isinstance(value, python_type):
            return name
    return "null" if value is None else type(value).__name__


def _expected_types(value: Any) -> str:
    names = [value] if isinstance(value, str) else list(value)
    return " or ".join(_JSON_TYPES.get(n, n) for n in names)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _pointer_of(error: ValidationError) -> str:
    return pointer(*error.absolute_path)


def explain(error: ValidationError) -> tuple[str, str]:
    """(JSON pointer, short reason) for one validation error."""
    ptr = _pointer_of(error)
    kind, instance = error.validator, error.instance
    expected: Any = error.validator_value
    if "propertyNames" in error.absolute_schema_path:
        # the instance is the offending key itself: point at it
        allowed = ", ".join(str(v) for v in error.schema.get("enum", ())) if isinstance(
            error.schema, dict) else ""
        reason = f"`{instance}` is not an allowed key here"
        return ptr + pointer(str(instance)), reason + (f" (expected {allowed})" if allowed else "")
    if kind in ("oneOf", "anyOf") and error.context:
        # Branches whose type does not even match are not what the author meant; explain
        # the errors of the branches that do match, or else list the expected types.
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        wrong_type = [sub for errs in branches.values() for sub in errs
                      if sub.validator == "type" and not sub.relative_path]
        mismatched = {sub.relative_schema_path[0] for sub in wrong_type}
        remaining = [sub for key, errs in branches.items() if key not in mismatched
                     for sub in errs]
        if not remaining:
            wanted = " or ".join(dict.fromkeys(_expected_types(e.validator_value)
                                               for e in wrong_type))
            return ptr, f"expected {wanted}, found {type_name(instance)}"
        from jsonschema.exceptions import best_match

        best = best_match(remaining)
        if best is not None:
            return explain(best)
    if kind == "type":
        return ptr, f"expected {_expected_types(expected)}, found {type_name(instance)}"
    if kind == "enum":
        values = list(expected)
        shown = ", ".join(str(v) for v in values[:_MAX_ENUM_SHOWN])
        return ptr, f"{_show(instance)} is not a known value (expected one of: {shown})"
    if kind == "const":
        return ptr, f"expected {_show(expected)}, found {_show(instance)}"
    if kind == "required":
        missing = [k for k in expected if isinstance(instance, dict) and k not in instance]
        name = next((k for k in missing if repr(k) in error.message), missing[0] if missing else "")
        return ptr, f"missing required key `{name}`"
    if kind == "minItems":
        return ptr, "must not be empty" if expected == 1 else f"needs at least {expected} items"
    if kind == "minProperties":
        return ptr, "must not be empty" if expected == 1 else f"needs at least {expected} keys"
    if kind == "minLength":
        return ptr, "must not be empty" if expected == 1 else f"needs {expected}+ characters"
    if kind == "uniqueItems":
        return ptr, "holds the same item more than once"
    if kind == "pattern":
        return ptr, f"{_show(instance)} does not match the pattern {expected}"
    if kind == "minimum":
        return ptr, f"must be at least {expected}, found {_show(instance)}"
    message = error.message
    return ptr, message if len(message) <= 120 else message[:117] + "..."


def check(ctx: CheckContext) -> Iterator[Finding]:
    doc = ctx.raw.db_config
    if doc is None:
        return  # CAP001 reports why
    seen: set[tuple[str, str]] = set()
    errors = sorted(validator().iter_errors(doc.data),
                    key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for error in errors:
        ptr, reason = explain(error)
        if (ptr, reason) in seen:
            continue
        seen.add((ptr, reason))
        location = doc.location(ptr)
        yield Finding(CODE, SEVERITY, f"{ptr or '/'}: {reason}", location, ctx.raw.dir_name)
