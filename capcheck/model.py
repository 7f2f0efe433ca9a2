"""The data every layer exchanges: locations, evidence, verdicts, findings, errors.

Everything here is plain, immutable data. Loaders produce LoadErrors, rules produce
Verdicts and Findings, renderers consume them; nothing here touches the file system.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: line and column are 1-based; pointer is a JSON pointer."""

    file: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None

    def short(self) -> str:
        """``file:line:col`` (as much as is known)."""
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "line": self.line, "column": self.column, "pointer": self.pointer
        }


@dataclass(frozen=True)
class Evidence:
    """One fact seen at one place, e.g. ``/config/supportedSourceTypes lacks warehouse``."""

    fact: str
    location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, **(self.location.to_dict() if self.location else {})}


# The capabilities of the bundled rule pack that reports, the matrix, the lock file and
# hand-written claims speak about: id -> short name.
CAPABILITIES: dict[str, str] = {
    "retl": "RETL",
    "json_mapper": "JSON Mapper",
    "vdm_v1": "VDM v1",
    "vdm_v2": "VDM v2",
}


class Status(str, Enum):
    SUPPORTED = "supported"
    PARTIAL = "partial"
    NOT_SUPPORTED = "not supported"
    NOT_APPLICABLE = "not applicable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verdict:
    """The decision on one capability for one destination, with its evidence."""

    capability: str  # stable id, e.g. "retl", "vdm_v2"
    title: str  # human name, e.g. "VDM v2"
    status: Status
    message: str  # one line, e.g. "record is declared in config but no handler was found in code"
    evidence: tuple[Evidence, ...] = ()
    variant: str = "default"

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "title": self.title,
            "status": self.status.value,
            "variant": self.variant,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
        }


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    """A CI rule result: a code, a severity, a one-line message, a place."""

    code: str
    severity: Severity
    message: str
    location: Location
    destination: str  # the destination's folder name

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (loc.file, loc.line or 0, loc.column or 0, self.code, self.message)


@dataclass(frozen=True)
class LoadError:
    """Input that could not be used: a file that is missing, unreadable or malformed.

    ``kind`` is "file" when a file cannot be read or parsed at all, "type" when it parsed
    but a field capcheck relies on has the wrong type (a schema problem).
    """

    location: Location
    message: str
    destination: str | None = None
    kind: str = "file"

    def __str__(self) -> str:
        return f"{self.location.short()}: {self.message}"


@dataclass(frozen=True)
class ConnectionSetting:
    """One setting of a warehouse (RETL) connection, as the definition describes it."""

    key: str
    label: str | None
    scope: str  # "defaultConfig" or "warehouse"
    secret: bool
    required: bool
    location: Location | None = None
    label_location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "scope": self.scope,
            "secret": self.secret,
            "required": self.required,
            "location": self.location.to_dict() if self.location else None,
        }


@dataclass(frozen=True)
class ConnectionConfig:
    settings: tuple[ConnectionSetting, ...]
    connection_modes: tuple[str, ...]
    sync_behaviours: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class TransformerInfo:
    """Which transformer folders were examined for a destination, if any."""

    given: bool  # was --transformer given at all
    folders: tuple[str, ...] = ()  # e.g. ("src/v0/destinations/moengage",)
    files_scanned: int = 0
    note: str = ""


@dataclass(frozen=True)
class Report:
    """Everything the audit says about one destination: the renderers' only input."""

    destination: str  # folder name
    name: str  # internal name, e.g. MOENGAGE
    display_name: str
    definition_dir: str
    verdicts: tuple[Verdict, ...]
    source_types: tuple[str, ...]
    message_types: dict[str, tuple[str, ...]]  # scope ("all", "cloud", "device/web") -> types
    connection_modes: dict[str, tuple[str, ...]]
    connection_config: ConnectionConfig | None
    transformer: TransformerInfo
    source_types_location: Location | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def verdict(self, capability: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.capability == capability), None)
