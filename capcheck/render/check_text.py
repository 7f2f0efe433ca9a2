"""``capcheck check`` text output: one ``path:line:col: CODE severity: message`` line per
finding, so a reader sees which findings fail the build without JSON.

Colour (``color=True``: bold path, code and severity in the severity's colour) is added
only when the command decided the stream is a terminal (see ``render.terminal``).
Every value is escaped: a key holding a newline or an escape sequence prints as
``\\n`` / ``\\x1b`` and never starts a line of its own.
"""

from __future__ import annotations

from capcheck.gate.checker import CheckResult
from capcheck.model import Finding, Severity
from capcheck.render.terminal import escape_controls, fit_table, paint

COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def finding_line(finding: Finding, color: bool = False) -> str:
    where = escape_controls(finding.location.short())
    sev = finding.severity
    return (
        f"{paint(where, 'bold', color=color)}: "
        f"{paint(finding.code, COLORS[sev], 'bold', color=color)} "
        f"{paint(sev.value, COLORS[sev], color=color)}: {escape_controls(finding.message)}"
    )


def render(result: CheckResult, color: bool = False) -> str:
    return "".join(finding_line(f, color) + "\n" for f in result.findings)


def statistics(result: CheckResult) -> list[tuple[int, str, str, str]]:
    """(count, code, severity, rule name) per code, most frequent first."""
    counts: dict[str, int] = {}
    severity: dict[str, str] = {}
    for finding in result.findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
        severity[finding.code] = finding.severity.value
    names = {r.code: r.name for r in result.rules}
    return sorted(
        ((n, code, severity[code], names.get(code, "")) for code, n in counts.items()),
        key=lambda item: (-item[0], item[1]),
    )


def render_statistics(result: CheckResult, max_width: int = 100) -> str:
    """``--statistics``: a table of counts per code (ruff's shape), nothing when clean."""
    stats = statistics(result)
    if not stats:
        return ""
    rows = [[str(n), code, sev, name] for n, code, sev, name in stats]
    lines = fit_table(["Count", "Code", "Severity", "Rule"], rows, max_width, wrap=(3,))
    return "\n".join(lines) + "\n"
