"""# CAP107 source-type-without-connection-mode: a supported source type that cannot connect

**What it catches.** A source type listed in `config.supportedSourceTypes` that has no
entry in `config.supportedConnectionModes`. (When `supportedConnectionModes` is missing
altogether CAP111 reports it; an empty entry is CAP003's; the list form, one list of
modes for every source type, gives every source type a mode.)

**Why it matters.** A connection between a source and a destination runs in a mode
(`cloud`, `device` or `hybrid`); a source type without any mode is offered to users but
cannot be connected in any mode. For `warehouse` this means that capcheck, which decides
RETL from the source types, calls RETL supported while no RETL connection can be made.

**Failing example:**

```json
"config": {
  "supportedSourceTypes": ["cloud", "warehouse"],
  "supportedConnectionModes": { "cloud": ["cloud"] }
}
```

**Passing example:**

```json
"config": {
  "supportedSourceTypes": ["cloud", "warehouse"],
  "supportedConnectionModes": { "cloud": ["cloud"], "warehouse": ["cloud"] }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.facts import SOURCE_TYPES
from capcheck.model import Finding, Severity

CODE = "CAP107"
NAME = "source-type-without-connection-mode"
SEVERITY = Severity.ERROR
SUMMARY = "a supported source type has no entry in supportedConnectionModes"


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    if facts is None or "supportedConnectionModes" not in facts.config:
        return
    for index, source in enumerate(facts.source_types):
        if source not in facts.connection_modes:
            yield Finding(
                CODE, SEVERITY,
                f"source type `{source}` has no entry in supportedConnectionModes, "
                "so it cannot be connected in any mode",
                facts.loc(f"{SOURCE_TYPES}/{index}"), facts.dir_name,
            )
