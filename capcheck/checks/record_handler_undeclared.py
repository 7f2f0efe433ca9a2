"""# CAP105 record-handler-undeclared: the transformer handles `record` but it is not declared

**What it catches.** The destination's transformer code (found with `--transformer`)
branches on the `record` event type, but `config.supportedMessageTypes` does not list
`record` anywhere. Runs only when `--transformer` is given and the destination's code
folder was found.

**Why it matters.** The platform sends a destination only the message types it
declares, so the record handler is unreachable and VDM v2 is only *partial*: the work
is done in code but users cannot use it. It is a warning, not an error, because nothing
that was offered breaks; it is often a rollout in progress, or a declaration lost in a
merge.

**Failing example** (the transformer has `case 'record':`):

```json
"supportedMessageTypes": { "cloud": ["identify", "track"] }
```

**Passing example:**

```json
"supportedMessageTypes": { "cloud": ["identify", "track", "record"] }
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.facts import CONFIG, MESSAGE_TYPES
from capcheck.model import Finding, Severity

CODE = "CAP105"
NAME = "record-handler-undeclared"
SEVERITY = Severity.WARNING
SUMMARY = "the transformer handles record but supportedMessageTypes does not declare it"


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    code = facts.transformer.resolved_code if facts is not None else None
    if facts is None or code is None:
        return
    hits = code.handles("record")
    if not hits or "record" in facts.declared_message_types():
        return
    first = hits[0].location
    where = "supportedMessageTypes does not declare it" if facts.message_types is not None \
        else "there is no supportedMessageTypes"
    yield Finding(
        CODE, SEVERITY,
        f"the transformer handles `record` ({first.short()}) but {where}",
        facts.loc(MESSAGE_TYPES if facts.message_types is not None else CONFIG),
        facts.dir_name,
    )
