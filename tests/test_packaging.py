"""A plain (non-editable) install finds the bundled schemas, rule pack and destinations
from any directory. Built as a wheel, installed into a private folder, run elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {proc.stderr.strip().splitlines()[-1:]}")
    [built] = out.glob("capcheck-*.whl")
    return built


def test_wheel_ships_the_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "capcheck/capabilities/pack.yaml",
        "capcheck/data/schemas/rule-pack.schema.json",
        "capcheck/data/schemas/report.schema.json",
        "capcheck/data/destinations/moengage/db-config.json",
        "capcheck/data/destinations/moengage/schema.json",
        "capcheck/data/destinations/moengage/ui-config.json",
        "capcheck/data/destinations/moengage/mapping.yaml",
        "capcheck/data/schemas/db-config.schema.json",
        "capcheck/data/schemas/lock.schema.json",
    ):
        assert required in names, required
    assert not any(n.startswith("tests/") for n in names)


def test_installed_package_audits_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = subprocess.run(
        [sys.executable, "-c", "import capcheck, sys; print(capcheck.__file__)"],
        capture_output=True, text=True, cwd=elsewhere, env=env, check=True,
    )
    assert probe.stdout.startswith(str(site)), "the installed copy must be the one imported"
    proc = subprocess.run(
        [sys.executable, "-m", "capcheck", "audit", "--format", "json"],
        capture_output=True, text=True, cwd=elsewhere, env=env, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["reports"][0]["name"] == "MOENGAGE"
    # bundled files go by a short, stable name, not a site-packages path
    assert doc["reports"][0]["definition"] == "<bundled>/destinations/moengage"
    files = {e["file"] for v in doc["reports"][0]["verdicts"] for e in v["evidence"]
             if "file" in e}
    assert files == {"<bundled>/destinations/moengage/db-config.json"}
