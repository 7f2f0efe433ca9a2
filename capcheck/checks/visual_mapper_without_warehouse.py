"""# CAP101 visual-mapper-without-warehouse: VDM declared on a destination without RETL

**What it catches.** `config.supportsVisualMapper` is `true` while
`config.supportedSourceTypes` lacks `warehouse`.

**Why it matters.** The Visual Data Mapper (VDM v1) maps warehouse columns to
destination fields: it exists only for RETL (reverse ETL) connections, and RETL is
offered only when `warehouse` is a supported source type. The flag promises a
capability that no user can reach; usually `warehouse` was dropped from the source
types by mistake, which silently removes RETL, JSON Mapper and VDM at once.

**Failing example:**

```json
"config": {
  "supportedSourceTypes": ["web", "cloud"],
  "supportsVisualMapper": true
}
```

**Passing example:**

```json
"config": {
  "supportedSourceTypes": ["web", "cloud", "warehouse"],
  "supportsVisualMapper": true
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.facts import CONFIG
from capcheck.model import Finding, Severity

CODE = "CAP101"
NAME = "visual-mapper-without-warehouse"
SEVERITY = Severity.ERROR
SUMMARY = "supportsVisualMapper is true but supportedSourceTypes lacks warehouse"


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    if facts is None or "warehouse" in facts.source_types:
        return
    if facts.config.get("supportsVisualMapper") is True:
        yield Finding(
            CODE, SEVERITY,
            "supportsVisualMapper is true but supportedSourceTypes lacks `warehouse`: "
            "the Visual Data Mapper needs RETL",
            facts.loc(f"{CONFIG}/supportsVisualMapper"), facts.dir_name,
        )
