"""Find destination definition folders and read their JSON files.

Accepted inputs: one destination folder (holds ``db-config.json``), a folder of such
folders, or a whole integrations-config checkout (``src/configurations/destinations``
inside it). This is the only module that walks definition trees.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from capcheck.escape import cut
from capcheck.load.files import FileProblem, read_bytes
from capcheck.load.jsondoc import JsonDocument, parse_json_bytes
from capcheck.model import LoadError, Location
from capcheck.records import dataclass, field

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
    """The definition folders found under one input path, and what could not be used;
    when they were found by listing a folder, that folder and the names of the links
    among them."""

    folders: list[Path]
    errors: list[LoadError]
    listed_in: Path | None = None
    links: frozenset[str] = frozenset()


def _probe(path: Path | str) -> tuple[bool, bool]:
    """(exists, is a folder) for ``path``; raises OSError other than "not found"
    (e.g. PermissionError in an unreadable folder)."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False, False
    return True, stat.S_ISDIR(info.st_mode)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether a listed entry is a folder (following a link, as ``_probe`` does); raises
    OSError other than "not found"."""
    if not entry.is_symlink():
        return entry.is_dir(follow_symlinks=False)
    return _probe(entry.path)[1]


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower() if exc.strerror else str(exc)


def discover(root: Path) -> Discovery:
    """The destination folders under ``root``, sorted by folder name.

    A sub-folder that holds schema.json or ui-config.json but no db-config.json is
    reported as an error (a definition that lost its main file), not skipped; so is a
    sub-folder that cannot be read (one error line, the others are still found).
    """
    try:
        exists, is_dir = _probe(root)
        if not exists:
            return Discovery([], [LoadError(Location(str(root)), "no such file or directory")])
        if not is_dir:
            if root.name == DB_CONFIG:
                return Discovery([root.parent], [])
            return Discovery(
                [], [LoadError(Location(str(root)), f"expected a folder or a {DB_CONFIG} file")]
            )
        if _probe(root / DB_CONFIG)[0]:
            return Discovery([root], [])
        if _probe(root / CHECKOUT_SUBDIR)[1]:
            root = root / CHECKOUT_SUBDIR
        with os.scandir(root) as listing:  # one listing; no stat for plain sub-folders
            entries = sorted((e for e in listing if not e.name.startswith(".")),
                             key=lambda e: e.name)
    except OSError as exc:
        return Discovery([], [LoadError(Location(str(root)),
                                        f"cannot read folder: {_reason(exc)}")])
    folders: list[Path] = []
    errors: list[LoadError] = []
    links: set[str] = set()
    for entry in entries:
        try:
            if not _is_folder(entry):
                continue
            if _probe(os.path.join(entry.path, DB_CONFIG))[0]:
                folders.append(root / entry.name)
                if entry.is_symlink():
                    links.add(entry.name)
            elif any(_probe(os.path.join(entry.path, name))[0] for name in (SCHEMA, UI_CONFIG)):
                child = root / entry.name
                errors.append(
                    LoadError(Location(str(child / DB_CONFIG)), f"missing {DB_CONFIG}",
                              child.name)
                )
        except OSError as exc:
            child = root / entry.name
            errors.append(LoadError(Location(str(child)),
                                    f"cannot read folder: {_reason(exc)}", child.name))
    if not folders and not errors:
        errors.append(
            LoadError(
                Location(str(root)),
                f"holds no destination definition (no {DB_CONFIG} here or one level down)",
            )
        )
    return Discovery(folders, errors, root, frozenset(links))


def load_definition_file(
    path: Path | str, display: Path | None = None, optional: bool = False,
    lazy: bool = False,
) -> JsonDocument | LoadError | None:
    """Read one definition JSON file through ``capcheck.load.files`` (regular files only,
    size cap) and parse it; every failure is a LoadError naming ``display``. With
    ``optional``, a file that does not exist is None (no error); with ``lazy``, its data
    is made when first read (see ``parse_json_bytes``)."""
    shown = str(display if display is not None else path)
    try:
        raw = read_bytes(path)
    except (FileNotFoundError, NotADirectoryError) as exc:
        if optional:
            return None
        if isinstance(exc, NotADirectoryError):
            return LoadError(Location(shown), f"cannot read: {exc.strerror or exc}")
        return LoadError(Location(shown), "file not found")
    except FileProblem as exc:
        return LoadError(Location(shown), str(exc))
    try:
        return parse_json_bytes(display if isinstance(display, Path) else Path(shown), raw, lazy)
    except ValueError as exc:  # pragma: no cover - jsondoc reports these itself
        # e.g. an integer literal past Python's 4,300-digit conversion limit
        reason = "a number too long to read" if "digits" in str(exc) else cut(str(exc))
        return LoadError(Location(shown), f"invalid JSON: {reason}")


def read_definition(folder: Path, display: Path | None = None) -> RawDefinition:
    """Parse the three files of one folder; failures become LoadErrors on the result
    (schema.json and ui-config.json may be absent; db-config.json may not).

    ``display`` is the name the folder goes by in locations and reports (by default the
    folder path itself); files are always read from ``folder``.
    """
    shown = folder if display is None else display
    # `docs .` / `docs ..`: named after the folder they resolve to, never "" or "..".
    dir_name = folder.name if folder.name not in ("", ".", "..") else folder.resolve().name
    docs: dict[str, JsonDocument | None] = {}
    errors: list[LoadError] = []
    base = os.fspath(folder)
    for name in DEFINITION_FILES:
        # schema.json and ui-config.json hold most of the bytes and are mostly not read
        loaded = load_definition_file(os.path.join(base, name), display=shown / name,
                                      optional=name != DB_CONFIG, lazy=name != DB_CONFIG)
        if isinstance(loaded, LoadError):
            errors.append(LoadError(loaded.location, loaded.message, dir_name))
            docs[name] = None
        else:
            docs[name] = loaded
    return RawDefinition(
        dir_name=dir_name,
        path=shown,
        db_config=docs[DB_CONFIG],
        schema=docs[SCHEMA],
        ui_config=docs[UI_CONFIG],
        errors=errors,
    )
