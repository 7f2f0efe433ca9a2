"""Verdict differences between two revisions of a tree of destination definitions.

Only the destinations whose definition files differ between the two sides (by the git
tree diff) are read and audited, each side through the same pipeline as ``capcheck
audit`` (``build_facts`` -> transformer facts -> ``make_report``). A destination is
matched across the sides by its folder; a folder that disappeared and one that appeared
with the same internal ``name`` are one destination, renamed.

A capability is *lost* when its status ranks lower afterwards (supported > partial >
anything else); a removed destination loses every capability it supported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from capcheck.capabilities.pack import Capability
from capcheck.facts import DestinationFacts, TransformerFacts, build_facts
from capcheck.load.definitions import DB_CONFIG, RawDefinition
from capcheck.load.gitrev import (
    RevisionSide,
    Side,
    changed_files,
    destinations_root,
    holds_definitions,
    read_definitions,
    touched_folders,
)
from capcheck.load.transformer import TransformerCode, candidate_names, scan_destination
from capcheck.model import CAPABILITIES, LoadError, Report, Status, Verdict
from capcheck.records import dataclass, field
from capcheck.report.audit import make_report


class CodeSource(Protocol):
    """Transformer code: ``scan`` the destination known by these folder names;
    ``prefetch`` may read many at once first (``GitTransformer`` does)."""

    def scan(self, names: list[str]) -> TransformerCode: ...

    def prefetch(self, many: list[list[str]]) -> None: ...


@dataclass
class FolderCode:
    """A transformer checkout on disk (its ``src`` folder)."""

    src: Path

    def scan(self, names: list[str]) -> TransformerCode:
        return scan_destination(self.src, names)

    def prefetch(self, many: list[list[str]]) -> None:
        return None


_RANK = {Status.SUPPORTED: 2, Status.PARTIAL: 1}


def rank(status: Status | None) -> int:
    return _RANK.get(status, 0) if status is not None else 0


def label(verdict: Verdict) -> str:
    """Short capability name: ``RETL``, ``VDM v2`` (the verdict title for others)."""
    return CAPABILITIES.get(verdict.capability, verdict.title)


@dataclass(frozen=True)
class CapabilityChange:
    capability: str
    label: str
    before: Verdict | None  # None: the capability did not exist (a rule pack change)
    after: Verdict | None

    @property
    def before_status(self) -> Status | None:
        return self.before.status if self.before else None

    @property
    def after_status(self) -> Status | None:
        return self.after.status if self.after else None

    @property
    def lost(self) -> bool:
        return rank(self.after_status) < rank(self.before_status)

    def describe(self) -> str:
        """``RETL not supported -> supported``."""
        old = self.before_status.value if self.before_status else "absent"
        new = self.after_status.value if self.after_status else "absent"
        return f"{self.label} {old} -> {new}"


@dataclass(frozen=True)
class DestinationChange:
    """A destination at both sides whose verdicts differ, or that was renamed."""

    before: Report
    after: Report
    changes: tuple[CapabilityChange, ...]

    @property
    def renamed(self) -> bool:
        return self.before.definition_dir != self.after.definition_dir

    @property
    def lost(self) -> bool:
        return any(c.lost for c in self.changes)


@dataclass(frozen=True)
class SideError:
    side: str  # "base" or "head"
    error: LoadError


@dataclass(frozen=True)
class SideInfo:
    label: str  # as the user wrote it, or "working tree"
    commit: str | None


@dataclass
class DiffResult:
    base: SideInfo
    head: SideInfo
    transformer: str | None  # what --transformer named, if anything
    examined: int = 0  # destination folders whose definition files differ
    changed: list[DestinationChange] = field(default_factory=list)
    added: list[Report] = field(default_factory=list)
    removed: list[Report] = field(default_factory=list)
    errors: list[SideError] = field(default_factory=list)
    code_errors: list[LoadError] = field(default_factory=list)  # transformer files

    @property
    def capability_changes(self) -> int:
        return sum(len(d.changes) for d in self.changed)

    @property
    def lost(self) -> bool:
        """A capability was lost (a removed destination loses what it supported)."""
        return any(d.lost for d in self.changed) or any(
            rank(v.status) > 0 for r in self.removed for v in r.verdicts
        )

    @property
    def any_change(self) -> bool:
        return bool(self.changed or self.added or self.removed)

    @property
    def head_errors(self) -> list[SideError]:
        return [e for e in self.errors if e.side == "head"]


def compare_reports(before: Report, after: Report) -> tuple[CapabilityChange, ...]:
    """Every capability whose status differs, in rule-pack order."""
    old = {v.capability: v for v in before.verdicts}
    new = {v.capability: v for v in after.verdicts}
    order = list(dict.fromkeys([*old, *new]))
    changes: list[CapabilityChange] = []
    for cap in order:
        b, a = old.get(cap), new.get(cap)
        if (b.status if b else None) == (a.status if a else None):
            continue
        changes.append(CapabilityChange(cap, label(a or b), b, a))  # type: ignore[arg-type]
    return tuple(changes)


@dataclass
class _Audited:
    reports: dict[str, Report] = field(default_factory=dict)  # folder -> report
    errors: list[LoadError] = field(default_factory=list)
    code_errors: list[LoadError] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # folders with any error


def _audit(
    raws: dict[str, RawDefinition | None], capabilities: list[Capability],
    code_source: CodeSource | None,
) -> _Audited:
    audited = _Audited()
    usable: list[tuple[str, DestinationFacts]] = []
    for folder, raw in raws.items():
        if raw is None:
            continue
        audited.errors.extend(raw.errors)
        if raw.errors:
            audited.broken.add(folder)
        facts = build_facts(raw)
        if isinstance(facts, LoadError):
            if facts not in raw.errors:
                audited.errors.append(facts)
            audited.broken.add(folder)
            continue
        usable.append((folder, facts))
    if code_source is not None:
        code_source.prefetch([candidate_names(f.dir_name, f.name) for _d, f in usable])
    for folder, facts in usable:
        facts.transformer = TransformerFacts(given=code_source is not None)
        if code_source is not None:
            code = code_source.scan(candidate_names(facts.dir_name, facts.name))
            facts.transformer.code = code
            audited.code_errors.extend(e for e in code.errors if e not in audited.code_errors)
        audited.reports[folder] = make_report(facts, capabilities)
    return audited


def diff(
    base: RevisionSide,
    head: Side,
    prefixes: list[str],
    capabilities: list[Capability],
    code_source: CodeSource | None = None,
    transformer: str | None = None,
) -> DiffResult:
    """Compare the definitions under each repository path in ``prefixes``. Raises
    ``ValueError`` for a path that exists at neither side."""
    result = DiffResult(SideInfo(base.label, base.commit), SideInfo(head.label, head.commit),
                        transformer)
    folders: list[str] = []
    for prefix in prefixes:
        found = destinations_root((head, base), prefix)
        if found is None:
            raise ValueError(f"{prefix or '.'} exists neither at {base.label} nor at "
                             f"{head.label}")
        root, single = found
        touched = touched_folders(changed_files(base, head, root), root, single)
        # Only when nothing changed is it worth asking whether the path holds any
        # definition at all (a wrong PATH must not pass as "no changes").
        if not touched and not single and not any(
            holds_definitions(s, root) for s in (head, base)
        ):
            raise ValueError(f"{root or '.'} holds no destination definition (no "
                             f"{DB_CONFIG} here or one level down) at {base.label} nor at "
                             f"{head.label}")
        folders.extend(f for f in touched if f not in folders)
    folders.sort()
    result.examined = len(folders)
    raw_before, raw_after = read_definitions([base, head], folders)
    before = _audit(raw_before, capabilities, code_source)
    after = _audit(raw_after, capabilities, code_source)
    result.errors = sorted(
        [SideError("base", e) for e in before.errors]
        + [SideError("head", e) for e in after.errors],
        key=lambda e: (e.error.location.file, e.side != "base", e.error.location.line or 0,
                       e.error.message),
    )
    broken = before.broken | after.broken
    result.code_errors = sorted(
        set(before.code_errors) | set(after.code_errors),
        key=lambda e: (e.location.file, e.location.line or 0, e.message),
    )
    removed: dict[str, Report] = {}
    added: dict[str, Report] = {}
    for folder in folders:
        old, new = before.reports.get(folder), after.reports.get(folder)
        if folder in broken:
            continue  # unreadable at one side: its errors say so, nothing to compare
        if old is not None and new is not None:
            changes = compare_reports(old, new)
            if changes:
                result.changed.append(DestinationChange(old, new, changes))
        elif old is not None:
            removed[folder] = old
        elif new is not None:
            added[folder] = new
    _pair_renames(result, removed, added)
    result.changed.sort(key=lambda d: (d.after.destination, d.after.definition_dir))
    return result


def _pair_renames(result: DiffResult, removed: dict[str, Report],
                  added: dict[str, Report]) -> None:
    """A removed and an added folder with the same internal name (and no other folder
    of that name on either side) are one destination under a new folder."""
    def by_name(reports: dict[str, Report]) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        for folder, report in reports.items():
            names.setdefault(report.name, []).append(folder)
        return names

    gone, new = by_name(removed), by_name(added)
    for name in sorted(set(gone) & set(new)):
        if len(gone[name]) == 1 and len(new[name]) == 1:
            old_report, new_report = removed.pop(gone[name][0]), added.pop(new[name][0])
            result.changed.append(DestinationChange(
                old_report, new_report, compare_reports(old_report, new_report)))
    result.removed = [removed[f] for f in sorted(removed)]
    result.added = [added[f] for f in sorted(added)]
