"""# CAP108 undefined-setting-key: a key list names a setting that nobody defines

**What it catches.** A key listed in `config.secretKeys`, `config.includeKeys` or any
list of `config.destConfig` that is defined neither by `schema.json` nor by
`ui-config.json`. A key is *defined* when:

- `schema.json` (its `configSchema`) names it in `properties` or `required`, at the top
  level or inside the conditional branches (`allOf`/`anyOf`/`oneOf`, `if`/`then`/`else`,
  `dependentSchemas`) that many definitions use for mode-specific settings;
- `ui-config.json` has a field for it, in either layout (`value` in the section list
  layout, `configKey` in the template layout);
- it is a dotted path (`headers.to`, a column of a table setting) whose first part is
  defined;
- the platform itself provides it, which is the case for the connection-mode keys:
  `connectionMode` whenever `supportedConnectionModes` offers any mode, `useNativeSDK`
  when some supported source type offers `device` or `hybrid` mode, and
  `useNativeSDKToSend` when one offers `hybrid` mode (the platform renders the mode
  picker from `supportedConnectionModes`, so these never appear in the destination's own
  UI files); without `supportedConnectionModes` (optional upstream) none of the three
  is reported;
- the destination is a warehouse loader (`"category": "warehouse"`) and the key is one
  of the loader flags the warehouse service sets on every such destination
  (`underscoreDivideNumbers`, `allowUsersContextTraits`).

`excludeKeys` is not checked: excluding a key that does not exist is harmless. When a
definition has neither `schema.json` nor `ui-config.json` there is nothing to compare
against and the rule is silent.

**Why it matters.** These lists control what the platform does with each setting:
`secretKeys` are masked, `includeKeys` are sent to the SDKs, `destConfig` decides which
settings each source type gets. A name that matches no setting is almost always a
setting that was renamed (`audienceId` -> `externalAudienceId`) or removed: the new
name is then *not* masked or sent. A warning: the list is stale, not broken. A close
match among the defined settings is suggested.

**Failing example** (`schema.json` and `ui-config.json` define `apiKey` and
`externalAudienceId`):

```json
"secretKeys": ["apiKey"],
"destConfig": { "defaultConfig": ["apiKey", "audienceId"] }
```

**Passing example:**

```json
"secretKeys": ["apiKey"],
"destConfig": { "defaultConfig": ["apiKey", "externalAudienceId"] }
```
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from capcheck.checks import CheckContext
from capcheck.facts import DEST_CONFIG, INCLUDE_KEYS, SECRET_KEYS, DestinationFacts
from capcheck.load.jsondoc import pointer
from capcheck.model import Finding, Severity

CODE = "CAP108"
NAME = "undefined-setting-key"
SEVERITY = Severity.WARNING
SUMMARY = "secretKeys, includeKeys or destConfig names a key schema.json and ui-config.json " \
    "do not define"

WAREHOUSE_LOADER_FLAGS = frozenset({"underscoreDivideNumbers", "allowUsersContextTraits"})
_BRANCH_LISTS = ("allOf", "anyOf", "oneOf")
_BRANCH_SCHEMAS = ("if", "then", "else", "not")


def schema_defined_keys(schema_data: Any) -> set[str]:
    """Setting names a schema.json defines: top-level and conditional-branch properties."""
    root = schema_data.get("configSchema", schema_data) if isinstance(schema_data, dict) else None
    keys: set[str] = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        props = node.get("properties")
        if isinstance(props, dict):
            keys.update(props)
        required = node.get("required")
        if isinstance(required, list):
            keys.update(r for r in required if isinstance(r, str))
        for name in _BRANCH_LISTS:
            branches = node.get(name)
            if isinstance(branches, list):
                stack.extend(branches)
        for name in _BRANCH_SCHEMAS:
            stack.append(node.get(name))
        dependent = node.get("dependentSchemas")
        if isinstance(dependent, dict):
            stack.extend(dependent.values())
    return keys


def platform_keys(facts: DestinationFacts) -> set[str]:
    """Keys the platform provides for this destination (see the rule's doc)."""
    modes = {m for s in facts.source_types for m in facts.connection_modes.get(s, ())}
    keys: set[str] = set()
    if facts.connection_modes:
        keys.add("connectionMode")
    if modes & {"device", "hybrid"}:
        keys.add("useNativeSDK")
    if "hybrid" in modes:
        keys.add("useNativeSDKToSend")
    if facts.db.get("/category") == "warehouse":
        keys |= WAREHOUSE_LOADER_FLAGS
    if "supportedConnectionModes" not in facts.config:
        # no modes declared (optional upstream): which of these the platform provides
        # cannot be told, so none is reported
        keys |= {"connectionMode", "useNativeSDK", "useNativeSDKToSend"}
    return keys


def _hint(key: str, facts: DestinationFacts, defined: set[str]) -> str:
    if key in ("useNativeSDK", "useNativeSDKToSend"):
        mode = "`device` or `hybrid`" if key == "useNativeSDK" else "`hybrid`"
        return f" (the platform provides it only when a source type offers {mode} mode)"
    if key in WAREHOUSE_LOADER_FLAGS:
        return " (a warehouse loader flag, provided only for \"category\": \"warehouse\")"
    close = difflib.get_close_matches(key, sorted(defined), n=1, cutoff=0.8)
    return f"; did you mean `{close[0]}`?" if close else ""


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.facts
    if facts is None or (facts.schema is None and facts.ui is None):
        return
    defined = set(facts.ui_fields) | schema_defined_keys(
        facts.schema.data if facts.schema is not None else None)
    allowed = defined | platform_keys(facts)
    lists: list[tuple[str, str, tuple[str, ...]]] = [
        ("secretKeys", SECRET_KEYS, facts.secret_keys),
        ("includeKeys", INCLUDE_KEYS, facts.include_keys),
    ]
    lists += [(f"destConfig.{source}", DEST_CONFIG + pointer(source), keys)
              for source, keys in facts.dest_config.items()]
    for name, base, keys in lists:
        for index, key in enumerate(keys):
            if key.split(".", 1)[0] in allowed:
                continue
            yield Finding(
                CODE, SEVERITY,
                f"{name} names `{key}`, which neither schema.json nor ui-config.json defines"
                + _hint(key, facts, defined),
                facts.loc(f"{base}/{index}"), facts.dir_name,
            )
