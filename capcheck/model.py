"""The data every layer exchanges: locations, evidence, verdicts, findings, errors.

Everything here is plain, immutable data. Loaders produce LoadErrors, rules produce
Verdicts and Findings, renderers consume them; nothing here touches the file system.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from functools import total_ordering

from capcheck.records import dataclass, field

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any


@total_ordering
class Location:
    """A place in a file: line and column are 1-based; pointer is a JSON pointer.

    Immutable, compared, hashed and ordered as the tuple (file, line, column, pointer).
    ``Location.deferred`` makes one whose line and column are found only when first
    read: most evidence is never printed with its line (a matrix shows none), and
    finding a position costs a walk of the file's text.
    """

    __slots__ = ("file", "pointer", "_line", "_column", "_find")
    __match_args__ = ("file", "line", "column", "pointer")

    file: str
    pointer: str | None
    _line: int | None
    _column: int | None
    _find: Callable[[], tuple[int | None, int | None]] | None

    def __init__(self, file: str, line: int | None = None, column: int | None = None,
                 pointer: str | None = None) -> None:
        init = object.__setattr__
        init(self, "file", file)
        init(self, "_line", line)
        init(self, "_column", column)
        init(self, "pointer", pointer)
        init(self, "_find", None)

    @classmethod
    def deferred(cls, file: str, pointer: str | None,
                 find: Callable[[], tuple[int | None, int | None]]) -> Location:
        """A location whose (line, column) ``find()`` gives when first asked for."""
        loc = cls(file, None, None, pointer)
        object.__setattr__(loc, "_find", find)
        return loc

    def settle(self) -> Location:
        """Find a deferred position now (and drop what finding it needed)."""
        find = self._find
        if find is not None:
            line, column = find()
            init = object.__setattr__
            init(self, "_line", line)
            init(self, "_column", column)
            init(self, "_find", None)
        return self

    @property
    def line(self) -> int | None:
        return self.settle()._line

    @property
    def column(self) -> int | None:
        return self.settle()._column

    def _key(self) -> tuple[str, int | None, int | None, str | None]:
        self.settle()
        return (self.file, self._line, self._column, self.pointer)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of an immutable Location")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of an immutable Location")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        # Equal locations have the same file and pointer: hashing them alone keeps a
        # deferred position unfound (evidence is de-duplicated in sets and dicts).
        return hash((self.file, self.pointer))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() < other._key()  # type: ignore[operator]

    def __repr__(self) -> str:
        return (f"Location(file={self.file!r}, line={self.line!r}, column={self.column!r}, "
                f"pointer={self.pointer!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Location, self._key())

    def __copy__(self) -> Location:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Location:
        return self

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


ConnectionParts = tuple[tuple[ConnectionSetting, ...], tuple[Evidence, ...]]


class ConnectionConfig:
    """The warehouse connection of a RETL destination: its settings (with labels, secret
    and required flags), modes, sync behaviours and the evidence for them.

    ``ConnectionConfig.deferred`` makes one whose settings and evidence are worked out
    when first read (a matrix row needs only the modes and sync behaviours)."""

    __slots__ = ("connection_modes", "sync_behaviours", "_settings", "_evidence", "_make")

    def __init__(self, settings: tuple[ConnectionSetting, ...], connection_modes: tuple[str, ...],
                 sync_behaviours: tuple[str, ...], evidence: tuple[Evidence, ...] = ()) -> None:
        self.connection_modes = connection_modes
        self.sync_behaviours = sync_behaviours
        self._settings = settings
        self._evidence = evidence
        self._make: Callable[[], ConnectionParts] | None = None

    @classmethod
    def deferred(cls, connection_modes: tuple[str, ...], sync_behaviours: tuple[str, ...],
                 make: Callable[[], ConnectionParts]) -> ConnectionConfig:
        """``make()`` gives (settings, evidence) when either is first read."""
        config = cls((), connection_modes, sync_behaviours)
        config._make = make
        return config

    def settle(self) -> ConnectionConfig:
        """Work out deferred settings and evidence now, with every location in them."""
        make = self._make
        if make is not None:
            self._settings, self._evidence = make()
            self._make = None
        for setting in self._settings:
            for loc in (setting.location, setting.label_location):
                if loc is not None:
                    loc.settle()
        for item in self._evidence:
            if item.location is not None:
                item.location.settle()
        return self

    @property
    def settings(self) -> tuple[ConnectionSetting, ...]:
        if self._make is not None:
            self.settle()
        return self._settings

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        if self._make is not None:
            self.settle()
        return self._evidence

    def _key(self) -> tuple[Any, ...]:
        return (self.settings, self.connection_modes, self.sync_behaviours, self.evidence)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConnectionConfig):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.connection_modes, self.sync_behaviours))

    def __reduce__(self) -> tuple[Any, ...]:
        return (ConnectionConfig, (self.settings, self.connection_modes, self.sync_behaviours,
                                   self.evidence))

    def __repr__(self) -> str:
        return (f"ConnectionConfig(settings={self.settings!r}, "
                f"connection_modes={self.connection_modes!r}, "
                f"sync_behaviours={self.sync_behaviours!r}, evidence={self.evidence!r})")


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
