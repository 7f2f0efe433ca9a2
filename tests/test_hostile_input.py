"""Hostile and broken input files get one clear line and exit 2, never a hang, a
traceback or gigabytes of memory (issue 10, items 4, 5, 8, 9 and 13 for lock files,
14, and the lock-file corruption cases: duplicate keys, huge integers).

Cases that would hang or exhaust memory on a capcheck without the limits run in a
subprocess with a timeout and an address-space limit, so that a regression fails the
test instead of taking the machine down."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from capcheck.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLEAN = FIXTURES / "check" / "destinations"


def make_defs(root: Path) -> Path:
    shutil.copytree(CLEAN, root)
    return root


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """capcheck in a child with 1 GiB of address space and 60 s."""
    return subprocess.run(
        [sys.executable, "-m", "capcheck", *argv], cwd=cwd, capture_output=True, text=True,
        timeout=60, preexec_fn=_limit_memory, env={**os.environ, **env},
    )


def one_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


# --- 4. YAML alias bombs, deep nesting, recursive aliases, python tags ----------------

def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


YAML_CASES = {
    "bomb": (_bomb(7), "alias"),  # 9**7 = 4.8 million values from 460 bytes
    "deep-flow": ("a: " + "[" * 600 + "]" * 600 + "\n", "nested more than"),
    "deep-block": ("".join("  " * i + "k:\n" for i in range(600)) + "  " * 600 + "x\n",
                   "nested more than"),
    "recursive": ("a: &x\n  b: *x\n", "recursive alias"),
    "python-tag": ("capabilities: !!python/object/apply:os.system ['true']\n",
                   "!!python/object/apply:os.system' is not allowed"),
    "custom-tag": ("capabilities: !secret x\n", "'!secret' is not allowed"),
}


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_hostile_rule_files_get_one_line(case: str, tmp_path: Path) -> None:
    text, expected = YAML_CASES[case]
    (tmp_path / "rules.yaml").write_text(text)
    line = one_error(run(["audit", "--rules", "rules.yaml"], tmp_path))
    assert line.startswith("capcheck: error: rules.yaml:") and expected in line, line


@pytest.mark.parametrize("case", ["bomb", "deep-block", "recursive", "python-tag"])
def test_hostile_discovered_config_gets_one_line(case: str, tmp_path: Path) -> None:
    text, expected = YAML_CASES[case]
    make_defs(tmp_path / "defs")
    (tmp_path / ".capcheck.yaml").write_text(text.replace("capabilities:", "select:"))
    line = one_error(run(["check", "defs"], tmp_path))
    assert line.startswith("capcheck: error: .capcheck.yaml:") and expected in line, line


def test_aliases_that_expand_modestly_still_work(tmp_path: Path) -> None:
    from capcheck.load.yamldoc import parse_yaml_text

    doc = parse_yaml_text(tmp_path / "c.yaml", "base: &b [CAP1, CAP2]\nselect: *b\n")
    assert not hasattr(doc, "message") and doc.data == {  # type: ignore[union-attr]
        "base": ["CAP1", "CAP2"], "select": ["CAP1", "CAP2"]}


# --- 5. special and huge files --------------------------------------------------------

@pytest.fixture
def defs(tmp_path: Path) -> Path:
    return make_defs(tmp_path / "defs")


def test_definition_symlinked_to_dev_zero(defs: Path) -> None:
    db = defs / "alpha" / "db-config.json"
    db.unlink()
    db.symlink_to("/dev/zero")
    proc = run(["audit", "defs"], defs.parent)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "defs/alpha/db-config.json: is a device, not a regular file" in proc.stderr
    assert "# Beta RETL" in proc.stdout  # the other destination is still reported


def test_definition_that_is_a_fifo(defs: Path) -> None:
    db = defs / "alpha" / "schema.json"
    db.unlink()
    os.mkfifo(db)
    proc = run(["check", "defs", "--no-config"], defs.parent)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "defs/alpha/schema.json:" in proc.stdout and "is a FIFO" in proc.stdout


def test_definition_that_is_a_directory(defs: Path) -> None:
    (defs / "alpha" / "ui-config.json").unlink()
    (defs / "alpha" / "ui-config.json").mkdir()
    proc = run(["audit", "defs"], defs.parent)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "defs/alpha/ui-config.json: is a directory" in proc.stderr


def test_lock_and_config_pointing_at_dev_zero(defs: Path) -> None:
    line = one_error(run(["check", "defs", "--no-config", "--lock", "/dev/zero"], defs.parent))
    assert "/dev/zero: is a device" in line
    (defs.parent / "pyproject.toml").write_text('[tool.capcheck]\nlock = "/dev/zero"\n')
    line = one_error(run(["check", "defs"], defs.parent))
    assert "/dev/zero: is a device" in line
    (defs.parent / "pyproject.toml").unlink()
    (defs.parent / ".capcheck.yaml").symlink_to("/dev/zero")
    line = one_error(run(["check", "defs"], defs.parent))
    assert ".capcheck.yaml: is a device" in line


def test_files_past_the_size_cap(defs: Path) -> None:
    db = defs / "alpha" / "db-config.json"
    db.write_text(db.read_text() + " " * 4096)
    proc = run(["audit", "defs"], defs.parent, CAPCHECK_MAX_FILE_SIZE="4K")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert ("defs/alpha/db-config.json: too large (" in proc.stderr
            and "the limit is 4 KiB, set CAPCHECK_MAX_FILE_SIZE" in proc.stderr)
    assert run(["audit", "defs"], defs.parent, CAPCHECK_MAX_FILE_SIZE="64K").returncode == 0
    from capcheck.load.files import DEFAULT_MAX_FILE_SIZE

    assert DEFAULT_MAX_FILE_SIZE == 16 * 1024 * 1024  # documented in README.md


# --- 8. an empty selection ------------------------------------------------------------

@pytest.fixture
def broken_defs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_defs(tmp_path / "defs")
    db = root / "alpha" / "db-config.json"
    data = json.loads(db.read_text())
    data["config"]["supportsVisualMapper"] = "yes"  # a schema error (CAP003)
    db.write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "defs", "--no-config"]) == 1
    return root


@pytest.mark.parametrize("value", ["", " , ", ",", "  "])
def test_empty_select_on_the_command_line_is_a_usage_error(
    value: str, broken_defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["check", "defs", "--no-config", "--select", value]) == 2
    captured = capsys.readouterr()
    assert "names no rule" in captured.err and "No findings" not in captured.out + captured.err


@pytest.mark.parametrize("text", ["select: []\n", "select: ''\n", "select: ' , '\n"])
def test_empty_select_in_config_is_a_usage_error(
    text: str, broken_defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".capcheck.yaml").write_text(text)
    assert main(["check", "defs"]) == 2
    assert ".capcheck.yaml:1:1: `select` is empty" in capsys.readouterr().err
    Path(".capcheck.yaml").unlink()
    Path("pyproject.toml").write_text("[tool.capcheck]\nselect = []\n")
    assert main(["check", "defs"]) == 2
    assert "pyproject.toml:2:1: `select` is empty" in capsys.readouterr().err


# --- 9, 13 and corruption: lock files ---------------------------------------------------

@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_defs(tmp_path / "defs")
    monkeypatch.chdir(tmp_path)
    assert main(["lock", "defs", "--no-config", "-o", "capcheck.lock.json"]) == 0
    return tmp_path / "capcheck.lock.json"


def _edit_lock(lock: Path, old: str, new: str) -> None:
    text = lock.read_text()
    assert old in text
    lock.write_text(text.replace(old, new, 1))


LOCK_CASES: dict[str, tuple[str, str, str]] = {
    "nan": ('"lockVersion": 1,', '"lockVersion": 1, "note": NaN,', "NaN is not valid JSON"),
    "infinity": ('"lockVersion": 1,', '"lockVersion": 1, "note": -Infinity,',
                 "-Infinity is not valid JSON"),
    "huge-int": ('"lockVersion": 1,', '"lockVersion": 1, "note": ' + "9" * 5000 + ",",
                 "5000-digit number"),
    "duplicate-key": ('"name": "ALPHA",', '"name": "ALPHA",\n      "retl": "supported",',
                      "duplicate key 'retl'"),
}


@pytest.mark.parametrize("case", sorted(LOCK_CASES))
def test_corrupt_lock_files_are_errors(
    case: str, locked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, expected = LOCK_CASES[case]
    _edit_lock(locked, old, new)
    capsys.readouterr()
    assert main(["check", "defs", "--no-config", "--lock", str(locked)]) == 2
    err = capsys.readouterr().err
    assert f"lock file {locked}:" in err and expected in err, err
    assert "set_int_max_str_digits" not in err and len(err) < 400


# --- 14. an unreadable folder ---------------------------------------------------------

def _deny(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """Make ``locked`` behave like a mode-000 folder for a non-root user (tests run as
    root here, where chmod does not deny anything)."""
    real_stat, real_os_stat, real_listdir = pathlib.Path.stat, os.stat, os.listdir
    inside = str(locked) + os.sep

    def stat(self: Path, *args: Any, **kwargs: Any) -> Any:
        if str(self.absolute()).startswith(inside):
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    def os_stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, (str, os.PathLike)) and \
                str(Path(path).absolute()).startswith(inside):
            raise PermissionError(13, "Permission denied", str(path))
        return real_os_stat(path, *args, **kwargs)

    def listdir(path: Any = ".") -> list[str]:
        if str(Path(path).absolute()) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_listdir(path)

    monkeypatch.setattr(pathlib.Path, "stat", stat)
    monkeypatch.setattr(os, "stat", os_stat)
    monkeypatch.setattr(os, "listdir", listdir)


def test_one_unreadable_folder_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_defs(tmp_path / "defs")
    (root / "gamma").mkdir()
    monkeypatch.chdir(tmp_path)
    _deny(monkeypatch, (root / "gamma").absolute())
    assert main(["check", "defs", "--no-config"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    # one CAP001 line for the folder; alpha and beta were still checked
    assert captured.out == "defs/gamma: CAP001 error: cannot read folder: permission denied\n"
    assert "Found 1 finding (1 error) in 3 destinations." in captured.err
    assert main(["audit", "defs"]) == 2
    assert "# Alpha RETL" in capsys.readouterr().out


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads mode-000 folders")
def test_mode_000_folder_for_real(tmp_path: Path) -> None:  # pragma: no cover
    root = make_defs(tmp_path / "defs")
    (root / "gamma").mkdir()
    (root / "gamma").chmod(0)
    try:
        proc = run(["check", "defs", "--no-config"], tmp_path)
    finally:
        (root / "gamma").chmod(0o755)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "defs/gamma: CAP001 error: cannot read folder: permission denied" in proc.stdout
