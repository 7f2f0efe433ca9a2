"""# CAP111 connection-modes-missing: no supportedConnectionModes

**What it catches.** `config.supportedConnectionModes` is absent. Upstream's schema
makes the key optional (releases before 2024 shipped warehouse destinations such as
`bq`, `clickhouse` and `deltalake` without it), so this is not a schema violation
(CAP003); it is capcheck asking for more than the platform requires, hence its own
rule at severity info.

**Why it matters.** Without the key, the definition does not say in which mode
(`cloud`, `device` or `hybrid`) each source type connects, so whatever the platform
does by default is what users get, and nothing in the definition documents it. Every
current upstream definition declares the modes; the checks that compare them with the
source types (CAP107, CAP110) and the warehouse connection modes of the audit report
have nothing to read.

**Failing example:**

```json
"config": {
  "supportedSourceTypes": ["cloud", "warehouse"],
  "destConfig": { "defaultConfig": ["apiKey"] }
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
from capcheck.facts import CONFIG
from capcheck.model import Finding, Severity

CODE = "CAP111"
NAME = "connection-modes-missing"
SEVERITY = Severity.INFO
SUMMARY = "config has no supportedConnectionModes (optional upstream, so not a schema error)"


def check(ctx: CheckContext) -> Iterator[Finding]:
    doc = ctx.raw.db_config
    if doc is None or not isinstance(doc.data, dict):
        return
    config = doc.data.get("config")
    if not isinstance(config, dict) or "supportedConnectionModes" in config:
        return  # a wrong config is CAP003's
    yield Finding(
        CODE, SEVERITY,
        "config has no `supportedConnectionModes`: the definition does not say in which "
        "mode each source type connects",
        doc.location(CONFIG), ctx.raw.dir_name,
    )
