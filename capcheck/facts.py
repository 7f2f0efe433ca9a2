"""Facts: plain data about one destination, derived once from its loaded files.

Rules (capabilities and CI checks) read facts only; they never open files. Building
facts also checks the shapes of the fields capcheck relies on. A field of the wrong
shape (a string where a list belongs, an empty list where upstream requires items) is a
FieldProblem at its line and pointer: the facts derived from it become unknown (its
value falls back to empty), and every other field is still read, so that the verdicts
that do not depend on it are still decided.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from capcheck.load.definitions import RawDefinition
from capcheck.load.jsondoc import JsonDocument, pointer
from capcheck.model import Evidence, LoadError, Location
from capcheck.records import dataclass, field

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:  # imported where a transformer is scanned
    from typing import Any

    from capcheck.load.transformer import TransformerCode

CONFIG = "/config"
SOURCE_TYPES = "/config/supportedSourceTypes"
MESSAGE_TYPES = "/config/supportedMessageTypes"
CONNECTION_MODES = "/config/supportedConnectionModes"
DEST_CONFIG = "/config/destConfig"
SECRET_KEYS = "/config/secretKeys"
INCLUDE_KEYS = "/config/includeKeys"
EXCLUDE_KEYS = "/config/excludeKeys"
SYNC_BEHAVIOURS = "/config/syncBehaviours"
# The one field of schema.json the facts depend on (which settings are required); named
# with its file, since its pointer is into schema.json, not db-config.json.
SCHEMA_REQUIRED = "schema.json#/configSchema/required"


@dataclass(frozen=True)
class UiField:
    """A setting that ui-config.json shows: its key, label and where it is defined."""

    key: str
    label: str | None
    location: Location


@dataclass(frozen=True)
class MessageTypeDecl:
    """One list of message types and where it is: scope is "all" for the plain list
    shape, "cloud", or "device/<source>" for the dict shapes."""

    scope: str
    types: tuple[str, ...]
    pointer: str


@dataclass
class TransformerFacts:
    """What the transformer checkout says about a destination's code."""

    given: bool
    code: TransformerCode | None = None  # None when not given or the checkout is unusable
    # The transformer's handler alias that decided which folders were scanned
    # ("SALESFORCE_OAUTH runs src/v0/destinations/salesforce (handler alias in ...)").
    alias: Evidence | None = None
    # Why no alias map was used (not in this tree, or unreadable); "" when it was read.
    alias_note: str = ""

    @property
    def resolved_code(self) -> TransformerCode | None:
        """The scanned code when a transformer was given and a folder resolved."""
        return self.code if self.code is not None and self.code.folders else None


@dataclass
class DestinationFacts:
    """Everything the rules read about one destination, from its definition files."""

    dir_name: str
    path: str
    name: str
    display_name: str
    db: JsonDocument
    schema: JsonDocument | None
    ui: JsonDocument | None
    config: dict[str, Any]
    source_types: tuple[str, ...]
    message_types: tuple[MessageTypeDecl, ...] | None  # None: key absent
    connection_modes: dict[str, tuple[str, ...]]
    dest_config: dict[str, tuple[str, ...]]
    secret_keys: tuple[str, ...]
    include_keys: tuple[str, ...]
    exclude_keys: tuple[str, ...]
    sync_behaviours: tuple[str, ...]
    ui_fields: Mapping[str, UiField]  # built on first use (see _LazyUiFields)
    schema_properties: frozenset[str]
    schema_required: frozenset[str]
    problems: tuple[FieldProblem, ...] = ()
    transformer: TransformerFacts = field(default_factory=lambda: TransformerFacts(False))

    def loc(self, ptr: str) -> Location:
        """Location of a pointer in db-config.json (nearest existing parent if absent),
        its line and column found when first read (most evidence is never printed)."""
        return self.db.deferred_location(ptr)

    def problem(self, ptr: str) -> FieldProblem | None:
        """The field problem that makes the facts at ``ptr`` unknown, if any."""
        return next((p for p in self.problems if p.covers(ptr)), None)

    def declared_message_types(self) -> set[str]:
        return {t for decl in self.message_types or () for t in decl.types}

    def message_type_declarations(self, message_type: str) -> list[MessageTypeDecl]:
        return [d for d in self.message_types or () if message_type in d.types]


class _TypeProblem(Exception):
    def __init__(self, ptr: str, message: str) -> None:
        super().__init__(message)
        self.ptr, self.message = ptr, message


