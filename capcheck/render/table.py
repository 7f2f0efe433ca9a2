"""Plain-text tables (tabulate): one table of verdicts per destination."""

from __future__ import annotations

from tabulate import tabulate

from capcheck.model import LoadError, Report


def render_report(report: Report) -> str:
    rows = []
    for v in report.verdicts:
        where = next((e.location.short() for e in v.evidence if e.location), "")
        rows.append([v.title, v.status.value, v.message, where])
    head = f"{report.display_name} ({report.name})"
    table = tabulate(rows, headers=["Capability", "Verdict", "Why", "Evidence"], tablefmt="github")
    sources = ", ".join(report.source_types) or "(none)"
    return f"{head}\n{table}\nSource types: {sources}\nTransformer: {report.transformer.note}\n"


def render(reports: list[Report], errors: list[LoadError] | None = None) -> str:
    """One table per destination (load errors go to stderr, not into the tables)."""
    return "\n".join(render_report(r) for r in reports)
