"""`capcheck map moengage`: in-process via capcheck.cli.main and as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from capcheck import cli, exitcodes

FIX = Path(__file__).parent / "fixtures" / "moengage"
CONFIG = FIX / "config.yaml"
NOW = "2023-10-14T00:00:00Z"


Result = tuple[int, list[dict[str, Any]], str]


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    code = cli.main(["map", "moengage", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.split("\n") if line], err


def test_events_file_one_record_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, records, err = run_main(capsys, str(FIX / "events.jsonl"), "--config", str(CONFIG),
                                  "--now", NOW)
    lines = (FIX / "events.jsonl").read_text().splitlines()
    assert [r["line"] for r in records] == list(range(1, len(lines) + 1))
    assert code == exitcodes.FINDINGS
    assert err.strip() == "capcheck: 6 events, 4 ok, 2 failed, 1 blank line skipped"
    identify, track, blank, alias_bad, bad_json, pair, device = records
    assert identify["statusCode"] == 200
    request = identify["output"][0]
    assert request["endpoint"] == "https://api-02.moengage.com/v1/customer/app1"
    assert request["body"]["JSON"]["attributes"] == {
        "email": "a@example.com", "plan": "pro", "address.city": "Lyon"}
    assert track["output"][0]["body"]["JSON"]["actions"][0]["user_timezone_offset"] == 19800
    assert blank == {"line": 3, "skipped": "blank line"}
    assert alias_bad == {"line": 4, "statusCode": 400,
                         "error": 'Missing required value from "previousId"'}
    assert bad_json["statusCode"] == 400 and bad_json["error"].startswith("invalid JSON")
    assert pair["output"][0]["endpoint"] == "https://api-03.moengage.com/v1/customer/merge?app_id=other"
    assert [r["body"]["JSON"]["type"] for r in device["output"]] == ["customer", "device"]
    assert device["output"][1]["body"]["JSON"]["attributes"]["platform"] == "iOS"


def test_all_ok_exits_zero_and_stdin(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    import io

    data = b'{"type":"alias","userId":"a","previousId":"b"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, records, err = run_main(capsys, "-", "--config", str(CONFIG))
    assert code == exitcodes.OK
    assert records[0]["output"][0]["body"]["JSON"] == {
        "merge_data": [{"retained_user": "a", "merged_user": "b"}]}
    assert "capcheck: 1 event, 1 ok, 0 failed" in err


def test_no_config_is_one_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 12: the first line has no destination.Config and no --config: exit 2, once."""
    path = tmp_path / "e.jsonl"
    path.write_text('{"type":"track","userId":"u","event":"e"}\n' * 3)
    code, records, err = run_main(capsys, str(path))
    assert code == exitcodes.USAGE
    assert records == []
    assert err.count("\n") == 1 and f"{path}:1: no destination Config" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["missing.jsonl", "--config", str(CONFIG)],
        [str(FIX / "events.jsonl"), "--config", "missing.yaml"],
        [str(FIX / "events.jsonl"), "--config", str(CONFIG), "--now", "yesterday"],
        ["--rows", str(FIX / "rows.csv"), "--config", str(CONFIG)],
        ["--rows", str(FIX / "rows.csv"), "--as", "identify", "--columns", "missing.yaml"],
        [str(FIX / "events.jsonl"), "--as", "track"],
    ],
)
def test_usage_errors_are_one_line_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["map", "moengage", *argv])
    _, err = capsys.readouterr()
    assert code == exitcodes.USAGE
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bad_config_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("apiId: [unclosed\n")
    code = cli.main(["map", "moengage", str(FIX / "events.jsonl"), "--config", str(bad)])
    assert code == exitcodes.USAGE
    assert f"{bad}:" in capsys.readouterr().err


