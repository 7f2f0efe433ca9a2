"""# CAP112 default-config-missing: destConfig without defaultConfig

**What it catches.** `config.destConfig` is an object without a `defaultConfig`
member. Upstream's schema does not require it, so this is not a schema violation
(CAP003); it is capcheck asking for more than the platform requires, hence its own
rule at severity info.

**Why it matters.** `destConfig.defaultConfig` lists the settings every connection
receives, whatever its source type; the per-source-type members only add to it.
Without it, no setting is shared: a setting listed for some source types is silently
missing from the others, and the connection config capcheck reports for a RETL
destination holds only what `destConfig.warehouse` lists. When that is intended, an
empty `"defaultConfig": []` says so.

**Failing example:**

```json
"config": {
  "supportedSourceTypes": ["cloud", "warehouse"],
  "supportedConnectionModes": { "cloud": ["cloud"], "warehouse": ["cloud"] },
  "destConfig": { "warehouse": ["apiKey"] }
}
```

**Passing example:**

```json
"config": {
  "supportedSourceTypes": ["cloud", "warehouse"],
  "supportedConnectionModes": { "cloud": ["cloud"], "warehouse": ["cloud"] },
  "destConfig": { "defaultConfig": ["apiKey"] }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.facts import DEST_CONFIG
from capcheck.model import Finding, Severity

CODE = "CAP112"
NAME = "default-config-missing"
SEVERITY = Severity.INFO
SUMMARY = "destConfig has no defaultConfig (optional upstream, so not a schema error)"


def check(ctx: CheckContext) -> Iterator[Finding]:
    doc = ctx.raw.db_config
    if doc is None or not isinstance(doc.data, dict):
        return
    config = doc.data.get("config")
    dest_config = config.get("destConfig") if isinstance(config, dict) else None
    if not isinstance(dest_config, dict) or "defaultConfig" in dest_config:
        return  # absent or of the wrong type: CAP003's
    yield Finding(
        CODE, SEVERITY,
        "destConfig has no `defaultConfig`: no setting is shared by every source type",
        doc.location(DEST_CONFIG), ctx.raw.dir_name,
    )
