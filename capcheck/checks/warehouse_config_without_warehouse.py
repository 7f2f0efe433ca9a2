"""# CAP103 warehouse-config-without-warehouse: warehouse settings without the warehouse source type

**What it catches.** `config.supportedConnectionModes.warehouse` or
`config.destConfig.warehouse` on a destination whose `config.supportedSourceTypes`
lacks `warehouse`. (This rule owns the `warehouse` key; CAP106 reports the other
source type keys that are not declared.)

**Why it matters.** These entries configure RETL connections, which exist only when
`warehouse` is a supported source type. Their presence means the author meant the
destination to support RETL; with `warehouse` missing from the source types, RETL (and
with it JSON Mapper and VDM) is silently not offered.

**Failing example:**

```json
"config": {
  "supportedSourceTypes": ["cloud"],
  "supportedConnectionModes": { "cloud": ["cloud"], "warehouse": ["cloud"] },
  "destConfig": { "defaultConfig": ["apiKey"], "warehouse": ["listId"] }
}
```

**Passing example:**

```json
"config": {
  "supportedSourceTypes": ["cloud", "warehouse"],
  "supportedConnectionModes": { "cloud": ["cloud"], "warehouse": ["cloud"] },
  "destConfig": { "defaultConfig": ["apiKey"], "warehouse": ["listId"] }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.facts import CONNECTION_MODES, DEST_CONFIG
from capcheck.model import Finding, Severity

CODE = "CAP103"
NAME = "warehouse-config-without-warehouse"
SEVERITY = Severity.ERROR
SUMMARY = "a warehouse connection mode or destConfig.warehouse, but no warehouse source type"


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    if facts is None or "warehouse" in facts.source_types:
        return
    for ptr, what in ((CONNECTION_MODES, "supportedConnectionModes"),
                      (DEST_CONFIG, "destConfig")):
        table = facts.connection_modes if what == "supportedConnectionModes" else facts.dest_config
        if "warehouse" in table:
            yield Finding(
                CODE, SEVERITY,
                f"{what}.warehouse is set but supportedSourceTypes lacks `warehouse`: "
                "RETL is not offered",
                facts.loc(f"{ptr}/warehouse"), facts.dir_name,
            )
