"""Facts: plain data about one destination, derived once from its loaded files.

Rules (capabilities and CI checks) read facts only; they never open files. Building
facts also checks the types of the fields capcheck relies on, so that a string where
a list belongs is a clear LoadError at its line, not a crash in a rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from capcheck.load.definitions import RawDefinition
from capcheck.load.jsondoc import JsonDocument, pointer
from capcheck.load.transformer import TransformerCode
from capcheck.model import LoadError, Location

CONFIG = "/config"
SOURCE_TYPES = "/config/supportedSourceTypes"
MESSAGE_TYPES = "/config/supportedMessageTypes"
CONNECTION_MODES = "/config/supportedConnectionModes"
DEST_CONFIG = "/config/destConfig"
SECRET_KEYS = "/config/secretKeys"
INCLUDE_KEYS = "/config/includeKeys"
EXCLUDE_KEYS = "/config/excludeKeys"
SYNC_BEHAVIOURS = "/config/syncBehaviours"


@dataclass(frozen=True)
class UiField:
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
    given: bool
    code: TransformerCode | None = None  # None when not given or the checkout is unusable

    @property
    def resolved_code(self) -> TransformerCode | None:
        """The scanned code when a transformer was given and a folder resolved."""
        return self.code if self.code is not None and self.code.folders else None


@dataclass
class DestinationFacts:
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
    transformer: TransformerFacts = field(default_factory=lambda: TransformerFacts(False))

    def loc(self, ptr: str) -> Location:
        """Location of a pointer in db-config.json (nearest existing parent if absent)."""
        return self.db.location(ptr)

    def declared_message_types(self) -> set[str]:
        return {t for decl in self.message_types or () for t in decl.types}

    def message_type_declarations(self, message_type: str) -> list[MessageTypeDecl]:
        return [d for d in self.message_types or () if message_type in d.types]


class _TypeProblem(Exception):
    def __init__(self, ptr: str, message: str) -> None:
        super().__init__(message)
        self.ptr, self.message = ptr, message


def _type_name(value: Any) -> str:
    return {
        dict: "an object", list: "a list", str: "a string", bool: "a boolean",
        int: "a number", float: "a number", type(None): "null",
    }.get(type(value), type(value).__name__)


def _string_list(value: Any, ptr: str, absent_ok: bool = True) -> tuple[str, ...]:
    if value is None and absent_ok:
        return ()
    if not isinstance(value, list):
        raise _TypeProblem(ptr, f"expected a list of strings, found {_type_name(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise _TypeProblem(f"{ptr}/{i}", f"expected a string, found {_type_name(item)}")
    return tuple(value)


def _dict_of_lists(value: Any, ptr: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _TypeProblem(ptr, f"expected an object, found {_type_name(value)}")
    return {k: _string_list(v, ptr + pointer(k), absent_ok=False) for k, v in value.items()}


def _message_types(value: Any) -> tuple[MessageTypeDecl, ...] | None:
    """Normalise the three real shapes of supportedMessageTypes."""
    if value is None:
        return None
    if isinstance(value, list):
        return (MessageTypeDecl("all", _string_list(value, MESSAGE_TYPES), MESSAGE_TYPES),)
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


def _schema_keys(schema: JsonDocument | None) -> tuple[frozenset[str], frozenset[str]]:
    if schema is None or not isinstance(schema.data, dict):
        return frozenset(), frozenset()
    root = schema.data.get("configSchema", schema.data)
    if not isinstance(root, dict):
        return frozenset(), frozenset()
    props = root.get("properties")
    required = root.get("required")
    return (
        frozenset(props) if isinstance(props, dict) else frozenset(),
        frozenset(r for r in required if isinstance(r, str))
        if isinstance(required, list)
        else frozenset(),
    )


def build_facts(raw: RawDefinition) -> DestinationFacts | LoadError:
    """Facts for one definition, or the first LoadError that makes it unusable."""
    db = raw.db_config
    if db is None:
        return next(e for e in raw.errors)
    data = db.data
    if not isinstance(data, dict):
        return LoadError(db.location(""), "expected a JSON object at the top level", raw.dir_name,
                         kind="type")
    try:
        config = data.get("config")
        if not isinstance(config, dict):
            what = "missing" if config is None else f"{_type_name(config)}, expected an object"
            raise _TypeProblem(CONFIG, f"`config` is {what}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise _TypeProblem("/name", "`name` must be a non-empty string")
        display = data.get("displayName", name)
        if not isinstance(display, str):
            raise _TypeProblem("/displayName", "`displayName` must be a string")
        for flag in ("supportsVisualMapper", "disableJsonMapper"):
            if flag in config and not isinstance(config[flag], bool):
                raise _TypeProblem(
                    f"{CONFIG}/{flag}",
                    f"`{flag}` must be true or false, found {_type_name(config[flag])}",
                )
        properties, required = _schema_keys(raw.schema)
        return DestinationFacts(
            dir_name=raw.dir_name,
            path=str(raw.path),
            name=name,
            display_name=display,
            db=db,
            schema=raw.schema,
            ui=raw.ui_config,
            config=config,
            source_types=_string_list(config.get("supportedSourceTypes"), SOURCE_TYPES),
            message_types=_message_types(config.get("supportedMessageTypes")),
            connection_modes=_dict_of_lists(config.get("supportedConnectionModes"),
                                            CONNECTION_MODES),
            dest_config=_dict_of_lists(config.get("destConfig"), DEST_CONFIG),
            secret_keys=_string_list(config.get("secretKeys"), SECRET_KEYS),
            include_keys=_string_list(config.get("includeKeys"), INCLUDE_KEYS),
            exclude_keys=_string_list(config.get("excludeKeys"), EXCLUDE_KEYS),
            sync_behaviours=_string_list(config.get("syncBehaviours"), SYNC_BEHAVIOURS),
            ui_fields=_LazyUiFields(raw.ui_config),
            schema_properties=properties,
            schema_required=required,
        )
    except _TypeProblem as problem:
        return LoadError(db.location(problem.ptr), problem.message, raw.dir_name, kind="type")
