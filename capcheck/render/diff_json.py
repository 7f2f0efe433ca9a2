"""``capcheck diff`` JSON output: both revisions, every change with the evidence of both
sides, added / removed destinations with their verdicts, unreadable definitions."""

from __future__ import annotations

from typing import Any

from capcheck import __version__
from capcheck.model import Report, Verdict
from capcheck.render.jsontext import indented
from capcheck.report.diff import CapabilityChange, DestinationChange, DiffResult


def _verdict(verdict: Verdict | None) -> dict[str, Any] | None:
    return verdict.to_dict() if verdict is not None else None


def _report(report: Report) -> dict[str, Any]:
    return {
        "destination": report.destination,
        "name": report.name,
        "displayName": report.display_name,
        "folder": report.definition_dir,
        "verdicts": {v.capability: v.status.value for v in report.verdicts},
    }


def _change(cap: CapabilityChange) -> dict[str, Any]:
    return {
        "capability": cap.capability,
        "label": cap.label,
        "before": cap.before_status.value if cap.before_status else None,
        "after": cap.after_status.value if cap.after_status else None,
        "lost": cap.lost,
        "beforeVerdict": _verdict(cap.before),
        "afterVerdict": _verdict(cap.after),
    }


def _destination(change: DestinationChange) -> dict[str, Any]:
    return {
        **_report(change.after),
        "renamedFrom": change.before.definition_dir if change.renamed else None,
        "changes": [_change(c) for c in change.changes],
    }


def render(result: DiffResult) -> str:
    doc = {
        "tool": "capcheck",
        "version": __version__,
        "base": {"revision": result.base.label, "commit": result.base.commit},
        "head": {"revision": result.head.label, "commit": result.head.commit},
        "transformer": result.transformer,
        "summary": {
            "examined": result.examined,
            "changed": sum(1 for d in result.changed if d.changes),
            "capabilityChanges": result.capability_changes,
            "lost": result.lost,
            "renamed": sum(1 for d in result.changed if d.renamed),
            "added": len(result.added),
            "removed": len(result.removed),
            "errors": len(result.errors),
        },
        "changed": [_destination(d) for d in result.changed],
        "added": [_report(r) for r in result.added],
        "removed": [_report(r) for r in result.removed],
        "errors": [
            {"side": e.side, "message": e.error.message, **e.error.location.to_dict()}
            for e in result.errors
        ],
    }
    return indented(doc)
