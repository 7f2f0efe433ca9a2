"""``capcheck check`` JSON output: the findings, the destinations and a summary."""

from __future__ import annotations

from typing import Any

from capcheck import __version__
from capcheck.gate.checker import CheckResult
from capcheck.model import Finding
from capcheck.render.jsontext import indented


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "destination": finding.destination,
        **finding.location.to_dict(),
    }


def render(result: CheckResult) -> str:
    counts = result.counts()
    doc = {
        "tool": "capcheck",
        "version": __version__,
        "summary": {
            "destinations": len(result.destinations),
            "findings": len(result.findings),
            **{sev.value: n for sev, n in counts.items()},
            "failOn": result.fail_on.value,
            "failing": len(result.failing()),
        },
        "findings": [finding_to_dict(f) for f in result.findings],
        "destinations": [
            {"destination": d.destination, "name": d.name, "file": d.file}
            for d in result.destinations
        ],
        "errors": [
            {"message": e.message, **e.location.to_dict()} for e in result.input_errors
        ],
    }
    return indented(doc)
