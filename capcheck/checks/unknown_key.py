"""# CAP109 unknown-key: a key db-config.json does not know, often a typo

**What it catches.** A key at the top level of `db-config.json`, in `config` or in
`options` that the db-config schema (`schemas/db-config.schema.json`) does not list.
The known keys are read from that schema's `properties`, so teaching capcheck a new
platform key is a one-line schema change. A near miss of a known key gets a
did-you-mean (`supportsVisualMaper` -> `supportsVisualMapper`).

The schema itself allows unknown keys on purpose, so that each unknown key is reported
once, here, with a suggestion, rather than twice.

**Why it matters.** The platform ignores keys it does not know, so a misspelt flag is
not an error anywhere: the capability it was meant to switch on is just silently
missing. An error, because a misspelling of a capability flag (`supportsVisualMapper`,
`disableJsonMapper`, `supportedMessageTypes`) changes what the destination can do.

**Failing example:**

```json
"config": {
  "supportedSourceTypes": ["warehouse"],
  "supportsVisualMaper": true
}
```

**Passing example:**

```json
"config": {
  "supportedSourceTypes": ["warehouse"],
  "supportsVisualMapper": true
}
```
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from capcheck.checks import CheckContext
from capcheck.checks.schema import load_schema
from capcheck.load.jsondoc import pointer
from capcheck.model import Finding, Severity

CODE = "CAP109"
NAME = "unknown-key"
SEVERITY = Severity.ERROR
SUMMARY = "a top-level, config or options key that db-config.json does not know"

# The objects whose keys are checked: JSON pointer -> how the message names it.
CHECKED_OBJECTS: dict[str, str] = {"": "at the top level", "/config": "in config",
                                   "/options": "in options"}


def _resolve(schema: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s (``#/$defs/...``) of the bundled schema."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        target: Any = schema
        for part in ref.removeprefix("#/").split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        node = target
    return node


@lru_cache(maxsize=1)
def known_keys() -> dict[str, tuple[str, ...]]:
    """Pointer -> the property names the schema declares for that object."""
    schema = load_schema()
    known: dict[str, tuple[str, ...]] = {}
    for ptr in CHECKED_OBJECTS:
        node: Any = _resolve(schema, schema)
        for part in [p for p in ptr.split("/") if p]:
            props = node.get("properties", {}) if isinstance(node, dict) else {}
            node = _resolve(schema, props.get(part))
        props = node.get("properties") if isinstance(node, dict) else None
        known[ptr] = tuple(sorted(props)) if isinstance(props, dict) else ()
    return known


def suggestion(key: str, known: tuple[str, ...]) -> str | None:
    by_case = [k for k in known if k.lower() == key.lower()]
    if by_case:
        return by_case[0]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
    return close[0] if close else None


def check(ctx: CheckContext) -> Iterator[Finding]:
    doc = ctx.raw.db_config
    if doc is None or not isinstance(doc.data, dict):
        return
    for ptr, where in CHECKED_OBJECTS.items():
        node = doc.get(ptr)
        known = known_keys()[ptr]
        if not isinstance(node, dict) or not known:
            continue
        for key in node:
            if key in known:
                continue
            close = suggestion(key, known)
            hint = f"; did you mean `{close}`?" if close else ""
            yield Finding(
                CODE, SEVERITY, f"unknown key `{key}` {where}{hint}",
                doc.location(ptr + pointer(key)), ctx.raw.dir_name,
            )
