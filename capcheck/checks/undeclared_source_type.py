"""# CAP106 undeclared-source-type: modes or settings for a source type that is not supported

**What it catches.** A key of `config.supportedConnectionModes` or `config.destConfig`
that is not in `config.supportedSourceTypes`. `destConfig.defaultConfig` is not a
source type and is always allowed; the `warehouse` key is reported by CAP103 instead
(it has capability consequences), so it is not reported twice.

**Why it matters.** These entries are dead configuration: the platform offers the
destination only to the declared source types, so the modes and settings of any other
source type are never used. They usually remain after a source type was removed (or
was meant to be added and was forgotten), and they make the definition say two
different things about which sources it supports. A warning: nothing breaks, but the
definition is inconsistent.

**Failing example:**

```json
"config": {
  "supportedSourceTypes": ["android", "ios"],
  "supportedConnectionModes": { "android": ["cloud"], "ios": ["cloud"], "web": ["cloud"] },
  "destConfig": { "defaultConfig": ["apiKey"], "web": ["connectionMode"] }
}
```

**Passing example:**

```json
"config": {
  "supportedSourceTypes": ["android", "ios", "web"],
  "supportedConnectionModes": { "android": ["cloud"], "ios": ["cloud"], "web": ["cloud"] },
  "destConfig": { "defaultConfig": ["apiKey"], "web": ["connectionMode"] }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.facts import CONNECTION_MODES, DEST_CONFIG
from capcheck.load.jsondoc import pointer
from capcheck.model import Finding, Severity

CODE = "CAP106"
NAME = "undeclared-source-type"
SEVERITY = Severity.WARNING
SUMMARY = "supportedConnectionModes or destConfig is keyed by a source type not in " \
    "supportedSourceTypes"

# Keys that are not source types (defaultConfig) or that another rule owns (warehouse: CAP103).
NOT_HERE = frozenset({"defaultConfig", "warehouse"})


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    if facts is None:
        return
    declared = set(facts.source_types)
    for base, name, table in ((CONNECTION_MODES, "supportedConnectionModes",
                               facts.connection_modes),
                              (DEST_CONFIG, "destConfig", facts.dest_config)):
        for key in table:
            if key in declared or key in NOT_HERE:
                continue
            yield Finding(
                CODE, SEVERITY,
                f"{name} has an entry for `{key}`, which is not in supportedSourceTypes",
                facts.loc(base + pointer(key)), facts.dir_name,
            )
