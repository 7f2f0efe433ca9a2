"""``capcheck check`` text output: one ``path:line:col: CODE message`` line per finding."""

from __future__ import annotations

from capcheck.gate.checker import CheckResult
from capcheck.model import Finding


def finding_line(finding: Finding) -> str:
    return f"{finding.location.short()}: {finding.code} {finding.message}"


def render(result: CheckResult) -> str:
    return "".join(finding_line(f) + "\n" for f in result.findings)
