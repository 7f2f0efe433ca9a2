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
import re
from collections.abc import Callable, Iterable, Iterator, Sized
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


# -- a fast, conservative pre-check ------------------------------------------------------
# jsonschema walks every value of every document through its generic keyword machinery,
# most of the check command's time although a real corpus has hardly any violation. The
# bundled schema uses a handful of keywords; they are compiled into plain closures that
# answer VALID, INVALID or UNKNOWN (anything not decided for sure, e.g. an enum of a
# non-string value). Only a document the pre-check does not call VALID goes through
# jsonschema, which alone writes the findings, so findings are those of jsonschema.

_VALID, _INVALID, _UNKNOWN = 0, 1, 2
_Check = Callable[[Any], int]
# Keywords that never assert anything (annotations and containers of other schemas).
_ANNOTATIONS = frozenset({"description", "title", "$schema", "$id", "$defs", "$comment",
                          "examples", "default"})


def _is_type(value: Any, name: str) -> bool:
    """jsonschema's draft 2020-12 type checker, for the values json.loads gives."""
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "number":
        return isinstance(value, (int, float))
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    raise _Uncompilable


class _Uncompilable(Exception):
    pass


def _combine(outcomes: Iterable[int]) -> int:
    """INVALID as soon as one outcome is; else UNKNOWN if any is; else VALID."""
    result = _VALID
    for outcome in outcomes:
        if outcome == _INVALID:
            return _INVALID
        result = max(result, outcome)
    return result


def _all_of(checks: list[_Check]) -> _Check:
    if len(checks) == 1:
        return checks[0]

    def run(value: Any) -> int:
        return _combine(one(value) for one in checks)
    return run


def _compile(node: Any) -> _Check:
    """Closures for one (ref-free) schema; _Uncompilable for anything not understood."""
    if node is True:
        return lambda value: _VALID
    if node is False:
        return lambda value: _INVALID
    if not isinstance(node, dict):
        raise _Uncompilable
    checks: list[_Check] = []
    for keyword, arg in node.items():
        if keyword in _ANNOTATIONS:
            continue
        factory = _KEYWORDS.get(keyword)
        if factory is None:
            raise _Uncompilable
        checks.append(factory(arg, node))
    if not checks:
        return lambda value: _VALID
    return _all_of(checks)


def _type(arg: Any, node: dict[str, Any]) -> _Check:
    names = [arg] if isinstance(arg, str) else list(arg)
    for name in names:
        _is_type(None, name)  # unknown type names are not compiled

    def run(value: Any) -> int:
        return _VALID if any(_is_type(value, n) for n in names) else _INVALID
    return run


def _enum(arg: Any, node: dict[str, Any]) -> _Check:
    if not isinstance(arg, list):
        raise _Uncompilable
    strings = frozenset(v for v in arg if isinstance(v, str))

    def run(value: Any) -> int:
        if isinstance(value, str):
            return _VALID if value in strings else _INVALID
        if isinstance(value, (dict, list)) or not all(isinstance(v, str) for v in arg):
            return _UNKNOWN  # deep or cross-type equality: let jsonschema decide
        return _INVALID  # a scalar that is not a string is equal to no string
    return run


def _unique_items(arg: Any, node: dict[str, Any]) -> _Check:
    if arg is not True:
        if arg is False:
            return lambda value: _VALID
        raise _Uncompilable

    def run(value: Any) -> int:
        if not isinstance(value, list):
            return _VALID
        if all(isinstance(v, str) for v in value):
            return _VALID if len(set(value)) == len(value) else _INVALID
        return _UNKNOWN
    return run


def _items(arg: Any, node: dict[str, Any]) -> _Check:
    if "prefixItems" in node:
        raise _Uncompilable
    check = _compile(arg)

    def run(value: Any) -> int:
        if not isinstance(value, list):
            return _VALID
        return _combine(check(item) for item in value)
    return run


