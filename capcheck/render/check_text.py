"""``capcheck check`` text output: one ``path:line:col: CODE message`` line per finding.

Control characters in paths and messages (a key holding a newline, ``::error``, an
escape sequence) are made visible, so a definition cannot forge a log line."""

from __future__ import annotations

from capcheck.escape import terminal
from capcheck.gate.checker import CheckResult
from capcheck.model import Finding


def finding_line(finding: Finding) -> str:
    return terminal(f"{finding.location.short()}: {finding.code} {finding.message}")


def render(result: CheckResult) -> str:
    return "".join(finding_line(f) + "\n" for f in result.findings)
