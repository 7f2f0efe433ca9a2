"""The connection config of a RETL destination: what a warehouse connection asks for.

The settings are ``destConfig.defaultConfig`` plus ``destConfig.warehouse``, each with
its label (ui-config.json), whether it is secret (``secretKeys``) and whether it is
required (schema.json), plus the warehouse connection modes and sync behaviours. A
field of the wrong shape leaves its part unknown and says so in the evidence; the
other parts are still reported.
"""

from __future__ import annotations

import json

from capcheck.facts import (
    CONNECTION_MODES,
    DEST_CONFIG,
    SCHEMA_REQUIRED,
    SECRET_KEYS,
    SYNC_BEHAVIOURS,
    DestinationFacts,
)
from capcheck.model import ConnectionConfig, ConnectionParts, ConnectionSetting, Evidence

WAREHOUSE = "warehouse"


def connection_config(facts: DestinationFacts) -> ConnectionConfig:
    """The connection config of ``facts``; its settings and evidence (labels from
    ui-config.json, locations) are worked out when first read."""
    return ConnectionConfig.deferred(facts.connection_modes.get(WAREHOUSE, ()),
                                     facts.sync_behaviours, lambda: _parts(facts))


def _parts(facts: DestinationFacts) -> ConnectionParts:
    settings: list[ConnectionSetting] = []
    seen: set[str] = set()
    for scope in ("defaultConfig", WAREHOUSE):
        for index, key in enumerate(facts.dest_config.get(scope, ())):
            if key in seen:
                continue
            seen.add(key)
            ui = facts.ui_fields.get(key)
            settings.append(
                ConnectionSetting(
                    key=key,
                    label=ui.label if ui else None,
                    scope=scope,
                    secret=key in facts.secret_keys,
                    required=key in facts.schema_required,
                    location=facts.loc(f"{DEST_CONFIG}/{scope}/{index}"),
                    label_location=ui.location if ui else None,
                )
            )
    modes = facts.connection_modes.get(WAREHOUSE, ())
    evidence: list[Evidence] = []
    unknown = {ptr: facts.problem(ptr) for ptr in (DEST_CONFIG, CONNECTION_MODES, SECRET_KEYS,
                                                   SCHEMA_REQUIRED, SYNC_BEHAVIOURS)}
    for ptr, what in ((DEST_CONFIG, "the settings are"),
                      (CONNECTION_MODES, "the warehouse connection modes are"),
                      (SECRET_KEYS, "whether a setting is secret is"),
                      (SCHEMA_REQUIRED, "whether a setting is required is"),
                      (SYNC_BEHAVIOURS, "the sync behaviours are")):
        problem = unknown[ptr]
        if problem is not None:
            evidence.append(Evidence(f"{problem.because()}, so {what} unknown",
                                     problem.location))
    if unknown[DEST_CONFIG] is None:
        evidence.append(Evidence(
            f"`{DEST_CONFIG}/defaultConfig` lists "
            f"{len(facts.dest_config.get('defaultConfig', ()))} settings, "
            f"`{DEST_CONFIG}/warehouse` lists {len(facts.dest_config.get(WAREHOUSE, ()))}",
            facts.loc(DEST_CONFIG),
        ))
    if unknown[CONNECTION_MODES] is None:
        declared = json.dumps(list(modes)) if modes else "not declared"
        if isinstance(facts.config.get("supportedConnectionModes"), list) and modes:
            declared += " (one list of modes for every source type)"
            where = facts.loc(CONNECTION_MODES)
        else:
            where = facts.loc(f"{CONNECTION_MODES}/warehouse")
        evidence.append(Evidence(f"`{CONNECTION_MODES}/warehouse` is {declared}", where))
    if facts.sync_behaviours:
        evidence.append(
            Evidence(f"`{SYNC_BEHAVIOURS}` is {json.dumps(list(facts.sync_behaviours))}",
                     facts.loc(SYNC_BEHAVIOURS))
        )
    return tuple(settings), tuple(evidence)
