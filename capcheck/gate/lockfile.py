"""The capability lock: every destination's RETL / JSON Mapper / VDM v1 / VDM v2 status.

Format (JSON, ``schemas/lock.schema.json``): keys sorted, two-space indent, one line
per capability, a final newline, so the file is byte-stable and a capability change
is a one-line diff::

    {
      "destinations": {
        "moengage": {
          "json_mapper": "not applicable",
          "name": "MOENGAGE",
          "retl": "not supported",
          "vdm_v1": "not supported",
          "vdm_v2": "not supported"
        }
      },
      "lockVersion": 1,
      "transformer": false
    }

``transformer`` records whether transformer code was examined (``--transformer``):
VDM v2 depends on it, so a lock is only compared with a run made the same way.

Differences are findings (see ``capcheck.gate.checker``): CAP900 a capability changed,
CAP901 a destination is not in the lock, CAP902 a locked destination was not found.
They point at the db-config.json line of the capability's evidence (a removed
destination: at its entry in the lock file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from capcheck.escape import short_repr, surrogates
from capcheck.facts import CONFIG, MESSAGE_TYPES, SOURCE_TYPES, DestinationFacts
from capcheck.gate.checker import LOCK_ADDED, LOCK_CHANGED, LOCK_REMOVED
from capcheck.load.definitions import DB_CONFIG
from capcheck.load.files import FileProblem, read_text
from capcheck.load.jsondoc import JsonDocument, parse_json_text, pointer
from capcheck.model import CAPABILITIES, Finding, LoadError, Location, Report, Severity, Status
from capcheck.records import dataclass

LOCK_VERSION = 1

# Where to point when a verdict has no evidence in db-config.json.
POINTERS = {
    "retl": SOURCE_TYPES,
    "json_mapper": f"{CONFIG}/disableJsonMapper",
    "vdm_v1": f"{CONFIG}/supportsVisualMapper",
    "vdm_v2": MESSAGE_TYPES,
}
STATUSES = tuple(s.value for s in Status)


class LockError(Exception):
    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{location.short()}: {message}")
        self.location, self.message = location, message


@dataclass(frozen=True)
class LockEntry:
    name: str
    statuses: dict[str, str]  # capability id -> status string


@dataclass
class Lock:
    transformer: bool
    destinations: dict[str, LockEntry]  # folder name -> entry
    doc: JsonDocument | None = None  # the file it was read from, for positions

    def location(self, destination: str) -> Location:
        if self.doc is None:
            return Location("<lock>")
        return self.doc.location(pointer("destinations", destination))


def build_lock(reports: Iterable[Report], transformer: bool) -> Lock:
    """The lock for these reports; raises LockError when two destinations share a
    folder name (e.g. two PATHs each holding a ``moengage/``)."""
    entries: dict[str, LockEntry] = {}
    for report in reports:
        if report.destination in entries:
            raise LockError(
                Location(report.definition_dir),
                f"two destinations are named {short_repr(report.destination)}; lock one folder "
                "of definitions at a time",
            )
        statuses = {
            cap: verdict.status.value
            for cap in CAPABILITIES
            if (verdict := report.verdict(cap)) is not None
        }
        entries[report.destination] = LockEntry(report.name, statuses)
    return Lock(transformer, entries)


def dumps(lock: Lock) -> str:
    doc: dict[str, Any] = {
        "lockVersion": LOCK_VERSION,
        "transformer": lock.transformer,
        "destinations": {
            dest: {"name": entry.name, **entry.statuses}
            for dest, entry in lock.destinations.items()
        },
    }
    # A lone surrogate in a name stays a JSON escape (\ud800): the file is valid UTF-8.
    return surrogates(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


# Outside strings: NaN / Infinity (not JSON; JavaScript's JSON.parse rejects them) and
# integers too long for any lock file (Python refuses past 4,300 digits).
_NOT_JSON = re.compile(r'"(?:[^"\\]|\\.)*"|(?P<bad>-?\b(?:NaN|Infinity)\b|-?\d{20,})')


def _strict(path: Path, text: str) -> None:
    for match in _NOT_JSON.finditer(text):
        if match.group("bad") is None:
            continue
        start = match.start()
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        token = match.group("bad")
        what = (f"{token} is not valid JSON" if not token.lstrip("-")[:1].isdigit()
                else f"a {len(token.lstrip('-'))}-digit number has no place in a lock file")
        raise LockError(Location(str(path), line, column), what)


def read_lock(path: Path) -> Lock:
    """Read and validate a lock file; raises LockError with file:line."""
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise LockError(Location(str(path)), "file not found") from None
    except FileProblem as exc:
        raise LockError(Location(str(path)), str(exc)) from None
    _strict(path, text)
    doc = parse_json_text(path, text)
    if isinstance(doc, LoadError):
        raise LockError(doc.location, doc.message)
    data = doc.data
    for dup in doc.duplicate_keys:
        raise LockError(
            Location(str(path), dup.line, dup.column, dup.pointer),
            f"duplicate key {short_repr(dup.pointer.rsplit('/', 1)[-1])} (first at line "
            f"{dup.first_line}); a lock file names each key once",
        )

    def fail(ptr: str, message: str) -> LockError:
        return LockError(doc.location(ptr), message)

    if not isinstance(data, dict):
        raise fail("", "a lock file must be a JSON object")
    if data.get("lockVersion") != LOCK_VERSION:
        raise fail(
            "/lockVersion",
            f"unsupported lockVersion {short_repr(data.get('lockVersion'))} "
            f"(expected {LOCK_VERSION}); "
            "rewrite it with `capcheck lock`",
        )
    transformer = data.get("transformer")
    if not isinstance(transformer, bool):
        raise fail("/transformer", "`transformer` must be true or false")
    dests = data.get("destinations")
    if not isinstance(dests, dict):
        raise fail("/destinations", "`destinations` must be an object")
    entries: dict[str, LockEntry] = {}
    for dest, entry in dests.items():
        ptr = pointer("destinations", dest)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise fail(ptr, f"entry {short_repr(dest)} must be an object with a `name` string")
        statuses: dict[str, str] = {}
        for key, value in entry.items():
            if key == "name":
                continue
            if key not in CAPABILITIES:
                raise fail(ptr + pointer(key), f"unknown capability {short_repr(key)}")
            if value not in STATUSES:
                raise fail(
                    ptr + pointer(key),
                    f"unknown status {short_repr(value)} "
                    f"(expected one of: {', '.join(STATUSES)})",
                )
            statuses[key] = value
        entries[dest] = LockEntry(entry["name"], statuses)
    return Lock(transformer, entries, doc)


def _label(capability: str) -> str:
    return CAPABILITIES.get(capability, capability)


def _capability_location(
    report: Report, capability: str, facts: DestinationFacts | None
) -> Location:
    db_file = str(Path(report.definition_dir) / DB_CONFIG)
    verdict = report.verdict(capability)
    for evidence in verdict.evidence if verdict else ():
        loc = evidence.location
        if loc is not None and loc.file == db_file and loc.line is not None:
            return loc
    if facts is not None:
        return facts.loc(POINTERS.get(capability, CONFIG))
    return Location(db_file, 1, 1)


def compare(
    lock: Lock,
    reports: Iterable[Report],
    facts: Iterable[DestinationFacts] = (),
    *,
    removals: bool = True,
    present: Iterable[str] = (),
) -> list[Finding]:
    """Differences between the lock and the current verdicts, as findings.

    ``removals``: report locked destinations that were not found (only meaningful
    when whole folders of definitions were checked). ``present``: folder names that
    exist but have no report (they failed to load; CAP001 says why), so they are not
    "removed".
    """
    by_path = {f.path: f for f in facts}
    findings: list[Finding] = []
    seen: set[str] = set(present)
    for report in reports:
        seen.add(report.destination)
        dest_facts = by_path.get(report.definition_dir)
        entry = lock.destinations.get(report.destination)
        current = {
            cap: v.status.value for cap in CAPABILITIES if (v := report.verdict(cap)) is not None
        }
        if entry is None:
            described = ", ".join(f"{_label(c)} {s}" for c, s in current.items())
            loc = (
                dest_facts.loc("/name") if dest_facts
                else Location(str(Path(report.definition_dir) / DB_CONFIG), 1, 1)
            )
            findings.append(Finding(
                LOCK_ADDED, Severity.ERROR,
                f"{report.name}: new destination, not in the lock ({described})",
                loc, report.destination,
            ))
            continue
        for cap in CAPABILITIES:
            old, new = entry.statuses.get(cap), current.get(cap)
            if old == new:
                continue
            findings.append(Finding(
                LOCK_CHANGED, Severity.ERROR,
                f"{report.name}: {_label(cap)} {old or 'absent'} -> {new or 'absent'}",
                _capability_location(report, cap, dest_facts), report.destination,
            ))
    if removals:
        for dest in sorted(set(lock.destinations) - seen):
            findings.append(Finding(
                LOCK_REMOVED, Severity.ERROR,
                f"{lock.destinations[dest].name}: destination removed, "
                "in the lock but not found",
                lock.location(dest), dest,
            ))
    return findings
