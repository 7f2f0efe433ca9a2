"""Find destination definition folders and read their JSON files.

Accepted inputs: one destination folder (holds ``db-config.json``), a folder of such
folders, or a whole integrations-config checkout (``src/configurations/destinations``
inside it). This is the only module that walks definition trees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from capcheck.load.jsondoc import JsonDocument, load_json
from capcheck.model import LoadError, Location

DB_CONFIG = "db-config.json"
SCHEMA = "schema.json"
UI_CONFIG = "ui-config.json"
DEFINITION_FILES = (DB_CONFIG, SCHEMA, UI_CONFIG)
CHECKOUT_SUBDIR = Path("src/configurations/destinations")


@dataclass
class RawDefinition:
    """The parsed files of one destination folder (any of them may be missing)."""

    dir_name: str
    path: Path
    db_config: JsonDocument | None
    schema: JsonDocument | None
    ui_config: JsonDocument | None
    errors: list[LoadError] = field(default_factory=list)


@dataclass
class Discovery:
    folders: list[Path]
    errors: list[LoadError]


def discover(root: Path) -> Discovery:
    """The destination folders under ``root``, sorted by folder name.

    A sub-folder that holds schema.json or ui-config.json but no db-config.json is
    reported as an error (a definition that lost its main file), not skipped.
    """
    if not root.exists():
        return Discovery([], [LoadError(Location(str(root)), "no such file or directory")])
    if root.is_file():
        if root.name == DB_CONFIG:
            return Discovery([root.parent], [])
        return Discovery(
            [], [LoadError(Location(str(root)), f"expected a folder or a {DB_CONFIG} file")]
        )
    if (root / DB_CONFIG).is_file():
        return Discovery([root], [])
    if (root / CHECKOUT_SUBDIR).is_dir():
        root = root / CHECKOUT_SUBDIR
    folders: list[Path] = []
    errors: list[LoadError] = []
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        return Discovery([], [LoadError(Location(str(root)), f"cannot list folder: {exc}")])
    for child in children:
        if (child / DB_CONFIG).exists():
            folders.append(child)
        elif any((child / name).exists() for name in (SCHEMA, UI_CONFIG)):
            errors.append(
                LoadError(Location(str(child / DB_CONFIG)), f"missing {DB_CONFIG}", child.name)
            )
    if not folders and not errors:
        errors.append(
            LoadError(
                Location(str(root)),
                f"holds no destination definition (no {DB_CONFIG} here or one level down)",
            )
        )
    return Discovery(folders, errors)


def read_definition(folder: Path, display: Path | None = None) -> RawDefinition:
    """Parse the three files of one folder; failures become LoadErrors on the result.

    ``display`` is the name the folder goes by in locations and reports (by default the
    folder path itself); files are always read from ``folder``.
    """
    shown = folder if display is None else display
    docs: dict[str, JsonDocument | None] = {}
    errors: list[LoadError] = []
    for name in DEFINITION_FILES:
        path = folder / name
        if name != DB_CONFIG and not path.exists():
            docs[name] = None
            continue
        loaded = load_json(path, display=shown / name)
        if isinstance(loaded, LoadError):
            errors.append(LoadError(loaded.location, loaded.message, folder.name))
            docs[name] = None
        else:
            docs[name] = loaded
    return RawDefinition(
        dir_name=folder.name,
        path=shown,
        db_config=docs[DB_CONFIG],
        schema=docs[SCHEMA],
        ui_config=docs[UI_CONFIG],
        errors=errors,
    )
