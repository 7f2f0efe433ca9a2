"""How files are named in locations: as found, or below another name.

Generated docs and lock files name files independently of the machine
(``destinations/moengage/db-config.json``, ``src/v0/destinations/x/transform.js``), and
bundled definitions go by ``<bundled>/destinations/...``: a real folder and the name it
goes by (a ``Rebase``) turn a path into its shown name.
"""

from __future__ import annotations

from pathlib import Path

Rebase = tuple[Path, Path]  # (real folder, the name it goes by in locations)


def rebased(real_path: Path, rebase: Rebase, fallback: Path) -> Path:
    """``real_path`` (already resolved) named below the shown name of ``rebase``, or
    ``fallback`` when it does not lie below the real folder."""
    real, shown = rebase
    try:
        return shown / real_path.relative_to(real)
    except ValueError:
        return fallback


def shown_path(path: Path, rebase: Rebase | None) -> Path:
    """The name ``path`` goes by in locations: ``path`` itself, or rebased."""
    if rebase is None:
        return path
    return rebased(path.resolve(), rebase, path)
