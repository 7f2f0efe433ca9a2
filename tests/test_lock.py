"""The capability lock: `capcheck lock` and `capcheck check --lock`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from capcheck import resources
from capcheck.cli import main


def edit(folder: Path, **values: Any) -> Path:
    path = folder / "db-config.json"
    data = json.loads(path.read_text())
    data["config"].update(values)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_lock(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, str, str]:
    return cli(capsys, "check", *(paths or ("defs",)), "--lock", "lock.json", "--no-config")


def test_lock_is_sorted_byte_stable_and_valid(defs: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "lock", "defs", "-o", "lock.json")[0] == 0
    first = Path("lock.json").read_bytes()
    assert cli(capsys, "lock", "defs", "-o", "lock.json")[2].strip() == \
        "lock.json is up to date (2 destinations)."
    assert cli(capsys, "lock", "defs", "-o", "-")[1].encode() == first
    doc = json.loads(first)
    assert first.decode() == json.dumps(doc, indent=2, sort_keys=True) + "\n"
    assert doc == {
        "lockVersion": 1,
        "transformer": False,
        "destinations": {
            "alpha": {"name": "ALPHA", "retl": "supported", "json_mapper": "supported",
                      "vdm_v1": "not supported", "vdm_v2": "not supported"},
            "beta": {"name": "BETA", "retl": "not supported", "json_mapper": "not applicable",
                     "vdm_v1": "not supported", "vdm_v2": "not supported"},
        },
    }
    import jsonschema

    schema = json.loads(resources.schema_path("lock").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema)
    assert check_lock(capsys) == (0, "", "No findings in 2 destinations.\n")


def test_lost_capability_fails_with_the_exact_message(
    defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "lock", "defs", "-o", "lock.json")
    path = edit(defs / "alpha", supportedSourceTypes=["cloud"],
                supportedConnectionModes={"cloud": ["cloud"]})
    line = line_of(path, '"supportedSourceTypes"')
    code, out, err = check_lock(capsys)
    assert code == 1
    assert out.splitlines() == [  # sorted by place, then code and message
        f"defs/alpha/db-config.json:{line}:5: CAP900 error: ALPHA: JSON Mapper supported -> "
        "not applicable",
        f"defs/alpha/db-config.json:{line}:5: CAP900 error: ALPHA: RETL supported -> not supported",
    ]
    assert err.strip() == "Found 2 findings (2 errors) in 2 destinations."


def test_gained_capability_fails(defs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "lock", "defs", "-o", "lock.json")
    path = edit(defs / "alpha", supportsVisualMapper=True)
    code, out, _ = check_lock(capsys)
    assert code == 1
    line = line_of(path, '"supportsVisualMapper"')
    assert out.strip() == (
        f"defs/alpha/db-config.json:{line}:5: CAP900 error: ALPHA: VDM v1 not supported -> "
        "supported")
    # intended change: re-lock and the gate is green again
    cli(capsys, "lock", "defs", "-o", "lock.json")
    assert check_lock(capsys)[0] == 0


def test_lock_differences_in_machine_formats(defs: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "lock", "defs", "-o", "lock.json")
    edit(defs / "alpha", supportsVisualMapper=True)
    code, out, _ = cli(capsys, "check", "defs", "--lock", "lock.json", "--output-format",
                       "sarif")
    assert code == 1
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "CAP900" and result["level"] == "error"
    assert result["message"]["text"] == "ALPHA: VDM v1 not supported -> supported"


def test_new_and_removed_destinations(defs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "lock", "defs", "-o", "lock.json")
    shutil.copytree(defs / "beta", defs / "gamma")
    path = defs / "gamma" / "db-config.json"
    path.write_text(path.read_text().replace('"BETA"', '"GAMMA"'))
    shutil.rmtree(defs / "alpha")
    code, out, _ = check_lock(capsys)
    assert code == 1
    alpha_line = line_of(Path("lock.json"), '"alpha"')
    assert out.splitlines() == [
        "defs/gamma/db-config.json:2:3: CAP901 error: GAMMA: new destination, not in the lock "
        "(RETL not supported, JSON Mapper not applicable, VDM v1 not supported, "
        "VDM v2 not supported)",
        f"lock.json:{alpha_line}:5: CAP902 error: ALPHA: destination removed, in the lock but not "
        "found",
    ]


def test_single_destination_is_compared_without_removals(
    defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "lock", "defs", "-o", "lock.json")
    assert check_lock(capsys, "defs/alpha")[0] == 0
    assert check_lock(capsys, "defs/alpha/schema.json")[0] == 0
    edit(defs / "alpha", supportsVisualMapper=True)
    code, out, _ = check_lock(capsys, "defs/alpha/ui-config.json")
    assert code == 1 and out.count("\n") == 1 and "CAP900 error: ALPHA: VDM v1" in out


def test_broken_definition_is_not_reported_as_removed(
    defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "lock", "defs", "-o", "lock.json")
    (defs / "alpha" / "db-config.json").write_text("{")
    code, out, _ = check_lock(capsys)
    assert code == 2  # unparseable input
    assert [line.split()[1] for line in out.splitlines()] == ["CAP001"]


def test_lock_problems_exit_2(defs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check_lock(capsys)
    assert code == 2
    assert err.strip() == ("capcheck: error: lock file lock.json: file not found; "
                           "create it with `capcheck lock`")
    Path("lock.json").write_text('{\n  "lockVersion": 1,\n  "transformer": false,\n'
                                 '  "destinations": {"alpha": {"name": "ALPHA", '
                                 '"retl": "yes"}}\n}\n')
    code, _, err = check_lock(capsys)
    assert code == 2 and err.startswith("capcheck: error: lock file lock.json:4:")
    assert "unknown status 'yes'" in err
    Path("lock.json").write_text('{"lockVersion": 1, "transformer": true, "destinations": {}}')
    code, _, err = check_lock(capsys)
    assert code == 2 and "the lock was written with --transformer" in err


def test_lock_check_mode(defs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "lock", "defs", "-o", "lock.json", "--check")
    assert code == 1 and "lock.json does not exist" in err and not Path("lock.json").exists()
    cli(capsys, "lock", "defs", "-o", "lock.json")
    assert cli(capsys, "lock", "defs", "-o", "lock.json", "--check")[0] == 0
    edit(defs / "beta", supportsVisualMapper=True)
    before = Path("lock.json").read_text()
    code, out, err = cli(capsys, "lock", "defs", "-o", "lock.json", "--check")
    assert code == 1 and Path("lock.json").read_text() == before
    assert '-      "vdm_v1": "not supported",' in out
    assert '+      "vdm_v1": "supported",' in out
    assert "lock.json is out of date" in err


def test_lock_refuses_a_broken_tree(defs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (defs / "beta" / "db-config.json").write_text("{")
    code, _, err = cli(capsys, "lock", "defs", "-o", "lock.json")
    assert code == 2 and not Path("lock.json").exists()
    assert "defs/beta/db-config.json:1:2: invalid JSON" in err
    assert cli(capsys, "lock", "nowhere")[0] == 2


def test_lock_path_from_config(defs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path(".capcheck.yaml").write_text("paths: [defs]\nlock: locks/capabilities.json\n")
    Path("locks").mkdir()
    assert cli(capsys, "lock")[0] == 0
    assert Path("locks/capabilities.json").is_file()
    edit(defs / "alpha", disableJsonMapper=True)
    code, out, _ = cli(capsys, "check")
    assert code == 1 and "CAP900 error: ALPHA: JSON Mapper supported -> not supported" in out


def test_corpus_lock_round_trip(corpus: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    lock = tmp_path / "corpus.lock.json"
    assert cli(capsys, "lock", str(corpus), "-o", str(lock), "--no-config")[0] == 0
    assert len(json.loads(lock.read_text())["destinations"]) == 239
    code, out, _ = cli(capsys, "check", str(corpus), "--lock", str(lock), "--select", "CAP9",
                       "--no-config")
    assert (code, out) == (0, "")
