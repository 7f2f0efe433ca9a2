"""# CAP104 record-without-handler: `record` declared but the transformer never handles it

**What it catches.** `record` appears in `config.supportedMessageTypes` (in any of its
shapes) but the destination's transformer code, found with `--transformer`, never
branches on the `record` event type (`EventType.RECORD`, `type === 'record'`,
`case 'record':`, a CDK v2 workflow condition). Runs only when `--transformer` is given
and the destination's code folder was found; otherwise there is nothing to compare.

**Why it matters.** VDM v2 needs both halves: the declaration makes the platform send
`record` events, and the transformer has to turn them into API calls. With the
declaration alone, RETL syncs deliver events that the transformer rejects or drops, and
capcheck reports VDM v2 as *partial*.

**Failing example** (`db-config.json`, with a transformer folder that only handles
`track` and `identify`):

```json
"supportedMessageTypes": { "cloud": ["identify", "track", "record"] }
```

**Passing example** (the transformer's `transform.js` has
`if (message.type === EventType.RECORD) { ... }`):

```json
"supportedMessageTypes": { "cloud": ["identify", "track", "record"] }
```
"""

from __future__ import annotations

from collections.abc import Iterator

from capcheck.checks import CheckContext
from capcheck.model import Finding, Severity

CODE = "CAP104"
NAME = "record-without-handler"
SEVERITY = Severity.ERROR
SUMMARY = "record is declared in supportedMessageTypes but the transformer has no record handler"


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    code = facts.transformer.resolved_code if facts is not None else None
    if facts is None or code is None:
        return
    decls = facts.message_type_declarations("record")
    if not decls or code.handles("record"):
        return
    decl = decls[0]
    folders = ", ".join(code.shown_folders)
    yield Finding(
        CODE, SEVERITY,
        f"`record` is declared ({decl.scope}) but no record handler was found in {folders} "
        f"({code.files_scanned} files scanned)",
        facts.loc(f"{decl.pointer}/{decl.types.index('record')}"), facts.dir_name,
    )
