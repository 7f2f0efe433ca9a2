"""# CAP102 json-mapper-flag-without-warehouse: disableJsonMapper on a destination without RETL

**What it catches.** `config.disableJsonMapper` is set (to either value) while
`config.supportedSourceTypes` lacks `warehouse`.

**Why it matters.** The JSON Mapper is a RETL feature: without `warehouse` there is
nothing for the flag to switch off, so it has no effect. It is a warning, not an error,
because no capability changes; but the flag is a sign that the definition was meant to
support RETL (or was copied from one that does), and it misleads readers.

**Failing example:**

```json
"config": {
  "supportedSourceTypes": ["web", "cloud"],
  "disableJsonMapper": true
}
```

**Passing example:**

```json
"config": {
  "supportedSourceTypes": ["web", "cloud", "warehouse"],
  "disableJsonMapper": true
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.facts import CONFIG
from capcheck.model import Finding, Severity

CODE = "CAP102"
NAME = "json-mapper-flag-without-warehouse"
SEVERITY = Severity.WARNING
SUMMARY = "disableJsonMapper is set but supportedSourceTypes lacks warehouse"


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    if facts is None or "warehouse" in facts.source_types:
        return
    if "disableJsonMapper" in facts.config:
        value = "true" if facts.config["disableJsonMapper"] else "false"
        yield Finding(
            CODE, SEVERITY,
            f"disableJsonMapper is set ({value}) but supportedSourceTypes lacks `warehouse`: "
            "the JSON Mapper exists only for RETL, so the flag has no effect",
            facts.loc(f"{CONFIG}/disableJsonMapper"), facts.dir_name,
        )
