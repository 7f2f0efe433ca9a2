"""``capcheck diff`` text output: one line per capability change, with the evidence of
both sides under it; renamed, added and removed destinations; unreadable definitions;
a summary line last."""

from __future__ import annotations

from capcheck.model import Evidence, Report, Verdict
from capcheck.report.diff import DiffResult, label


def side_name(result: DiffResult, side: str) -> str:
    info = result.base if side == "base" else result.head
    return info.label


def verdict_list(report: Report) -> str:
    """``RETL supported, JSON Mapper supported, VDM v1 not supported, ...``."""
    return ", ".join(f"{label(v)} {v.status.value}" for v in report.verdicts)


def evidence_text(ev: Evidence) -> str:
    if ev.location is None:
        return ev.fact
    where = ev.location.short() if ev.location.line is not None else ev.location.file
    return f"{where}: {ev.fact}"


def evidence_lines(verdict: Verdict | None) -> list[str]:
    """What decided a verdict: its evidence, else its message."""
    if verdict is None:
        return ["(capability not defined)"]
    return [evidence_text(e) for e in verdict.evidence] or [verdict.message]


def what_changed(result: DiffResult) -> str:
    """``2 capability changes in 1 destination (1 lost), 1 added``."""
    parts: list[str] = []
    if result.changed:
        lost = sum(1 for d in result.changed for c in d.changes if c.lost)
        n = result.capability_changes
        with_changes = sum(1 for d in result.changed if d.changes)
        if n:
            text = (f"{n} capability change{'s' if n != 1 else ''} in {with_changes} "
                    f"destination{'s' if with_changes != 1 else ''}")
            if lost:
                text += f" ({lost} lost)"
            parts.append(text)
        renamed = sum(1 for d in result.changed if d.renamed)
        if renamed:
            parts.append(f"{renamed} renamed")
    if result.added:
        parts.append(f"{len(result.added)} added")
    if result.removed:
        parts.append(f"{len(result.removed)} removed")
    if result.errors:
        parts.append(f"{len(result.errors)} unreadable")
    return ", ".join(parts) if parts else "no capability changes"


def summary(result: DiffResult) -> str:
    """One line: what changed, how many destination folders were examined."""
    n = result.examined
    folders = f"{n} changed destination folder{'s' if n != 1 else ''}"
    return (f"{what_changed(result)}; {folders} examined, "
            f"{result.base.label} -> {result.head.label}")


def render(result: DiffResult) -> str:
    lines: list[str] = []
    base, head = result.base.label, result.head.label
    for change in result.changed:
        if change.renamed:
            tail = "" if change.changes else " (capabilities unchanged)"
            lines.append(f"{change.after.name}: renamed {change.before.definition_dir} -> "
                         f"{change.after.definition_dir}{tail}")
        for cap in change.changes:
            lines.append(f"{change.after.name}: {cap.describe()}")
            lines.extend(f"    {base}: {e}" for e in evidence_lines(cap.before))
            lines.extend(f"    {head}: {e}" for e in evidence_lines(cap.after))
    for report in result.added:
        lines.append(f"{report.name}: added in {report.definition_dir} ({verdict_list(report)})")
    for report in result.removed:
        lines.append(f"{report.name}: removed from {report.definition_dir} "
                     f"(was: {verdict_list(report)})")
    for err in result.errors:
        lines.append(f"{err.error} (at {side_name(result, err.side)})")
    lines.append(summary(result))
    return "".join(line + "\n" for line in lines)
