"""Shared test fixtures: paths of the bundled fixtures and of the optional real data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
CORE = FIXTURES / "core"
REPO = TESTS.parent


@pytest.fixture
def core_defs() -> Path:
    return CORE / "defs"


@pytest.fixture
def core_transformer() -> Path:
    return CORE / "transformer"


@pytest.fixture
def corpus() -> Path:
    """The real integrations-config destinations (set CAPCHECK_CORPUS); skipped if unset."""
    value = os.environ.get("CAPCHECK_CORPUS")
    if not value:
        pytest.skip("CAPCHECK_CORPUS is not set (the real corpus lives outside the project)")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"CAPCHECK_CORPUS={value} is not a folder")
    return path


@pytest.fixture
def defs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the two clean definitions of fixtures/check; the working directory is
    tmp_path, so output names them defs/alpha/... (the check and lock tests)."""
    root = tmp_path / "defs"
    shutil.copytree(FIXTURES / "check" / "destinations", root)
    monkeypatch.chdir(tmp_path)
    return root


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the repository as working directory (relative paths in output)."""
    monkeypatch.chdir(REPO)
    return REPO
