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

import json
from collections.abc import Iterator
from typing import Any

from capcheck.checks import CheckContext
from capcheck.load.jsondoc import unescape_pointer_token
from capcheck.model import Finding, Location, Severity

CODE = "CAP002"
NAME = "duplicate-key"
SEVERITY = Severity.ERROR
SUMMARY = "a JSON object names the same key twice; parsers silently keep the last one"


class _Duplicate(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> None:
    if len(pairs) > 1 and len({key for key, _ in pairs}) != len(pairs):
        raise _Duplicate


def has_duplicates(text: str) -> bool:
    """A fast pre-check with the C parser; positions are computed only when it says yes."""
    try:
        json.loads(text, object_pairs_hook=_no_duplicates)
    except _Duplicate:
        return True
    except ValueError:  # not reachable for a parsed document; let the positional pass decide
        return True
    return False


def check(ctx: CheckContext) -> Iterator[Finding]:
    raw = ctx.raw
    for doc in (raw.db_config, raw.schema, raw.ui_config):
        if doc is None or not has_duplicates(doc.text):
            continue
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
