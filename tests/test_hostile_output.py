"""Hostile input must never write where it should not, never lose a file, and never
reach generated docs, matrices or logs unescaped (issue 10, items 1-3, 6, 7, 12, 15, 17).

Each test builds its own definitions in tmp_path (from the clean fixtures of
fixtures/check) and goes through the command line, as CI would."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from capcheck.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLEAN = FIXTURES / "check" / "destinations"
ESC = "\x1b"


def make_dest(root: Path, folder: str = "alpha", **changes: Any) -> Path:
    """A copy of the clean `alpha` definition as ``root/folder``; top-level keys of
    ``changes`` replace those of db-config.json, ``config`` keys are merged."""
    target = root / folder
    shutil.copytree(CLEAN / "alpha", target)
    path = target / "db-config.json"
    data = json.loads(path.read_text())
    config = changes.pop("config", {})
    data.update(changes)
    data["config"].update(config)
    # ensure_ascii: lone surrogates travel as \ud800 escapes, as a stranger would write them
    path.write_text(json.dumps(data, indent=2) + "\n")
    return target


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(root.rglob("*")) if p.is_file()}


# --- 1. writes outside --out ----------------------------------------------------------

def test_docs_of_dot_and_dotdot_are_named_after_the_resolved_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = make_dest(tmp_path / "d")
    (dest / "sub").mkdir()
    monkeypatch.chdir(dest / "sub")
    # `docs ..` from inside the destination: the report goes to out/alpha/retl.md
    assert main(["docs", "..", "--out", "out"]) == 0
    assert sorted(tree(dest / "sub")) == ["out/alpha/retl.md", "out/index.md"]
    assert not (dest / "sub" / "retl.md").exists() and not (dest / "retl.md").exists()
    # `docs .`: the folder name of "." is "", which must never make an absolute target
    from capcheck.publish.docs import generate
    from capcheck.report.audit import run_audit

    monkeypatch.chdir(dest)
    files = generate(run_audit([Path(".")], portable=True).reports).files
    assert sorted(files) == ["alpha/retl.md", "index.md"]


def test_docs_refuses_targets_that_resolve_outside_out(tmp_path: Path) -> None:
    from capcheck.publish.docs import write

    out = tmp_path / "out"
    (tmp_path / "elsewhere").mkdir()
    out.mkdir()
    (out / "alpha").symlink_to(tmp_path / "elsewhere")  # a symlinked sub-folder
    done = write({"../escaped.md": "x", "alpha/retl.md": "y", "/abs.md": "z"}, out)
    assert sorted(done.refused) == ["../escaped.md", "/abs.md", "alpha/retl.md"]
    assert not (tmp_path / "escaped.md").exists()
    assert list((tmp_path / "elsewhere").iterdir()) == []


# --- 2. Markdown / HTML / CSV injection -----------------------------------------------

HOSTILE_NAME = "<script>alert(1)</script> &lt;b&gt;"
HOSTILE_KEY = "a|b`<img src=x onerror=alert(1)>`"


@pytest.fixture
def hostile_defs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "defs"
    make_dest(root, "we`ird", displayName=HOSTILE_NAME, name="X`<img src=x onerror=1>",
              config={"destConfig": {"defaultConfig": ["apiKey", HOSTILE_KEY]}})
    make_dest(root, "formula", displayName="=HYPERLINK(\"http://x\",\"y\")", name="@SUM(1)")
    monkeypatch.chdir(tmp_path)
    return root


def _no_raw_html(text: str) -> None:
    """No tag outside code spans (a code span shows `<img ...>` as text; CommonMark:
    a span ends at the first backtick run as long as the one that opened it)."""
    outside = re.sub(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", "", text)
    assert "<script" not in outside and "<img" not in outside, outside


def test_generated_docs_escape_every_value(hostile_defs: Path) -> None:
    assert main(["docs", str(hostile_defs), "--out", "out"]) == 0
    files = tree(Path("out"))
    for text in files.values():
        _no_raw_html(text)
    report = files["we`ird/retl.md"]
    assert report.splitlines()[2].startswith(
        "# &lt;script>alert(1)&lt;/script> &amp;lt;b&amp;gt; RETL")
    assert "definition ``defs/we`ird``." in report  # a fence longer than the backtick run
    # ends with a backtick: fence of two, padded with spaces
    setting = next(line for line in report.splitlines() if line.startswith("| `` a\\|b`"))
    # the pipe is escaped: the row still has the table's five cells
    assert len(re.split(r"(?<!\\)\|", setting.strip("|"))) == 5
    index = files["index.md"]
    assert "[&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;b&amp;gt;](we%60ird/retl.md)" in index
    assert "| ``we`ird`` |" in index


def test_matrix_markdown_and_csv_escape_values(
    hostile_defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["matrix", str(hostile_defs)]) == 0
    _no_raw_html(capsys.readouterr().out)
    assert main(["matrix", str(hostile_defs), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    formula = next(r for r in rows if r[2] == "formula")
    assert formula[0] == "'=HYPERLINK(\"http://x\",\"y\")" and formula[1] == "'@SUM(1)"
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def test_html_matrix_keeps_escaping_values(hostile_defs: Path) -> None:
    from capcheck.render.matrix_html import render
    from capcheck.report.audit import run_audit
    from capcheck.report.matrix import build

    page = render(build(run_audit([hostile_defs]).reports))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    data_block = '<script type="application/json" id="matrix-data">'
    assert page.count("<script") == 2  # the page's own data block and script only
    _no_raw_html(page.replace(data_block, "", 1).replace("<script>", "", 1))
    assert "X`&lt;img src=x onerror=1&gt;" in page


# --- 3. CI log injection --------------------------------------------------------------

FORGED = "\n::error file=x.py,line=1::forged annotation" + ESC + "[2J"


@pytest.fixture
def log_defs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    keys = ["apiKey", "region"] + [f"k{i}{FORGED}" for i in range(12)]
    root = tmp_path / "defs"
    make_dest(root, config={"destConfig": {"defaultConfig": keys}})
    monkeypatch.chdir(tmp_path)
    return root


@pytest.mark.parametrize("output_format", ["text", "github"])
def test_check_output_escapes_control_characters(
    log_defs: Path, output_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(log_defs), "--no-config", "--fail-on", "warning",
                 "--output-format", output_format]) == 1
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert ESC not in text
        forged = [line for line in text.splitlines() if line.startswith("::error file=x.py")]
        assert forged == []
    lines = captured.out.splitlines()
    # one CAP108 per key (setting keys may be any string, as upstream's schema says)
    assert len([line for line in lines if "forged annotation" in line]) == 12
    if output_format == "github":  # findings past the first ten annotations too
        plain = [line for line in lines if not line.startswith("::")]
        assert plain and all("\\n::error" in line for line in plain)


def test_load_errors_on_stderr_are_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "defs" / f"evil{FORGED}"
    folder.mkdir(parents=True)
    (folder / "db-config.json").write_text("{ broken")
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "defs"]) == 2
    err = capsys.readouterr().err
    assert ESC not in err and "\n::error" not in err and "\\n::error" in err


# --- 6. docs --out never removes or overwrites hand-written files --------------------

def test_docs_leaves_hand_written_files_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "defs"
    make_dest(root)
    out = tmp_path / "out"
    for rel in ("alpha/retl.md", "retired/retl.md", "index.md"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(f"hand-written {rel}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["docs", "defs", "--out", "out"]) == 0
    for rel in ("alpha/retl.md", "retired/retl.md", "index.md"):
        assert (out / rel).read_text() == f"hand-written {rel}\n"
    err = capsys.readouterr().err
    assert "out/alpha/retl.md: not generated by capcheck, left alone" in err
    assert "out/index.md: not generated by capcheck, left alone" in err
    # once they are moved away, capcheck writes its files and owns them from then on
    (out / "alpha" / "retl.md").unlink()
    (out / "index.md").unlink()
    assert main(["docs", "defs", "--out", "out"]) == 0
    assert (out / "alpha" / "retl.md").read_text().startswith("<!-- Generated by")
    assert (out / "retired" / "retl.md").exists()  # still not ours


# --- 7. atomic writes -----------------------------------------------------------------

class Crash(BaseException):
    """Not an Exception: nothing in capcheck catches it, like a kill."""


@pytest.mark.parametrize("command", ["lock", "matrix", "docs", "check"])
def test_a_crash_while_writing_keeps_the_previous_file(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "defs"
    make_dest(root)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / {"lock": "capcheck.lock.json", "matrix": "m.md",
                         "docs": "out/index.md", "check": "report.json"}[command]
    argv = {"lock": ["lock", str(root), "--no-config", "-o", str(target)],
            "matrix": ["matrix", str(root), "-o", str(target)],
            "docs": ["docs", str(root), "--out", str(target.parent)],
            "check": ["check", str(root), "--no-config", "--output-format", "json",
                      "--output-file", str(target)]}[command]
    assert main(argv) == 0
    before = target.read_bytes()
    # the definition changes, and the process dies in the middle of writing
    data = json.loads((root / "alpha" / "db-config.json").read_text())
    data["displayName"] = "Alpha renamed"
    data["config"]["supportedSourceTypes"] = ["cloud"]
    (root / "alpha" / "db-config.json").write_text(json.dumps(data))

    def crash(self: Any, data: bytes) -> int:
        raise Crash  # stands for SIGKILL mid-write

    real_open = io.open

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        stream = real_open(file, mode, *args, **kwargs)
        if "w" in mode and Path(str(file)).name == target.name:
            stream.write = crash.__get__(stream)  # type: ignore[method-assign]
        return stream

    original_fdopen = os.fdopen

    def fake_fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        stream = original_fdopen(fd, mode, *args, **kwargs)
        stream.write = crash.__get__(stream)  # type: ignore[method-assign]
        return stream

    monkeypatch.setattr("builtins.open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(os, "fdopen", fake_fdopen)
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: fake_open(self, *a, **k))
    with pytest.raises(Crash):
        main(argv)
    monkeypatch.setattr("builtins.open", real_open)
    monkeypatch.setattr(io, "open", real_open)
    monkeypatch.setattr(os, "fdopen", original_fdopen)
    monkeypatch.undo()
    assert target.read_bytes() == before
    leftovers = [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# --- 12. lone surrogates --------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["audit", "defs"], ["audit", "defs", "--format", "json"],
    ["audit", "defs", "--format", "table"],
    ["check", "defs", "--no-config"], ["check", "defs", "--no-config", "--output-format", "json"],
    ["check", "defs", "--no-config", "--output-format", "github"],
    ["check", "defs", "--no-config", "--output-format", "sarif"],
    ["check", "defs", "--no-config", "--output-format", "junit"],
    ["lock", "defs", "--no-config", "-o", "-"], ["lock", "defs", "--no-config", "-o", "l.json"],
    ["matrix", "defs"], ["matrix", "defs", "--format", "html"],
    ["matrix", "defs", "--format", "csv", "-o", "m.csv"], ["docs", "defs", "--out", "out"],
])
def test_lone_surrogates_never_crash(argv: list[str], tmp_path: Path) -> None:
    root = tmp_path / "defs"
    make_dest(root, displayName="Alpha \ud800", name="ALPHA\udfff",
              config={"destConfig": {"defaultConfig": ["apiKey", "region", "k\ud83d"]}})
    proc = subprocess.run([sys.executable, "-m", "capcheck", *argv], cwd=tmp_path,
                          capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")
    written = proc.stdout + b"".join(
        p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
        and p.suffix in (".json", ".csv", ".md") and "defs" not in p.parts)
    assert b"\\ud" in written  # shown escaped, e.g. ALPHA\udfff
    if argv[0] == "lock" and argv[-1] == "l.json":  # the lock reads back unchanged
        check = subprocess.run([sys.executable, "-m", "capcheck", "lock", "defs", "--no-config",
                                "-o", "l.json", "--check"], cwd=tmp_path, capture_output=True)
        assert check.returncode == 0, check.stderr


# --- 15. a full disk ------------------------------------------------------------------

@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [
    ["check", "defs", "--no-config"], ["audit", "defs"], ["matrix", "defs"],
    ["lock", "defs", "--no-config", "-o", "-"], ["rule"],
])
def test_stdout_on_a_full_disk_is_one_line_and_exit_2(argv: list[str], tmp_path: Path) -> None:
    make_dest(tmp_path / "defs", config={"destConfig": {"defaultConfig": ["apiKey", "zz"]}})
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "capcheck", *argv], cwd=tmp_path,
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert errors == ["capcheck: error: cannot write to standard output: "
                      "No space left on device"]


# --- 17. readable error messages ------------------------------------------------------

def test_error_messages_cut_long_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    huge = "x" * 1_000_000
    Path(".capcheck.yaml").write_text(f"fail-on: {huge}\n")
    assert main(["check", str(CLEAN)]) == 2
    err = capsys.readouterr().err
    assert len(err) < 500 and "more characters" in err and ".capcheck.yaml:1:1" in err
    Path(".capcheck.yaml").write_text(f"select: ['{huge}!']\n")
    assert main(["check", str(CLEAN)]) == 2
    assert len(capsys.readouterr().err) < 500
    Path("rules.yaml").write_text(f"capabilities: {huge}\n")  # schema error repeats it
    assert main(["audit", str(CLEAN), "--rules", "rules.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("capcheck: error: rules.yaml:1:1: /capabilities: 'xxx") and len(err) < 500


def test_lock_output_that_is_a_folder_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_dest(tmp_path / "defs")
    (tmp_path / "locks").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["lock", "defs", "--no-config", "-o", "locks"]) == 2
    err = capsys.readouterr().err
    assert "locks: is a folder" in err and "Errno" not in err