def test_rows_csv_identify(capsys: pytest.CaptureFixture[str]) -> None:
    code, records, err = run_main(capsys, "--rows", str(FIX / "rows.csv"), "--as", "identify",
                                  "--columns", str(FIX / "columns.yaml"), "--config", str(CONFIG))
    assert code == exitcodes.FINDINGS
    assert [r["line"] for r in records] == [2, 3, 4]
    first = records[0]["output"][0]["body"]["JSON"]
    assert first["customer_id"] == "c1"
    assert first["attributes"] == {"email": "a@example.com", "age": 31, "is_paid": True,
                                   "score": 1.5, "meta.tier": "gold"}
    assert records[1]["statusCode"] == 400 and "signup_age" in records[1]["error"]
    assert records[2]["output"][0]["body"]["JSON"]["attributes"] == {
        "email": "c@example.com", "is_paid": True}
    assert "3 events, 2 ok, 1 failed" in err


def test_rows_jsonl_track(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"customer_id": 7, "event_name": "Paid", "score": "2.5", "signup_age": 3}\n'
                    "\n"
                    '{"customer_id": "c", "event_name": null}\n')
    code, records, _ = run_main(capsys, "--rows", str(rows), "--as", "track", "--columns",
                                str(FIX / "columns.yaml"), "--config", str(CONFIG))
    action = records[0]["output"][0]["body"]["JSON"]["actions"][0]
    assert records[0]["output"][0]["body"]["JSON"]["customer_id"] == "7"
    assert action == {"action": "Paid", "attributes": {"age": 3, "score": 2.5}}
    assert records[1] == {"line": 2, "skipped": "blank line"}
    assert records[2]["error"].startswith('Missing required value from "event": ')
    assert "'event_name' is empty in this row" in records[2]["error"]
    assert code == exitcodes.FINDINGS


def test_rows_csv_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "r.csv"
    rows.write_text("email\nx@y\n")
    code = cli.main(["map", "moengage", "--rows", str(rows), "--as", "identify", "--columns",
                     str(FIX / "columns.yaml"), "--config", str(CONFIG)])
    err = capsys.readouterr().err
    assert code == exitcodes.USAGE and "customer_id" in err and str(rows) in err


def test_subprocess_end_to_end(tmp_path: Path) -> None:
    lines = ['{"type":"track","userId":"u","event":"e"}', "", "{", '"just a string"',
             '{"type":"identify","anonymousId":"a","traits":{"x":"ü🎉"}}']
    proc = subprocess.run(
        [sys.executable, "-m", "capcheck", "map", "moengage", "-", "--config", str(CONFIG)],
        input="\n".join(lines) + "\n", capture_output=True, text=True, encoding="utf-8",
        check=False,
    )
    out = [line for line in proc.stdout.split("\n") if line]
    assert proc.returncode == exitcodes.FINDINGS
    assert len(out) == len(lines)
    records = [json.loads(line) for line in out]
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5]
    assert records[3]["error"] == "Event type is required"
    assert records[4]["output"][0]["body"]["JSON"]["attributes"] == {"x": "ü🎉"}
    assert records[4]["output"][0]["userId"] == "a"
    assert proc.stderr.strip() == "capcheck: 4 events, 2 ok, 2 failed, 1 blank line skipped"


# ---------------------------------------------------------------- fast decode / encode paths

def _js_decoder() -> json.JSONDecoder:
    from capcheck.mappers.moengage import jsvalues as js

    return json.JSONDecoder(
        parse_float=js.json_float, parse_int=js.json_int, parse_constant=js.json_constant
    )


LINES = [
    '{"a":12345678901234567890,"b":9007199254740993,"c":-0,"d":-0.0,"e":1.0,"f":1e21}\n',
    '{"a":1e20,"b":1E400,"c":-1e400,"d":5e-324,"e":0.1,"f":123456789012345678901234567890}\n',
    '{"k":1,"k":2,"0":"x","10":"y","1":"z","a.b":"\\ud800","u":"\\u00e9\\ud83d\\ude00"}\n',
    '{"type":"track"}', '{"type":"track"}  \t\r\n', '{"type":"track"}\r\n', '{"a":1} x\n',
    '{"a":1}{"b":2}\n', '{"a":}\n', '{"a":NaN}\n', '{"a":Infinity}\n', '{"a":[1,2\n', '{\n',
    '{"a":"\x00"}\n', '{"a":' * 3000 + "1" + "}" * 3000 + "\n",
]