@dataclass(frozen=True)
class FieldProblem:
    """A field of db-config.json with the wrong shape. ``field`` is the field whose
    facts become unknown (e.g. ``/config/supportedSourceTypes``), ``pointer`` the exact
    place of the problem (it may lie inside the field, e.g. ``.../supportedSourceTypes/1``).
    """

    field: str
    pointer: str
    message: str
    location: Location

    def covers(self, ptr: str) -> bool:
        """Does this problem make the facts at ``ptr`` unknown?"""
        return ptr == self.field or ptr.startswith(self.field + "/") or self.field == ""

    def because(self) -> str:
        """``/config/x` has the wrong shape (expected ..., found ...)``, for evidence."""
        shown = self.pointer or "/"
        if self.field == SCHEMA_REQUIRED:
            shown = f"schema.json {shown}"
        return f"`{shown}` has the wrong shape ({self.message})"


_TYPE_NAMES: dict[type | None, str] = {
    dict: "an object", list: "a list", str: "a string", bool: "a boolean",
    int: "a number", float: "a number", type(None): "null",
}


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _name(kind: type | None) -> str:
    return kind.__name__ if kind is not None else "nothing"


def _string_list(value: Any, ptr: str, non_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _TypeProblem(ptr, f"expected a list of strings, found {_type_name(value)}")
    if non_empty and not value:
        raise _TypeProblem(ptr, "must not be empty")
    if set(map(type, value)) <= _STR:  # the usual list, checked in C
        return tuple(value)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise _TypeProblem(f"{ptr}/{i}", f"expected a string, found {_type_name(item)}")
    return tuple(value)


_STR = frozenset({str})


def _dict_of_lists(value: Any, ptr: str, non_empty: bool = False) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise _TypeProblem(ptr, f"expected an object, found {_type_name(value)}")
    made: dict[str, tuple[str, ...]] = {}
    for key, item in value.items():
        try:
            made[key] = _string_list(item, ptr, non_empty)
        except _TypeProblem as wrong:  # named below its member (pointer made only now)
            raise _TypeProblem(ptr + pointer(key) + wrong.ptr[len(ptr):], wrong.message) \
                from None
    return made


def _connection_modes(
    value: Any, source_types: tuple[str, ...] | None
) -> dict[str, tuple[str, ...]]:
    """Both shapes upstream accepts: source type -> modes, or one list of modes that
    every supported source type offers (expanded here; empty when the source types are
    themselves unknown)."""
    if isinstance(value, list):
        modes = _string_list(value, CONNECTION_MODES, non_empty=True)
        return {source: modes for source in source_types or ()}
    if not isinstance(value, dict):
        raise _TypeProblem(
            CONNECTION_MODES, f"expected an object or a list, found {_type_name(value)}"
        )
    return _dict_of_lists(value, CONNECTION_MODES, non_empty=True)


def _message_types(value: Any) -> tuple[MessageTypeDecl, ...]:
    """Normalise the three real shapes of supportedMessageTypes."""
    if isinstance(value, list):
        return (MessageTypeDecl("all", _string_list(value, MESSAGE_TYPES, non_empty=True),
                                MESSAGE_TYPES),)
    if not isinstance(value, dict):
        raise _TypeProblem(
            MESSAGE_TYPES, f"expected a list or an object, found {_type_name(value)}"
        )
    decls: list[MessageTypeDecl] = []
    for mode, inner in value.items():
        ptr = MESSAGE_TYPES + pointer(mode)
        if isinstance(inner, list):
            decls.append(MessageTypeDecl(mode, _string_list(inner, ptr), ptr))
        elif isinstance(inner, dict):
            for source, types in inner.items():
                sub = ptr + pointer(source)
                decls.append(MessageTypeDecl(f"{mode}/{source}", _string_list(types, sub), sub))
        else:
            raise _TypeProblem(ptr, f"expected a list or an object, found {_type_name(inner)}")
    return tuple(decls)


def iter_ui_fields(data: Any, ptr: str = "") -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """Every field object of a ui-config.json, whatever its layout, with the title of
    the nearest enclosing section or group.

    Two layouts are in use: ``uiConfig`` as a list of sections with ``fields``
    (settings named by ``value``), and ``uiConfig`` as an object of templates
    (``baseTemplate``, ``sdkTemplate``, ...) nesting sections and groups (settings named
    by ``configKey``). A field is any object with a ``type`` and a string setting name.
    """
    stack: list[tuple[str, Any, str | None]] = [(ptr, data, None)]
    while stack:
        current_ptr, node, title = stack.pop()
        if isinstance(node, dict):
            key = node.get("configKey", node.get("value"))
            is_field = isinstance(key, str) and isinstance(node.get("type"), str)
            if is_field:
                yield current_ptr, node, title
            elif isinstance(node.get("title"), str):
                title = node["title"]
            for k in reversed(list(node)):
                child = node[k]
                # select options use name/value, they are not settings; scalars hold none
                if k != "options" and isinstance(child, (dict, list)):
                    stack.append((current_ptr + pointer(k), child, title))
        elif isinstance(node, list):
            for i in reversed(range(len(node))):
                if isinstance(node[i], (dict, list)):
                    stack.append((f"{current_ptr}/{i}", node[i], title))


def _ui_fields(ui: JsonDocument | None) -> dict[str, UiField]:
    """Settings defined by ui-config.json. A field without its own label (dynamic forms
    and custom forms often have none) is labelled by its section's title."""
    fields: dict[str, UiField] = {}
    if ui is None:
        return fields
    for ptr, node, title in iter_ui_fields(ui.data):
        key = node.get("configKey", node.get("value"))
        label = node.get("label")
        if not isinstance(label, str) or not label.strip():
            label = title
        if isinstance(key, str) and key not in fields:
            # File and pointer only: a line would cost a positional scan of every
            # ui-config.json, and no output shows it.
            fields[key] = UiField(key, label, Location(str(ui.path), pointer=ptr))
    return fields


class _LazyUiFields(Mapping[str, UiField]):
    """``_ui_fields(ui)``, computed when first read: only some rules and reports need it."""

    def __init__(self, ui: JsonDocument | None) -> None:
        self._ui = ui
        self._fields: dict[str, UiField] | None = None

    def _all(self) -> dict[str, UiField]:
        if self._fields is None:
            self._fields = _ui_fields(self._ui)
            self._ui = None
        return self._fields

    def __getitem__(self, key: str) -> UiField:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _schema_keys(
    schema: JsonDocument | None, problems: list[FieldProblem]
) -> tuple[frozenset[str], frozenset[str]]:
    """The properties and required settings of schema.json; a wrong shape of either
    container or of ``required`` is a problem on SCHEMA_REQUIRED (which settings are
    required is then unknown)."""
    def problem(ptr: str, message: str) -> tuple[frozenset[str], frozenset[str]]:
        assert schema is not None
        problems.append(FieldProblem(SCHEMA_REQUIRED, ptr, message, schema.location(ptr)))
        return frozenset(), frozenset()

    if schema is None:
        return frozenset(), frozenset()
    # Read through kind/keys/get: of a large schema.json only these few values are made.
    top = schema.kind("")
    if top is not dict:
        return problem("", f"expected an object, found {_TYPE_NAMES.get(top, _name(top))}")
    root_ptr = "/configSchema" if schema.kind("/configSchema") is not None else ""
    root = schema.kind(root_ptr)
    if root is not dict:
        return problem(root_ptr, f"expected an object, found {_TYPE_NAMES.get(root, _name(root))}")
    props = schema.keys(f"{root_ptr}/properties") if schema.kind(
        f"{root_ptr}/properties") is dict else []
    required = schema.get(f"{root_ptr}/required", [])
    try:
        names = _string_list(required, f"{root_ptr}/required")
    except _TypeProblem as wrong:
        return problem(wrong.ptr, wrong.message)
    return frozenset(props), frozenset(names)


# The flags capcheck types itself (any other flag a rule pack names is read as found).
BOOLEAN_FLAGS = ("supportsVisualMapper", "disableJsonMapper")


class _Reader:
    """Reads one field at a time: a wrong shape becomes a FieldProblem on that field and
    its fallback value, so that every other field is still read."""

    def __init__(self, db: JsonDocument) -> None:
        self.db = db
        self.problems: list[FieldProblem] = []

    def read(self, field_ptr: str, fn: Any, fallback: Any) -> Any:
        try:
            return fn()
        except _TypeProblem as problem:
            self.problems.append(
                FieldProblem(field_ptr, problem.ptr, problem.message,
                             self.db.location(problem.ptr))
            )
            return fallback


def build_facts(raw: RawDefinition) -> DestinationFacts | LoadError:
    """Facts for one definition, or the LoadError of a db-config.json that cannot be
    read or parsed. A field of the wrong shape does not stop the others: it becomes a
    FieldProblem in ``facts.problems`` and the facts derived from it are unknown."""
    db = raw.db_config
    if db is None:
        return next(e for e in raw.errors)
    reader = _Reader(db)
    data: dict[str, Any] = reader.read(
        "", lambda: _object(db.data, "", "expected a JSON object at the top level"), {}
    )
    config: dict[str, Any] = {}
    name, display = raw.dir_name, raw.dir_name
    if not reader.problems:  # the top level is an object
        config = reader.read(CONFIG, lambda: _object(data.get("config"), CONFIG,
                                                     _config_problem(data)), {})
        name = reader.read("/name", lambda: _non_empty_string(data, "/name"), raw.dir_name)
        display = reader.read(
            "/displayName",
            lambda: _string(data.get("displayName", name), "/displayName"), name,
        )
    config_ok = not any(p.covers(CONFIG) for p in reader.problems)
    for flag in BOOLEAN_FLAGS:
        if flag in config and not isinstance(config[flag], bool):
            reader.problems.append(FieldProblem(
                f"{CONFIG}/{flag}", f"{CONFIG}/{flag}",
                f"expected true or false, found {_type_name(config[flag])}",
                db.location(f"{CONFIG}/{flag}")))

    def optional(key: str, ptr: str, fn: Any, fallback: Any) -> Any:
        if key not in config:
            return fallback
        return reader.read(ptr, lambda: fn(config[key], ptr), fallback)

    # A missing key is not a wrong shape: it reads as empty (CAP003 reports the keys
    # upstream requires, CAP111/CAP112 those capcheck would like to see).
    before = len(reader.problems)
    source_types: tuple[str, ...] = optional(
        "supportedSourceTypes", SOURCE_TYPES,
        lambda v, p: _string_list(v, p, non_empty=True), ())
    sources_known = config_ok and len(reader.problems) == before
    message_types = optional("supportedMessageTypes", MESSAGE_TYPES,
                             lambda v, _p: _message_types(v), None)
    connection_modes = optional(
        "supportedConnectionModes", CONNECTION_MODES,
        lambda v, _p: _connection_modes(v, source_types if sources_known else None), {})
    dest_config: dict[str, tuple[str, ...]] = optional("destConfig", DEST_CONFIG,
                                                        _dict_of_lists, {})
    lists = {
        ptr: optional(key, ptr, _string_list, ())
        for key, ptr in (("secretKeys", SECRET_KEYS), ("includeKeys", INCLUDE_KEYS),
                         ("excludeKeys", EXCLUDE_KEYS), ("syncBehaviours", SYNC_BEHAVIOURS))
    }
    properties, required = _schema_keys(raw.schema, reader.problems)
    return DestinationFacts(
        dir_name=raw.dir_name,
        path=str(raw.path),
        name=name,
        display_name=display,
        db=db,
        schema=raw.schema,
        ui=raw.ui_config,
        config=config,
        source_types=source_types,
        message_types=message_types,
        connection_modes=connection_modes,
        dest_config=dest_config,
        secret_keys=lists[SECRET_KEYS],
        include_keys=lists[INCLUDE_KEYS],
        exclude_keys=lists[EXCLUDE_KEYS],
        sync_behaviours=lists[SYNC_BEHAVIOURS],
        ui_fields=_LazyUiFields(raw.ui_config),
        schema_properties=properties,
        schema_required=required,
        problems=tuple(reader.problems),
    )


def _object(value: Any, ptr: str, message: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _TypeProblem(ptr, message)
    return value


def _config_problem(data: dict[str, Any]) -> str:
    config = data.get("config")
    if "config" not in data:
        return "missing (expected an object)"
    return f"expected an object, found {_type_name(config)}"


def _non_empty_string(data: dict[str, Any], ptr: str) -> str:
    key = ptr.lstrip("/")
    if key not in data:
        raise _TypeProblem(ptr, "missing (expected a non-empty string)")
    value = data[key]
    if not isinstance(value, str) or not value:
        raise _TypeProblem(ptr, f"expected a non-empty string, found {_type_name(value)}"
                           if value != "" else "must not be empty")
    return value


def _string(value: Any, ptr: str) -> str:
    if not isinstance(value, str):
        raise _TypeProblem(ptr, f"expected a string, found {_type_name(value)}")
    return value


def problem_errors(facts: DestinationFacts) -> list[LoadError]:
    """The field problems of one definition as LoadErrors of kind "field" (reported
    beside the reports, CAP001 in check unless CAP003 covers the same line)."""
    return [LoadError(p.location, f"{p.pointer or '/'}: {p.message}", facts.dir_name,
                      kind="field")
            for p in facts.problems]
