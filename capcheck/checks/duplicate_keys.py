"""# CAP002 duplicate-key: the same key twice in one JSON object

**What it catches.** An object in `db-config.json`, `schema.json` or `ui-config.json`
that names the same key twice. The finding points at the second occurrence and names
the line of the first.

**Why it matters.** JSON parsers do not complain: they silently keep the *last* value.
A definition that says `"supportsVisualMapper": true` near the top and `false` further
down (often the result of a merge) has quietly lost a capability, and a reviewer
reading the first occurrence sees the opposite of what the platform loads.

**Failing example:**

```json
{
  "config": {
    "supportsVisualMapper": true,
    "supportedSourceTypes": ["warehouse"],
    "supportsVisualMapper": false
  }
}
```

**Passing example:**

```json
{
  "config": {
    "supportsVisualMapper": true,
    "supportedSourceTypes": ["warehouse"]
  }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.load.jsondoc import unescape_pointer_token
from capcheck.model import Finding, Location, Severity

CODE = "CAP002"
NAME = "duplicate-key"
SEVERITY = Severity.ERROR
SUMMARY = "a JSON object names the same key twice; parsers silently keep the last one"


def check(ctx: CheckContext) -> Iterator[Finding]:
    raw = ctx.raw
    for doc in (raw.db_config, raw.schema, raw.ui_config):
        if doc is None:
            continue
        # JsonDocument looks for duplicates once (a C-speed parse, remembered) and lists
        # their positions only when there are some.
        for dup in doc.duplicate_keys:
            parent, _, last = dup.pointer.rpartition("/")
            where = f"in {parent}" if parent else "at the top level"
            yield Finding(
                CODE,
                SEVERITY,
                f"duplicate key `{unescape_pointer_token(last)}` {where} "
                f"(first on line {dup.first_line}); "
                "the parser keeps only this last one",
                Location(str(doc.path), dup.line, dup.column, dup.pointer),
                raw.dir_name,
            )
