"""Plain-text tables for a terminal: one table of verdicts per destination.

The table fits the terminal (``render.terminal.width``): the "Why" and "Evidence"
columns wrap instead of running off screen. Markdown code spans (backticks) are
dropped, since a terminal does not render them; control characters are escaped.
"""

from __future__ import annotations

from capcheck.model import LoadError, Report
from capcheck.render.terminal import escape_controls, fit_table, width, wrap_text

HEADERS = ("Capability", "Verdict", "Why", "Evidence")


def _plain(text: str) -> str:
    return escape_controls(text.replace("`", ""))


def render_report(report: Report, max_width: int = 100) -> str:
    rows = []
    for v in report.verdicts:
        where = next((e.location.short() for e in v.evidence if e.location), "")
        rows.append([_plain(v.title), v.status.value, _plain(v.message), where])
    head = _plain(f"{report.display_name} ({report.name})")
    table = fit_table(HEADERS, rows, max_width, wrap=(2, 3, 0))
    sources = ", ".join(report.source_types) or "(none)"
    lines = [head, *table]
    lines += wrap_text(f"Source types: {sources}", max_width)
    lines += wrap_text(f"Transformer: {_plain(report.transformer.note)}", max_width)
    return "\n".join(lines) + "\n"


def render(reports: list[Report], errors: list[LoadError] | None = None,
           max_width: int | None = None) -> str:
    """One table per destination (load errors go to stderr, not into the tables)."""
    columns = width() if max_width is None else max_width
    return "\n".join(render_report(r, columns) for r in reports)
