"""# CAP001 invalid-json: a definition file cannot be read or parsed

**What it catches.** A `db-config.json`, `schema.json` or `ui-config.json` that is
missing (only `db-config.json` is mandatory), unreadable, not UTF-8, or not valid JSON
(a trailing comma, a truncated file, a stray character). The finding names the file
and, for a parse error, the line and column where the parser stopped.

**Why it matters.** Nothing else can be checked in a file that does not parse, and
the platform cannot load it either: the destination disappears or keeps a stale
definition. One broken file never stops the other destinations from being checked;
because the input is unusable, `capcheck check` then exits 2, even when CAP001 is
ignored (a run must never turn green by not reading a file).

**Failing example** (`db-config.json`, the list is never closed):

```json
{
  "name": "EXAMPLE",
  "config": { "supportedSourceTypes": ["web", "warehouse" }
}
```

**Passing example:**

```json
{
  "name": "EXAMPLE",
  "config": { "supportedSourceTypes": ["web", "warehouse"] }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.model import Finding, Severity

CODE = "CAP001"
NAME = "invalid-json"
SEVERITY = Severity.ERROR
SUMMARY = "a definition file is missing, unreadable or not valid JSON"


def check(ctx: CheckContext) -> Iterator[Finding]:
    for error in ctx.raw.errors:
        yield Finding(CODE, SEVERITY, error.message, error.location, ctx.raw.dir_name)
