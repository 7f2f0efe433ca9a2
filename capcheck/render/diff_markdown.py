"""``capcheck diff`` Markdown output, made to be posted as a pull-request comment.

A hidden marker (so a workflow can find and update its own comment), one summary line,
a table of the changes (the first ``max_rows``, then a count), and the evidence of both
revisions folded in ``<details>``. Every value that comes from the definitions (names,
folders, evidence) is escaped, so a display name cannot break the table or open HTML.
"""

from __future__ import annotations

import re

from capcheck.model import Evidence, Report, Status, Verdict
from capcheck.render.diff_text import verdict_list, what_changed
from capcheck.report.diff import CapabilityChange, DestinationChange, DiffResult, rank

MARKER = "<!-- capcheck-diff -->"
DEFAULT_ROWS = 20

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])")
_CODE_SPAN = re.compile(r"`[^`\n]*`")


def md_text(text: str) -> str:
    """Plain text safe in Markdown, also in a table cell and after a list bullet:
    emphasis, links, HTML, pipes and entities escaped, a leading list marker escaped,
    line breaks flattened."""
    text = _SPECIAL.sub(r"\\\1", re.sub(r"[\r\n]+", " ", text))
    return _LIST_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1],
                           text)


def md_code(text: str) -> str:
    """``text`` as a code span (safe in a table cell: pipes escaped)."""
    text = " ".join(text.split())
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}".replace("|", "\\|")


def md_fact(text: str) -> str:
    """An evidence fact: its `code spans` kept, everything else escaped."""
    out: list[str] = []
    at = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(md_text(text[at : match.start()]))
        out.append(md_code(match.group()[1:-1]))
        at = match.end()
    out.append(md_text(text[at:]))
    return "".join(out)


def _who(report: Report) -> str:
    shown = md_text(report.display_name)
    return f"{shown} ({md_code(report.name)})" if report.display_name != report.name else \
        md_code(report.name)


def _status(status: Status | None, lost: bool = False, gained: bool = False) -> str:
    text = status.value if status is not None else "absent"
    return f"**{text}** (lost)" if lost else f"**{text}**" if gained else text


def _verdicts(report: Report) -> str:
    return md_text(verdict_list(report))


def _rows(result: DiffResult) -> list[str]:
    rows: list[str] = []
    for change in result.changed:
        who = _who(change.after)
        if change.renamed:
            rows.append(f"| {who} | renamed | {md_code(change.before.definition_dir)} | "
                        f"{md_code(change.after.definition_dir)} |")
        for cap in change.changes:
            gained = rank(cap.after_status) > rank(cap.before_status)
            rows.append(f"| {who} | {md_text(cap.label)} | {_status(cap.before_status)} | "
                        f"{_status(cap.after_status, cap.lost, gained)} |")
    rows.extend(f"| {_who(r)} | added | | {_verdicts(r)} |" for r in result.added)
    rows.extend(f"| {_who(r)} | **removed** | {_verdicts(r)} | |" for r in result.removed)
    return rows


def _evidence(ev: Evidence) -> str:
    if ev.location is None:
        return md_fact(ev.fact)
    where = ev.location.short() if ev.location.line is not None else ev.location.file
    return f"{md_code(where)}: {md_fact(ev.fact)}"


def _side(name: str, verdict: Verdict | None) -> list[str]:
    if verdict is None:
        return [f"  - {md_code(name)}: capability not defined"]
    items = [_evidence(e) for e in verdict.evidence] or [md_text(verdict.message)]
    return [f"  - {md_code(name)}: {item}" for item in items]


def _details(result: DiffResult, limit: int) -> list[str]:
    lines: list[str] = []
    shown = 0
    changes: list[tuple[DestinationChange, CapabilityChange]] = [
        (d, c) for d in result.changed for c in d.changes
    ]
    for dest, cap in changes[:limit]:
        lines.append(f"- {_who(dest.after)}: {md_text(cap.describe())}")
        lines.extend(_side(result.base.label, cap.before))
        lines.extend(_side(result.head.label, cap.after))
        shown += 1
    if len(changes) > shown:
        rest = len(changes) - shown
        lines.append(f"- … and {rest} more (run `capcheck diff` for all of them)")
    return lines


def render(result: DiffResult, max_rows: int = DEFAULT_ROWS) -> str:
    limit = max(1, max_rows)
    head = f"**capcheck diff** {md_code(result.base.label)} → {md_code(result.head.label)}: "
    lines = [MARKER, head + md_text(what_changed(result)) + "."]
    rows = _rows(result)
    if rows:
        lines += ["", "| Destination | Capability | Before | After |",
                  "| --- | --- | --- | --- |", *rows[:limit]]
        if len(rows) > limit:
            lines += ["", f"… and {len(rows) - limit} more rows."]
    if result.errors:
        lines += ["", "Definitions that could not be read:", ""]
        for err in result.errors[:limit]:
            side = result.base.label if err.side == "base" else result.head.label
            lines.append(f"- {md_code(err.error.location.short())} at {md_code(side)}: "
                         f"{md_text(err.error.message)}")
        if len(result.errors) > limit:
            lines.append(f"- … and {len(result.errors) - limit} more")
    details = _details(result, limit)
    if details:
        lines += ["", "<details><summary>Evidence at both revisions</summary>", "", *details,
                  "", "</details>"]
    n = result.examined
    lines += ["", f"<sub>{n} changed destination folder{'s' if n != 1 else ''} examined."
                  "</sub>"]
    return "\n".join(lines) + "\n"
