"""The check engine: loaded definitions -> rules -> filtered, sorted findings.

One ``CheckContext`` per destination folder; every selected rule runs on every folder,
so one destination's findings never hide another's. Load errors map to codes so:

- a LoadError *with* a destination (invalid JSON, unreadable file, missing
  db-config.json, a field of the wrong type) is a ``CAP001`` finding, unless a rule
  already reported a CAP001 or CAP003 (schema) finding at the same file and line:
  each problem is reported once;
- a LoadError *without* a destination (a PATH that does not exist or holds no
  definition, an unusable transformer file) is an input error: the command prints it
  and exits 2, it is never a finding.

A rule that raises is a bug in capcheck, not in the definition: it becomes a CAP000
finding on that destination and the other rules and destinations still run.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from capcheck.load.definitions import DB_CONFIG
from capcheck.model import Finding, LoadError, Location, Severity
from capcheck.records import dataclass, field

if TYPE_CHECKING:
    from capcheck.checks import CheckContext
    from capcheck.report.audit import Loaded, LoadedDestination

INTERNAL_ERROR = "CAP000"
LOAD_ERROR = "CAP001"
LOCK_CHANGED = "CAP900"
LOCK_ADDED = "CAP901"
LOCK_REMOVED = "CAP902"
# Codes that own load problems: a finding of these at a LoadError's file and line
# means the error is already reported (CAP003 reports wrong types that stop facts).
LOAD_OWNERS = frozenset({LOAD_ERROR, "CAP003"})


@dataclass(frozen=True)
class RuleInfo:
    """Metadata of one code, for renderers (SARIF rules[], JSON, docs)."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str


# Codes the engine itself produces besides CAP001 (whose metadata comes from the
# invalid_json rule module, see known_rules).
BUILTIN_RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        INTERNAL_ERROR, "internal-error", Severity.ERROR,
        "a rule failed on this definition (a capcheck bug)",
        "A rule raised an exception on this definition. This is a bug in capcheck, not "
        "in the definition; the other rules and destinations were still checked. "
        "Please report it with the definition that triggers it.",
    ),
    RuleInfo(
        LOCK_CHANGED, "capability-changed", Severity.ERROR,
        "a capability differs from the capability lock",
        "A destination's RETL, JSON Mapper, VDM v1 or VDM v2 verdict differs from the "
        "one recorded in the lock file (`capcheck check --lock FILE`). If the change is "
        "intended, run `capcheck lock` and commit the new lock with the change, so that "
        "a capability is never gained or lost by accident.",
    ),
    RuleInfo(
        LOCK_ADDED, "destination-not-in-lock", Severity.ERROR,
        "a destination is not in the capability lock",
        "A destination was found that the lock file does not list. Run `capcheck lock` "
        "and commit the lock with the new destination.",
    ),
    RuleInfo(
        LOCK_REMOVED, "destination-removed", Severity.ERROR,
        "a destination in the capability lock was not found",
        "The lock file lists a destination that is no longer there. Only reported when "
        "a PATH is a folder of definitions (checking single destinations cannot tell). "
        "Run `capcheck lock` and commit the lock if the removal is intended.",
    ),
)


def rule_info(module: ModuleType) -> RuleInfo:
    return RuleInfo(
        code=str(module.CODE),
        name=str(module.NAME),
        severity=Severity(module.SEVERITY),
        summary=str(module.SUMMARY),
        doc=(module.__doc__ or "").strip(),
    )


def known_rules(modules: Sequence[ModuleType]) -> list[RuleInfo]:
    """Every code a check run may produce, sorted by code (rule modules win)."""
    from capcheck.checks import invalid_json  # owns CAP001, which the engine also emits

    infos = {r.code: r for r in BUILTIN_RULES}
    infos.update({info.code: info for info in map(rule_info, [invalid_json, *modules])})
    return [infos[code] for code in sorted(infos)]


# -- selection ------------------------------------------------------------------------


def _specificity(prefix: str, code: str) -> int:
    """How specifically ``prefix`` names ``code``: -1 not at all, 0 for ALL."""
    if prefix == "ALL":
        return 0
    return len(prefix) if code.startswith(prefix) else -1


@dataclass(frozen=True)
class Selection:
    """Which codes are reported, ruff style: by code or prefix, ``ALL`` for everything.

    The most specific matching entry decides (``--select CAP1 --ignore CAP105``
    keeps CAP1xx but CAP105; ``--ignore CAP1 --select CAP105`` keeps only CAP105 of
    CAP1xx); on a tie, ignore wins. Per-destination ignores (keys are folder names or
    internal names, shell patterns allowed: ``fb_*``) apply on top.
    """

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_destination: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def enabled(self, code: str) -> bool:
        chosen = max((_specificity(p, code) for p in self.select), default=-1)
        dropped = max((_specificity(p, code) for p in self.ignore), default=-1)
        return chosen > dropped

    def enabled_for(self, code: str, destination: str, name: str | None = None) -> bool:
        if not self.enabled(code):
            return False
        for pattern, codes in self.per_destination:
            if fnmatch.fnmatchcase(destination, pattern) or (
                name is not None and fnmatch.fnmatchcase(name, pattern)
            ):
                if any(_specificity(p, code) >= 0 for p in codes):
                    return False
        return True

    def unknown(self, known: Iterable[str]) -> list[str]:
        """Entries (select, ignore, per-destination) that name no known code."""
        codes = list(known)
        entries = [*self.select, *self.ignore, *(c for _, cs in self.per_destination for c in cs)]
        return sorted(
            {e for e in entries if not any(_specificity(e, c) >= 0 for c in codes)}
        )


