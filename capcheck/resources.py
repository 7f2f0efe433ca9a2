"""Locate the data shipped with capcheck (schemas, bundled destinations, rule pack).

In a wheel, ``schemas/`` and ``destinations/`` are installed as
``capcheck/data/schemas`` and ``capcheck/data/destinations`` (see ``package-dir`` in
pyproject.toml), so a plain ``pip install .`` run from any directory finds them. In a
source checkout or an editable install they are read from the top of the repository.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

_PACKAGE = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE.parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "data" / name
    if installed.is_dir():
        return installed
    return _REPO_ROOT / name


def schemas_dir() -> Path:
    return _data_dir("schemas")


def schema_path(name: str) -> Path:
    """Path of a bundled JSON Schema, e.g. ``schema_path("report")``."""
    return schemas_dir() / f"{name}.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema, parsed once per process (callers must not mutate it)."""
    data: dict[str, Any] = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return data


def destinations_dir() -> Path:
    """The bundled default definitions (``destinations/`` in the repository)."""
    return _data_dir("destinations")


BUNDLED_NAME = Path("<bundled>")
"""What the bundled definitions go by in evidence: ``<bundled>/destinations/...``, the
same after any install, instead of a long site-packages path."""


def bundled_rebase() -> tuple[Path, Path] | None:
    """(real folder, shown name) for naming the bundled definitions, or None for a
    source checkout run from inside it (its ``destinations/`` are project files, named
    by their path relative to the working directory)."""
    real = destinations_dir().resolve()
    if real == (_REPO_ROOT / "destinations").resolve():
        try:
            real.relative_to(Path.cwd().resolve())
            return None
        except ValueError:
            pass
    return real.parent, BUNDLED_NAME


def rule_pack_path() -> Path:
    return _PACKAGE / "capabilities" / "pack.yaml"
