"""# CAP110 message-types-for-unoffered-mode: message types for a connection mode nobody offers

**What it catches.** In the object shapes of `config.supportedMessageTypes`:

- `cloud` when no supported source type offers the `cloud` (or `hybrid`) mode;
- `device` as a plain list when no supported source type offers the `device` (or
  `hybrid`) mode;
- `device.<source>` when `<source>` is not in `supportedSourceTypes`, or when its
  connection modes include neither `device` nor `hybrid`.

`hybrid` counts as offering both modes: in hybrid mode the device SDK sends some events
and the cloud the others (see `hybridModeCloudEventsFilter`). Only source types that are
in `supportedSourceTypes` count. The plain-list shape applies to every mode and is not
checked, nor is a `hybrid` key; other keys are reported by CAP003. Without
`supportedConnectionModes` (optional upstream, see CAP111) nothing is checked.

**Why it matters.** The declaration is dead: no connection can run in that mode, so the
types are never sent that way. It usually remains after a device-mode integration was
removed, and it inflates what the definition appears to support (capcheck counts every
declaration, e.g. when deciding whether `record` is declared). A warning: nothing that
works breaks.

**Failing example:**

```json
"supportedConnectionModes": { "web": ["cloud"], "android": ["cloud", "device"] },
"supportedMessageTypes": {
  "cloud": ["track"],
  "device": { "web": ["track"], "android": ["track"] }
}
```

**Passing example:**

```json
"supportedConnectionModes": { "web": ["cloud", "device"], "android": ["cloud", "device"] },
"supportedMessageTypes": {
  "cloud": ["track"],
  "device": { "web": ["track"], "android": ["track"] }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.facts import DestinationFacts
from capcheck.model import Finding, Severity

CODE = "CAP110"
NAME = "message-types-for-unoffered-mode"
SEVERITY = Severity.WARNING
SUMMARY = "supportedMessageTypes declares types for a connection mode the destination " \
    "does not offer"

MODES = ("cloud", "device")


def offers(facts: DestinationFacts, source: str, mode: str) -> bool:
    modes = facts.connection_modes.get(source, ())
    return mode in modes or "hybrid" in modes


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    if facts is None or not facts.message_types or "supportedConnectionModes" not in facts.config:
        return
    declared = facts.source_types
    for decl in facts.message_types:
        mode, _, source = decl.scope.partition("/")
        if mode not in MODES:
            continue
        where = f"supportedMessageTypes.{mode}" + (f".{source}" if source else "")
        if source:
            if source not in declared:
                problem = f"`{source}` is not in supportedSourceTypes"
            elif not offers(facts, source, mode):
                modes = ", ".join(facts.connection_modes.get(source, ())) or "none"
                problem = f"source type `{source}` does not offer {mode} mode (modes: {modes})"
            else:
                continue
        elif not any(offers(facts, s, mode) for s in declared):
            problem = f"no supported source type offers {mode} mode"
        else:
            continue
        yield Finding(
            CODE, SEVERITY, f"{where} declares message types but {problem}",
            facts.loc(decl.pointer), facts.dir_name,
        )
