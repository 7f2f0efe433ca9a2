"""`capcheck map` user experience (issue 12): stdin note, the config rule, the rows hint,
progress on a terminal, -o/--output written atomically, grammar and escaped messages."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from capcheck import cli, exitcodes
from capcheck.commands import map as map_command

FIX = Path(__file__).parent / "fixtures" / "moengage"
CONFIG = FIX / "config.yaml"
ALIAS = b'{"type":"alias","userId":"a","previousId":"b"}\n'


def run_map(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[Any], str]:
    code = cli.main(["map", "moengage", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.split("\n") if line], err


class _TtyStdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def test_stdin_note_only_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", _TtyStdin(io.BytesIO(ALIAS)))
    code, records, err = run_map(capsys, "--config", str(CONFIG))
    assert code == exitcodes.OK and len(records) == 1
    assert err.startswith("capcheck: reading events from stdin")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ALIAS)))
    code, records, err = run_map(capsys, "--config", str(CONFIG))
    assert "reading events from stdin" not in err


def test_lines_with_their_own_config_need_no_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = {"message": json.loads(ALIAS), "destination": {"Config": {
        "apiId": "x", "apiKey": "y", "region": "US"}}}
    events = tmp_path / "pairs.jsonl"
    events.write_text("\n" + json.dumps(pair) + "\n" + ALIAS.decode())
    code, records, err = run_map(capsys, str(events))
    # The first non-blank line carries its Config; a later bare event fails on its own.
    assert code == exitcodes.FINDINGS
    assert records[1]["statusCode"] == 200
    assert records[2]["error"].startswith("no destination Config")


def test_first_line_without_config_is_one_usage_error_on_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ALIAS * 5)))
    code, records, err = run_map(capsys, "-")
    assert code == exitcodes.USAGE and records == []
    assert err == (
        "capcheck: error: <stdin>:1: no destination Config: pass --config FILE, or give every "
        'line as {"message": ..., "destination": {"Config": ...}}\n'
    )


def test_rows_need_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, records, err = run_map(capsys, "--rows", str(FIX / "rows.csv"), "--as", "identify",
                                 "--columns", str(FIX / "columns.yaml"))
    assert code == exitcodes.USAGE and records == []
    assert "--rows needs --config" in err


def test_rows_track_without_event_in_the_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    columns = tmp_path / "columns.yaml"
    columns.write_text("user_id: customer_id\nfields:\n  email: email\n")
    code, records, err = run_map(capsys, "--rows", str(FIX / "rows.csv"), "--as", "track",
                                 "--columns", str(columns), "--config", str(CONFIG))
    assert code == exitcodes.USAGE and records == []
    assert "Missing required value from event" in err
    assert "add 'event: COLUMN'" in err and "'event_name: NAME'" in err
    assert err.count("\n") == 1


def test_progress_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(ALIAS * 3000)
    seen: list[str] = []

    class TtyErr(io.StringIO):
        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            seen.append(text)
            return len(text)

    monkeypatch.setattr(map_command, "PROGRESS_AFTER", 0.0)
    monkeypatch.setattr(map_command, "PROGRESS_EVERY", 0.0)
    monkeypatch.setattr(sys, "stderr", TtyErr())
    code = cli.main(["map", "moengage", str(events), "--config", str(CONFIG), "-o",
                     str(tmp_path / "out.jsonl")])
    assert code == exitcodes.OK
    progress = [s for s in seen if "events/s" in s]
    assert progress and progress[-1].startswith("\rcapcheck: 3,000 done, 0 failed, ")
    assert any(s == "\r\x1b[K" for s in seen)  # the line is cleared before the summary


def test_no_progress_when_piped(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(ALIAS * 50)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "capcheck", "map", "moengage", str(events), "--config",
         str(CONFIG)], capture_output=True, check=False, env=env,
    )
    assert proc.returncode == 0
    assert proc.stderr.decode() == "capcheck: 50 events, 50 ok, 0 failed\n"


def test_output_file_is_written_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(ALIAS * 3)
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    code, records, err = run_map(capsys, str(events), "--config", str(CONFIG), "-o",
                                 str(target))
    assert code == exitcodes.OK and records == []
    assert len(target.read_text().splitlines()) == 3
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    # A run that stops with a usage error leaves the previous file whole, and no temp file.
    code, _, err = run_map(capsys, str(events), "--output", str(target))
    assert code == exitcodes.USAGE
    assert len(target.read_text().splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "out.jsonl"]


def test_output_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(ALIAS)
    code, _, err = run_map(capsys, str(events), "--config", str(CONFIG), "-o", str(tmp_path))
    assert code == exitcodes.USAGE and "is a folder" in err


def test_messages_escape_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = str(tmp_path / "evil\x1b[2J\nname.jsonl")
    code, _, err = run_map(capsys, name, "--config", str(CONFIG))
    assert code == exitcodes.USAGE
    assert "\x1b" not in err and err.count("\n") == 1
    assert "evil\\x1b[2J\\nname.jsonl" in err


def test_grammar_one_event(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(ALIAS + b"\n")
    _, _, err = run_map(capsys, str(events), "--config", str(CONFIG))
    assert err == "capcheck: 1 event, 1 ok, 0 failed, 1 blank line skipped\n"