def _properties(arg: Any, node: dict[str, Any]) -> _Check:
    if not isinstance(arg, dict):
        raise _Uncompilable
    checks = {key: _compile(sub) for key, sub in arg.items()}

    def run(value: Any) -> int:
        if not isinstance(value, dict):
            return _VALID
        return _combine(check(value[key]) for key, check in checks.items() if key in value)
    return run


def _additional_properties(arg: Any, node: dict[str, Any]) -> _Check:
    if "patternProperties" in node:
        raise _Uncompilable
    known = node.get("properties", {})
    if not isinstance(known, dict):
        raise _Uncompilable
    check = _compile(arg)

    def run(value: Any) -> int:
        if not isinstance(value, dict):
            return _VALID
        return _combine(check(item) for key, item in value.items() if key not in known)
    return run


def _property_names(arg: Any, node: dict[str, Any]) -> _Check:
    check = _compile(arg)

    def run(value: Any) -> int:
        if not isinstance(value, dict):
            return _VALID
        return _combine(check(key) for key in value)
    return run


def _one_of(arg: Any, node: dict[str, Any]) -> _Check:
    if not isinstance(arg, list) or not arg:
        raise _Uncompilable
    branches = [_compile(sub) for sub in arg]

    def run(value: Any) -> int:
        outcomes = [branch(value) for branch in branches]
        if _UNKNOWN in outcomes:
            return _UNKNOWN
        return _VALID if outcomes.count(_VALID) == 1 else _INVALID
    return run


def _min_count(kind: type[Sized]) -> Callable[[Any, dict[str, Any]], _Check]:
    def factory(arg: Any, node: dict[str, Any]) -> _Check:
        if not isinstance(arg, int) or isinstance(arg, bool):
            raise _Uncompilable

        def run(value: Any) -> int:
            if isinstance(value, kind) and len(value) < arg:
                return _INVALID
            return _VALID
        return run
    return factory


def _required(arg: Any, node: dict[str, Any]) -> _Check:
    if not isinstance(arg, list):
        raise _Uncompilable

    def run(value: Any) -> int:
        if isinstance(value, dict) and any(key not in value for key in arg):
            return _INVALID
        return _VALID
    return run


def _pattern(arg: Any, node: dict[str, Any]) -> _Check:
    if not isinstance(arg, str):
        raise _Uncompilable
    search = re.compile(arg).search  # jsonschema uses re.search too

    def run(value: Any) -> int:
        if isinstance(value, str) and not search(value):
            return _INVALID
        return _VALID
    return run


_ROOT: list[dict[str, Any]] = []  # the schema being compiled, for local references


def _ref(arg: Any, node: dict[str, Any]) -> _Check:
    if not isinstance(arg, str) or not arg.startswith("#/") or not _ROOT:
        raise _Uncompilable
    missing = object()
    target = resolve_pointer(_ROOT[-1], arg[1:], missing)
    if target is missing:
        raise _Uncompilable
    return _compile(target)  # a sibling of other keywords: both apply (draft 2020-12)


_KEYWORDS: dict[str, Callable[[Any, dict[str, Any]], _Check]] = {
    "$ref": _ref,
    "type": _type, "enum": _enum, "uniqueItems": _unique_items, "items": _items,
    "properties": _properties, "additionalProperties": _additional_properties,
    "propertyNames": _property_names, "oneOf": _one_of, "minItems": _min_count(list),
    "minProperties": _min_count(dict), "minLength": _min_count(str), "required": _required,
    "pattern": _pattern,
}


@lru_cache(maxsize=1)
def precheck() -> _Check | None:
    """The compiled pre-check of the bundled schema, None when it uses a keyword the
    compiler does not know (then every document goes through jsonschema)."""
    schema = load_schema()
    _ROOT.append(schema)
    try:
        return _compile(inline_refs(schema, schema))
    except (_Uncompilable, re.error, RecursionError):
        return None
    finally:
        _ROOT.pop()


def surely_valid(data: Any) -> bool:
    """True only when jsonschema would report no error for ``data``."""
    check = precheck()
    return check is not None and check(data) == _VALID


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
    if surely_valid(doc.data):
        return
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
