"""capcheck audit end to end: the bundled MoEngage golden case, formats, bad input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from capcheck import resources
from capcheck.cli import main

BUNDLED = resources.destinations_dir() / "moengage"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def audit_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code, out, _err = run(capsys, "audit", "--format", "json", *argv)
    return code, json.loads(out)


def verdicts(doc: dict, index: int = 0) -> dict[str, str]:
    return {v["capability"]: v["status"] for v in doc["reports"][index]["verdicts"]}


# The bundled definition carries the real, current MoEngage facts (it used to follow the
# stale seed report, which says RETL is not supported).
def test_bundled_moengage_gives_the_real_verdicts(
    capsys: pytest.CaptureFixture[str], in_repo: Path
) -> None:
    code, doc = audit_json(capsys)
    assert code == 0
    assert [r["name"] for r in doc["reports"]] == ["MOENGAGE"]
    assert verdicts(doc) == {
        "retl": "supported",
        "json_mapper": "supported",
        "vdm_v1": "not supported",
        "vdm_v2": "not supported",
    }
    report = doc["reports"][0]
    assert "warehouse" in report["supportedSourceTypes"]
    assert report["supportedConnectionModes"]["warehouse"] == ["cloud"]
    assert report["supportedMessageTypes"]["cloud"] == ["identify", "track", "alias"]
    retl = report["verdicts"][0]
    assert retl["evidence"][0]["fact"] == "`/config/supportedSourceTypes` includes `warehouse`"
    assert retl["evidence"][0]["file"] == "destinations/moengage/db-config.json"
    text = (BUNDLED / "db-config.json").read_text(encoding="utf-8").splitlines()
    line = retl["evidence"][0]["line"]
    assert '"warehouse"' in text[line - 1][retl["evidence"][0]["column"] - 1:]


def test_bundled_moengage_markdown_answers_the_seed_questions(
    capsys: pytest.CaptureFixture[str], in_repo: Path
) -> None:
    code, out, err = run(capsys, "audit")
    assert code == 0 and err == ""
    for line in [
        "## Is RETL supported at all?",
        "**RETL (Reverse ETL) Support**: **Supported**",
        "## Which type of RETL support does it have?",
        "- **JSON Mapper**: Supported (RETL is supported and `disableJsonMapper` is not set)",
        "- **VDM V1**: Not Supported (`supportsVisualMapper` is not true)",
        "- **VDM V2**: Not Supported (missing `record` in supportedMessageTypes)",
        "## Does it have VDM support?",
        "## Does it have VDM v2 support?",
        "## Connection config",
        "- **Warehouse connection modes**: `cloud`",
        "## Supported source types",
        "capcheck map moengage events.jsonl --config config.json",
    ]:
        assert line in out.splitlines(), line


def test_bundled_moengage_connection_config(
    capsys: pytest.CaptureFixture[str], in_repo: Path
) -> None:
    _code, doc = audit_json(capsys)
    cc = doc["reports"][0]["connectionConfig"]
    settings = [(s["key"], s["scope"], s["secret"], s["required"]) for s in cc["settings"]]
    data = json.loads((BUNDLED / "db-config.json").read_text())["config"]
    expected_keys = list(dict.fromkeys(data["destConfig"]["defaultConfig"]
                                       + data["destConfig"]["warehouse"]))
    assert [key for key, *_ in settings] == expected_keys
    assert ("apiKey", "defaultConfig", True, True) in settings
    assert ("apiId", "defaultConfig", False, True) in settings
    assert cc["connectionModes"] == ["cloud"]


def without_warehouse(tmp_path: Path) -> Path:
    dest = tmp_path / "moengage"
    shutil.copytree(BUNDLED, dest)
    path = dest / "db-config.json"
    data = json.loads(path.read_text())
    data["config"]["supportedSourceTypes"].remove("warehouse")
    del data["config"]["supportedConnectionModes"]["warehouse"]
    del data["config"]["destConfig"]["warehouse"]
    path.write_text(json.dumps(data, indent=2))
    return dest


def test_moengage_without_warehouse_gives_no_retl(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, doc = audit_json(capsys, str(without_warehouse(tmp_path)))
    assert code == 0
    assert verdicts(doc) == {
        "retl": "not supported",
        "json_mapper": "not applicable",
        "vdm_v1": "not supported",
        "vdm_v2": "not supported",
    }
    assert doc["reports"][0]["connectionConfig"] is None


def test_json_output_follows_the_report_schema(
    capsys: pytest.CaptureFixture[str], core_defs: Path, core_transformer: Path
) -> None:
    import jsonschema

    schema = json.loads(resources.schema_path("report").read_text())
    code, doc = audit_json(capsys, str(core_defs), "--transformer", str(core_transformer))
    assert code == 0
    jsonschema.Draft202012Validator(schema).validate(doc)
    names = [r["destination"] for r in doc["reports"]]
    assert names == sorted(names) and len(names) == 15


def test_output_is_byte_stable(capsys: pytest.CaptureFixture[str], core_defs: Path) -> None:
    for fmt in ("markdown", "json", "table"):
        first = run(capsys, "audit", str(core_defs), "--format", fmt)
        second = run(capsys, "audit", str(core_defs), "--format", fmt)
        assert first == second


def test_table_format(capsys: pytest.CaptureFixture[str], in_repo: Path) -> None:
    code, out, _ = run(capsys, "audit", "--format", "table")
    assert code == 0
    # plain columns (no Markdown pipes or backticks), one row per capability
    assert re.search(r"^RETL \(Reverse ETL\) +supported +", out, re.M)
    assert "|" not in out and "`" not in out


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


GOOD = '{"name": "OK", "config": {"supportedSourceTypes": ["warehouse"]}}'


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"db-config.json": '{"name": "X",\n "config": {\n'},
         "bad/db-config.json:3:1: invalid JSON: Expecting property name enclosed in double quotes"),
        ({"schema.json": "{}"}, "bad/db-config.json: missing db-config.json"),
        ({"db-config.json": b'{"name": "\xff"}'}, "bad/db-config.json:1: not valid UTF-8"),
        ({"db-config.json": GOOD, "ui-config.json": "{oops"},
         "bad/ui-config.json:1:2: invalid JSON"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_others_still_audited(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str | bytes], expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "defs"
    write(root / "good" / "db-config.json", GOOD)
    for name, text in files.items():
        write(root / "bad" / name, text)
    code, out, err = run(capsys, "audit", "defs", "--format", "json")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("capcheck: error: defs/" + expected), lines[0]
    doc = json.loads(out)
    assert "good" in [r["destination"] for r in doc["reports"]]
    assert len(doc["errors"]) == 1


# These used to drop the destination with exit 2; a field of the wrong shape now
# degrades only what depends on it (tests/test_fidelity_degradation.py has the details).
@pytest.mark.parametrize(
    "files, expected",
    [
        ({"db-config.json": '{"name": "X", "config": {\n  "supportedSourceTypes": "warehouse"}}'},
         "bad/db-config.json:2:3: /config/supportedSourceTypes: "
         "expected a list of strings, found a string"),
        ({"db-config.json": '{"name": "X", "config": {"supportedSourceTypes": ["web", 3]}}'},
         "bad/db-config.json:1:58: /config/supportedSourceTypes/1: "
         "expected a string, found a number"),
        ({"db-config.json": '{"name": "X", "config": {"supportsVisualMapper": "yes"}}'},
         "bad/db-config.json:1:26: /config/supportsVisualMapper: "
         "expected true or false, found a string"),
        ({"db-config.json": '{"name": "X", "config": {"supportedMessageTypes": 5}}'},
         "bad/db-config.json:1:26: /config/supportedMessageTypes: "
         "expected a list or an object, found a number"),
        ({"db-config.json": "[1, 2]"}, "bad/db-config.json:1:1: /: expected a JSON object"),
        ({"db-config.json": '{"name": "X"}'},
         "bad/db-config.json:1:1: /config: missing (expected an object)"),
    ],
)
def test_wrong_field_is_one_line_exit_1_and_the_destination_still_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str | bytes], expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "defs"
    write(root / "good" / "db-config.json", GOOD)
    for name, text in files.items():
        write(root / "bad" / name, text)
    code, out, err = run(capsys, "audit", "defs", "--format", "json")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("capcheck: error: defs/" + expected), lines[0]
    doc = json.loads(out)
    assert [r["destination"] for r in doc["reports"]] == ["bad", "good"]
    assert len(doc["errors"]) == 1
    bad = doc["reports"][0]
    assert "unknown" in {v["status"] for v in bad["verdicts"]}


def test_unreadable_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    path = tmp_path / "x" / "db-config.json"
    write(path, GOOD)
    path.chmod(0)
    code, _out, err = run(capsys, "audit", str(tmp_path))
    assert code == 2 and "cannot read" in err


def test_paths_that_hold_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _out, err = run(capsys, "audit", str(tmp_path))
    assert code == 2 and "holds no destination definition" in err
    code, _out, err = run(capsys, "audit", str(tmp_path / "missing"))
    assert code == 2 and "no such file or directory" in err


def test_bad_transformer_path_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, core_defs: Path
) -> None:
    code, out, err = run(capsys, "audit", str(core_defs), "--transformer", str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith("capcheck: error:") and "not a transformer checkout" in err


def test_checkout_layout_and_single_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, core_defs: Path
) -> None:
    checkout = tmp_path / "integrations-config"
    shutil.copytree(core_defs, checkout / "src" / "configurations" / "destinations")
    code, doc = audit_json(capsys, str(checkout))
    assert code == 0 and len(doc["reports"]) == 15
    code, doc = audit_json(capsys, str(core_defs / "plain_retl"))
    assert code == 0 and [r["name"] for r in doc["reports"]] == ["PLAIN_RETL"]
    code, doc = audit_json(capsys, str(core_defs / "plain_retl" / "db-config.json"))
    assert code == 0 and [r["name"] for r in doc["reports"]] == ["PLAIN_RETL"]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["audit", "--format", "yaml"])
    assert info.value.code == 2
    assert main([]) == 2
    assert main(["audit", "--variant", "nonsense"]) == 2
    assert "--variant expects ID=NAME" in capsys.readouterr().err


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "capcheck", "audit", "--format", "json"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["reports"][0]["name"] == "MOENGAGE"


def test_audit_does_not_import_jsonschema(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from capcheck.cli import main\n"
        "rc = main(['audit'])\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported on the audit path'\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr


def test_options_may_come_between_positionals(
    capsys: pytest.CaptureFixture[str], core_defs: Path
) -> None:
    """`capcheck audit --format json PATH` and `capcheck audit PATH --format json` agree."""
    first = run(capsys, "audit", "--format", "json", str(core_defs / "plain_retl"))
    second = run(capsys, "audit", str(core_defs / "plain_retl"), "--format", "json")
    assert first == second and first[0] == 0
    assert json.loads(first[1])["reports"][0]["name"] == "PLAIN_RETL"


def test_a_folder_reached_twice_is_read_once(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Links to a definition folder, and a root given twice or through a linked parent,
    read each real folder once (named as first found); a link to a folder elsewhere is
    a definition of its own."""
    defs = tmp_path / "defs"
    defs.mkdir()
    shutil.copytree(BUNDLED, defs / "alpha")
    shutil.copytree(BUNDLED, tmp_path / "elsewhere" / "gamma")
    (defs / "beta").symlink_to("alpha")  # the same folder again
    (defs / "gamma").symlink_to(tmp_path / "elsewhere" / "gamma")
    (tmp_path / "again").symlink_to(defs)
    code, doc = audit_json(capsys, str(defs), str(tmp_path / "again"), str(defs / "alpha"))
    assert code == 0
    shown = sorted(Path(r["definition"]).relative_to(tmp_path).as_posix() for r in doc["reports"])
    assert shown == ["defs/alpha", "defs/gamma"]
