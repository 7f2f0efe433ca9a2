"""``capcheck diff`` GitHub Actions output: a ``::notice`` on the changed line of each
capability change (the head revision's evidence in db-config.json), on the new
definition of an added destination, and without a file for a removed one; an
``::error`` for a definition that cannot be read at the head revision.

A step shows at most 10 annotations of each kind: past that, the rest are plain log
lines and one more notice says how many were not annotated.
"""

from __future__ import annotations

from pathlib import Path

from capcheck.load.definitions import DB_CONFIG
from capcheck.model import Location, Report, Status, Verdict
from capcheck.render.check_github import CAP, escape_data, escape_property
from capcheck.render.diff_text import evidence_lines, verdict_list
from capcheck.report.diff import CapabilityChange, DestinationChange, DiffResult

TITLE = "capcheck diff"


def _db_line(report: Report, verdict: Verdict | None) -> Location | None:
    db_file = str(Path(report.definition_dir) / DB_CONFIG)
    for ev in verdict.evidence if verdict else ():
        if ev.location is not None and ev.location.file == db_file and ev.location.line:
            return ev.location
    return None


def _changed_line(change: DestinationChange, cap: CapabilityChange) -> Location:
    """Where the change shows at the head revision: the verdict's evidence in the
    destination's db-config.json. A capability that becomes (or stops being) not
    applicable changed because a capability it requires did: the line of that change."""
    na = Status.NOT_APPLICABLE
    if na in (cap.before_status, cap.after_status):
        for other in change.changes:
            if na not in (other.before_status, other.after_status):
                found = _db_line(change.after, other.after)
                if found is not None:
                    return found
    found = _db_line(change.after, cap.after)
    return found or Location(str(Path(change.after.definition_dir) / DB_CONFIG))


def _annotation(kind: str, message: str, loc: Location | None) -> str:
    props: list[str] = []
    if loc is not None:
        props.append(f"file={escape_property(loc.file)}")
        if loc.line is not None:
            props.append(f"line={loc.line}")
            if loc.column is not None:
                props.append(f"col={loc.column}")
    props.append(f"title={escape_property(TITLE)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}"


def _plain(message: str, loc: Location | None) -> str:
    return f"{loc.short()}: {message}" if loc is not None else message


def render(result: DiffResult) -> str:
    items: list[tuple[str, str, Location | None]] = []  # (kind, message, where)
    for err in result.head_errors:
        items.append(("error", f"{err.error.message} (at {result.head.label})",
                      err.error.location))
    base = result.base.label
    for change in result.changed:
        if change.renamed and not change.changes:
            items.append(("notice", f"{change.after.name}: renamed from "
                          f"{change.before.definition_dir} (capabilities unchanged)",
                          Location(str(Path(change.after.definition_dir) / DB_CONFIG), 1)))
        for cap in change.changes:
            was = "; ".join(evidence_lines(cap.before))
            items.append(("notice", f"{change.after.name}: {cap.describe()} (at {base}: {was})",
                          _changed_line(change, cap)))
    for report in result.added:
        loc = report.source_types_location
        if loc is None or loc.line is None:
            loc = Location(str(Path(report.definition_dir) / DB_CONFIG), 1)
        items.append(("notice", f"{report.name}: new destination ({verdict_list(report)})",
                      loc))
    for report in result.removed:
        items.append(("notice", f"{report.name}: destination removed from "
                      f"{report.definition_dir} (was: {verdict_list(report)})", None))
    for err in result.errors:
        if err.side == "base":
            items.append(("notice", f"{err.error} (at {base}; not compared)", None))
    totals: dict[str, int] = {}
    for kind, _message, _loc in items:
        totals[kind] = totals.get(kind, 0) + 1
    spill = any(n > CAP for n in totals.values())
    # The closing "not shown" notice takes one notice slot when anything overflows.
    limits = {kind: CAP - 1 if kind == "notice" and spill else CAP for kind in totals}
    lines: list[str] = []
    overflow: list[str] = []
    seen: dict[str, int] = {}
    for kind, message, loc in items:
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= limits[kind]:
            lines.append(_annotation(kind, message, loc))
        else:
            overflow.append(_plain(message, loc))
    if overflow:
        lines.extend(overflow)
        n = len(overflow)
        lines.append(f"::notice title={escape_property(TITLE)}::{n} more change"
                     f"{'s' if n != 1 else ''} not shown as annotations (GitHub shows {CAP} "
                     "per kind per step); see the log above")
    return "".join(line + "\n" for line in lines)
