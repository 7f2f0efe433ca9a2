"""Hostile and broken input for `capcheck map` (issue 10 items 10, 11, 13): one record per
input row or line, with its own line number, and never a traceback."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from capcheck import cli, exitcodes

FIX = Path(__file__).parent / "fixtures" / "moengage"
CONFIG = FIX / "config.yaml"
NOW = "2023-10-14T00:00:00Z"


def run_map(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[Any], str]:
    code = cli.main(["map", "moengage", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.split("\n") if line], err


def identify_rows(tmp_path: Path, body: bytes, fields: str = "") -> tuple[Path, Path]:
    rows = tmp_path / "rows.csv"
    rows.write_bytes(b"id,email,score\n" + body)
    columns = tmp_path / "columns.yaml"
    columns.write_text("user_id: id\nfields:\n  email: email\n" + fields, encoding="utf-8")
    return rows, columns


def rows_records(
    capsys: pytest.CaptureFixture[str], rows: Path, columns: Path
) -> tuple[int, list[Any], str]:
    return run_map(capsys, "--rows", str(rows), "--as", "identify", "--columns", str(columns),
                   "--config", str(CONFIG), "--now", NOW)


def test_rows_unterminated_quote_does_not_swallow_the_next_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, columns = identify_rows(tmp_path, b'u1,"a@example.com\nu2,b@example.com,1\n')
    code, records, _ = rows_records(capsys, rows, columns)
    assert code == exitcodes.FINDINGS
    assert [r["line"] for r in records] == [2, 3]
    assert records[0]["statusCode"] == 400 and records[0]["error"].startswith("bad CSV")
    assert records[1]["statusCode"] == 200
    attributes = records[1]["output"][0]["body"]["JSON"]["attributes"]
    assert attributes == {"email": "b@example.com"}


def test_rows_over_long_field_reported_on_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = b"x" * 200_000
    rows, columns = identify_rows(tmp_path, b"u1,a@example.com\nu2," + long + b"\nu3,c@x.io\n")
    code, records, _ = rows_records(capsys, rows, columns)
    assert [r["line"] for r in records] == [2, 3, 4]
    assert [r["statusCode"] for r in records] == [200, 400, 200]
    assert "field larger than field limit" in records[1]["error"]


def test_rows_blank_lines_get_a_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, columns = identify_rows(tmp_path, b"u1,a@x.io\n\n   \nu2,b@x.io\n")
    code, records, err = rows_records(capsys, rows, columns)
    assert code == exitcodes.OK
    assert [r["line"] for r in records] == [2, 3, 4, 5]
    assert records[1] == {"line": 3, "skipped": "blank line"}
    assert records[2] == {"line": 4, "skipped": "blank line"}
    assert "2 blank lines skipped" in err


@pytest.mark.parametrize("cell", ["1_000", "١٢٣", "１２", "1__0", "٣.٥"])
@pytest.mark.parametrize("kind", ["int", "float"])
def test_rows_numbers_as_javascript_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str, kind: str
) -> None:
    rows, columns = identify_rows(
        tmp_path, f"u1,a@x.io,{cell}\nu2,b@x.io,12\n".encode(),
        fields=f"  score: {{name: score, type: {kind}}}\n",
    )
    code, records, _ = rows_records(capsys, rows, columns)
    assert code == exitcodes.FINDINGS
    assert records[0]["statusCode"] == 400 and "column 'score'" in records[0]["error"]
    assert "is not a" in records[0]["error"]
    assert records[1]["output"][0]["body"]["JSON"]["attributes"]["score"] == 12


def test_rows_non_utf8_byte_is_that_rows_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, columns = identify_rows(tmp_path, b"u1,a@x.io\nu2,b\xff@x.io\nu3,c@x.io\n")
    code, records, _ = rows_records(capsys, rows, columns)
    assert code == exitcodes.FINDINGS
    assert [r["line"] for r in records] == [2, 3, 4]
    assert records[1]["statusCode"] == 400 and "invalid UTF-8" in records[1]["error"]
    assert records[2]["statusCode"] == 200


def test_rows_jsonl_non_utf8_and_lone_cr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(b'{"id":"u1"}\r{"id":"u2","email":"\xff"}\n{"id":"u3"}\n')
    columns = tmp_path / "columns.yaml"
    columns.write_text("user_id: id\nfields:\n  email: email\n")
    code, records, _ = rows_records(capsys, rows, columns)
    assert [r["line"] for r in records] == [1, 2, 3]
    assert [r["statusCode"] for r in records] == [200, 400, 200]


def test_events_lone_cr_ends_a_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(
        b'{"type":"alias","userId":"a","previousId":"b"}\r'
        b'{"type":"alias","userId":"c","previousId":"d"}\r\n'
        b'{"type":"alias","userId":"e","previousId":"f"}\n'
    )
    code, records, _ = run_map(capsys, str(events), "--config", str(CONFIG))
    assert code == exitcodes.OK
    assert [r["line"] for r in records] == [1, 2, 3]
    merged = [r["output"][0]["body"]["JSON"]["merge_data"][0]["merged_user"] for r in records]
    assert merged == ["b", "d", "f"]


@pytest.mark.parametrize("digits", [400, 5000])
def test_huge_integer_literal_follows_javascript(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], digits: int
) -> None:
    """JSON.parse reads a 400-digit literal as Infinity: JSON.stringify writes null, and
    Number() of it is Infinity; the stream goes on."""
    big = "9" * digits
    events = tmp_path / "events.jsonl"
    events.write_text(
        f'{{"type":"track","userId":"u","event":"e","properties":{{"n":{big},"m":-{big}}}}}\n'
        f'{{"type":"identify","userId":"u","traits":{{"age":{big},"revenue":"{big}"}}}}\n'
        '{"type":"alias","userId":"a","previousId":"b"}\n'
    )
    code, records, err = run_map(capsys, str(events), "--config", str(CONFIG), "--now", NOW)
    assert code == exitcodes.OK, err
    assert [r["line"] for r in records] == [1, 2, 3]
    attributes = records[0]["output"][0]["body"]["JSON"]["actions"][0]["attributes"]
    assert attributes == {"n": None, "m": None}
    traits = records[1]["output"][0]["body"]["JSON"]["attributes"]
    assert traits["age"] is None and traits["revenue"] is None


def test_huge_hex_string_number_is_infinity() -> None:
    from capcheck.mappers.moengage import jsvalues as js

    assert js.string_to_number("0x" + "f" * 400) == math.inf
    assert js.json_int("1" * 400) == math.inf
    assert js.json_int("-" + "1" * 5000) == -math.inf
    assert js.json_int("9007199254740993") == 9007199254740992