# -- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class DestinationRef:
    """One checked destination: a JUnit test case, a lock entry."""

    destination: str  # folder name
    name: str  # internal name (MOENGAGE) when known, else the folder name
    file: str  # its db-config.json


@dataclass
class CheckResult:
    findings: list[Finding]
    destinations: list[DestinationRef]
    rules: list[RuleInfo]
    fail_on: Severity = Severity.ERROR
    input_errors: list[LoadError] = field(default_factory=list)

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity.rank >= self.fail_on.rank]

    def rule(self, code: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.code == code), None)

    def counts(self) -> dict[Severity, int]:
        counts = dict.fromkeys(Severity, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


def summary_line(result: CheckResult) -> str:
    """``Found 3 findings (2 errors, 1 warning) in 239 destinations.``"""
    dests = len(result.destinations)
    where = f"{dests} destination{'s' if dests != 1 else ''}"
    total = len(result.findings)
    if not total:
        return f"No findings in {where}."
    parts = [
        f"{n} {sev.value}{'s' if n != 1 else ''}"
        for sev, n in result.counts().items() if n
    ]
    return f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}) in {where}."


# -- the engine ---------------------------------------------------------------------


def _run_rule(rule: ModuleType, ctx: CheckContext, db_file: str) -> list[Finding]:
    try:
        return list(rule.check(ctx))
    except Exception as exc:  # noqa: BLE001 - a crashing rule must not stop the run
        return [
            Finding(
                INTERNAL_ERROR, Severity.ERROR,
                f"rule {rule.CODE} failed on this definition: {type(exc).__name__}: {exc} "
                "(a capcheck bug, please report it)",
                Location(db_file), ctx.raw.dir_name,
            )
        ]


def run_checks(
    loaded: Loaded,
    selection: Selection | None = None,
    rules: Sequence[ModuleType] | None = None,
    extra: Iterable[Finding] = (),
    fail_on: Severity = Severity.ERROR,
    each: Callable[[LoadedDestination], Iterable[Finding]] | None = None,
    finish: Callable[[set[str]], Iterable[Finding]] | None = None,
) -> CheckResult:
    """Check every loaded definition; ``extra`` findings (e.g. lock changes) are
    filtered and sorted with the rest. ``each`` is asked for more findings about every
    destination as it is read (so that nothing needs to keep them all; it may run in a
    worker process, see ``Loaded.map``), ``finish`` once they all have been, with the
    folder names of the destinations read."""
    from capcheck import checks

    selection = selection or Selection()
    modules = list(checks.all_rules() if rules is None else rules)
    active = [m for m in modules if selection.enabled(str(m.CODE))]
    names: dict[str, str] = {}
    destinations: dict[str, DestinationRef] = {}
    raw_findings: list[Finding] = []

    def check_one(item: LoadedDestination) -> tuple[DestinationRef, list[Finding]]:
        raw, facts = item.raw, item.facts
        db_file = str(raw.path / DB_CONFIG)
        ref = DestinationRef(raw.dir_name, facts.name if facts else raw.dir_name, db_file)
        ctx = checks.CheckContext(raw=raw, facts=facts)
        found: list[Finding] = []
        for rule in active:
            found.extend(_run_rule(rule, ctx, db_file))
        if each is not None:
            found.extend(each(item))
        for finding in found:  # positions now: findings are printed with them
            finding.location.settle()
        return ref, found

    # One destination at a time (``Loaded.map`` keeps none of them).
    for ref, found in loaded.map(check_one):
        names[ref.destination] = ref.name
        destinations.setdefault(ref.destination, ref)
        raw_findings.extend(found)

    # Load errors: reported once. A load-owning finding at the same file and line covers it.
    covered = {
        (f.location.file, f.location.line) for f in raw_findings if f.code in LOAD_OWNERS
    }
    input_errors: list[LoadError] = []
    for error in loaded.errors:
        if error.destination is None:
            input_errors.append(error)
            continue
        loc = error.location
        if (loc.file, loc.line) in covered:
            continue
        covered.add((loc.file, loc.line))
        raw_findings.append(
            Finding(LOAD_ERROR, Severity.ERROR, error.message, loc, error.destination)
        )
        if error.destination not in destinations:
            db_file = str(Path(loc.file).parent / DB_CONFIG)
            destinations[error.destination] = DestinationRef(
                error.destination, error.destination, db_file
            )
    raw_findings.extend(extra)
    if finish is not None:
        raw_findings.extend(finish(set(names)))

    findings = sorted(
        {
            f for f in raw_findings
            if selection.enabled_for(f.code, f.destination, names.get(f.destination))
        },
        key=Finding.sort_key,
    )
    return CheckResult(
        findings=findings,
        destinations=sorted(destinations.values(), key=lambda d: (d.destination, d.file)),
        rules=known_rules(modules),
        fail_on=fail_on,
        input_errors=input_errors,
    )
