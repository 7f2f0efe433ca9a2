"""JSON audit output, following schemas/report.schema.json."""

from __future__ import annotations

from typing import Any

from capcheck import __version__
from capcheck.model import LoadError, Report
from capcheck.render.jsontext import indented


def report_to_dict(report: Report) -> dict[str, Any]:
    cc = report.connection_config
    return {
        "destination": report.destination,
        "name": report.name,
        "displayName": report.display_name,
        "definition": report.definition_dir,
        "verdicts": [v.to_dict() for v in report.verdicts],
        "supportedSourceTypes": list(report.source_types),
        "supportedMessageTypes": {k: list(v) for k, v in report.message_types.items()},
        "supportedConnectionModes": {k: list(v) for k, v in report.connection_modes.items()},
        "connectionConfig": None if cc is None else {
            "settings": [s.to_dict() for s in cc.settings],
            "connectionModes": list(cc.connection_modes),
            "syncBehaviours": list(cc.sync_behaviours),
            "evidence": [e.to_dict() for e in cc.evidence],
        },
        "transformer": {
            "given": report.transformer.given,
            "folders": list(report.transformer.folders),
            "filesScanned": report.transformer.files_scanned,
            "note": report.transformer.note,
        },
    }


def error_to_dict(error: LoadError) -> dict[str, Any]:
    return {"destination": error.destination, "message": error.message,
            **error.location.to_dict()}


def render(reports: list[Report], errors: list[LoadError] | None = None) -> str:
    doc = {
        "tool": "capcheck",
        "version": __version__,
        "reports": [report_to_dict(r) for r in reports],
        "errors": [error_to_dict(e) for e in errors or []],
    }
    return indented(doc)