@pytest.mark.parametrize("text", LINES)
def test_line_decoder_matches_json_decoder(text: str) -> None:
    from capcheck.mappers.moengage.stream import _line_decoder

    decoder = _js_decoder()
    fast = _line_decoder(decoder)
    try:
        want: Any = decoder.decode(text)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)) as info:
            fast(text)
        if not isinstance(exc, RecursionError):
            assert str(info.value) == str(exc)
        return
    got = fast(text)
    assert got == want
    assert json.dumps(got) == json.dumps(want)  # same key order, same number types


@pytest.mark.parametrize("record", [
    {"line": 1, "statusCode": 200, "output": [{"a": 1.5, "b": [1, {"c": "é"}], "d": None}]},
    {"line": 2, "statusCode": 200, "output": [{"a": float("nan"), "b": float("-inf")}]},
    {"line": 3, "statusCode": 400, "error": "x\ud800y"},
    {"line": 4, "statusCode": 200, "output": [{"n": 10**30, "t": True, "f": -0.0, "e": {}}]},
])
def test_encode_record_is_json_stringify_like(record: dict[str, Any]) -> None:
    from capcheck.mappers.moengage.stream import _sanitize, encode_record

    expected_record = _sanitize(record)
    try:
        expected = json.dumps(expected_record, ensure_ascii=False, separators=(",", ":"))
        expected_bytes = expected.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        expected = json.dumps(expected_record, ensure_ascii=True, separators=(",", ":"))
        expected_bytes = expected.encode("ascii") + b"\n"
    assert encode_record(record) == expected_bytes


def test_cli_numbers_unicode_and_key_order_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"type":"track","userId":"u","event":"e","properties":{"big":12345678901234567890,'
        '"neg0":-0.0,"one":1.0,"huge":1e21,"inf":1e400,"b":1,"2":"two","1":"one","x":"\\ud800",'
        '"dup":1,"dup":2,"é":"ü"}}\n'
        ' {"type":"alias","userId":1e21,"previousId":-0}\n',
        encoding="utf-8",
    )
    code = cli.main(["map", "moengage", str(events), "--config", str(CONFIG), "--now", NOW])
    out = capsys.readouterr().out.split("\n")
    assert code == 0
    first = json.loads(out[0])["output"][0]["body"]["JSON"]["actions"][0]["attributes"]
    assert list(first) == ["1", "2", "big", "neg0", "one", "huge", "inf", "b", "x", "dup", "é"]
    assert first["big"] == 12345678901234567000 and first["one"] == 1 and first["inf"] is None
    assert '"huge":1e+21' in out[0] and '"neg0":0,' in out[0] and '"x":"\\ud800"' in out[0]
    alias = json.loads(out[1])["output"][0]
    assert alias["userId"] == "1e+21"
    assert alias["body"]["JSON"]["merge_data"] == [{"retained_user": 1e21, "merged_user": 0}]


def test_config_option_between_mapper_and_file(tmp_path: Path) -> None:
    """`capcheck map moengage --config C FILE`: options may sit between positionals."""
    from capcheck.cli import main as cli_main

    config = tmp_path / "config.json"
    config.write_text('{"apiId": "a", "apiKey": "b", "region": "US"}')
    events = tmp_path / "events.jsonl"
    events.write_text('{"type": "alias", "userId": "u2", "previousId": "u1"}\n')
    import contextlib
    import io

    buffer = io.BytesIO()
    wrapper = io.TextIOWrapper(buffer, encoding="utf-8")
    with contextlib.redirect_stdout(wrapper):
        code = cli_main(["map", "moengage", "--config", str(config), str(events)])
        wrapper.flush()
    assert code == 0
    [line] = buffer.getvalue().decode().splitlines()
    assert '"merge_data"' in line
