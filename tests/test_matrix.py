"""Support matrix: rows, states, filters, summary and every output format."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from capcheck.cli import main
from capcheck.render import matrix_csv, matrix_html, matrix_json, matrix_markdown
from capcheck.report.audit import run_audit
from capcheck.report.matrix import Matrix, build

FIXTURES = Path(__file__).parent / "fixtures" / "matrix"
DESTINATIONS = FIXTURES / "destinations"
TRANSFORMER = FIXTURES / "transformer"


def fixture_matrix(**kwargs: object) -> Matrix:
    result = run_audit([DESTINATIONS])
    assert result.errors == []
    return build(result.reports, **kwargs)  # type: ignore[arg-type]


def states(matrix: Matrix, capability: str) -> dict[str, str]:
    return {row.folder: row.cell(capability).state for row in matrix.rows}


def test_rows_are_sorted_by_display_name_case_insensitively() -> None:
    matrix = fixture_matrix()
    assert [r.display_name for r in matrix.rows] == [
        "Alpha Sync", "beta Vision", "Delta Stream", "Epsilon Lists", "Gamma Audience",
        'Zeta <b>Lists</b> & "Co" | Ltd',
    ]
    assert matrix.total == 6


def test_cells_follow_the_verdicts() -> None:
    matrix = fixture_matrix()
    assert states(matrix, "retl") == {
        "alpha_retl": "supported", "beta_vdm": "supported", "delta_plain": "not supported",
        "epsilon_declared": "supported", "gamma_record": "supported",
        "zeta_escape": "not supported",
    }
    # disableJsonMapper turns it off; no RETL makes it not applicable
    assert states(matrix, "json_mapper") == {
        "alpha_retl": "supported", "beta_vdm": "not supported", "delta_plain": "not applicable",
        "epsilon_declared": "supported", "gamma_record": "supported",
        "zeta_escape": "not applicable",
    }
    assert {f for f, s in states(matrix, "vdm_v1").items() if s == "supported"} == {
        "beta_vdm", "gamma_record"}
    # record declared, no --transformer: declared, code not examined
    assert states(matrix, "vdm_v2") == {
        "alpha_retl": "not supported", "beta_vdm": "not supported",
        "delta_plain": "not supported", "epsilon_declared": "declared, code not examined",
        "gamma_record": "declared, code not examined", "zeta_escape": "not supported",
    }
    rows = {r.folder: r for r in matrix.rows}
    assert rows["beta_vdm"].sync_behaviours == ("mirror", "upsert")
    assert rows["gamma_record"].warehouse_modes == ("cloud",)
    assert rows["delta_plain"].warehouse_modes == ()
    assert rows["gamma_record"].name == "GAMMA_RECORD"


def test_vdm_v2_partial_states_with_transformer_code() -> None:
    result = run_audit([DESTINATIONS], TRANSFORMER)
    matrix = build(result.reports)
    assert states(matrix, "vdm_v2") == {
        "alpha_retl": "not supported", "beta_vdm": "not supported",
        "delta_plain": "partial: code only",  # handled in code, not declared
        "epsilon_declared": "partial: declared only",  # declared, no handler
        "gamma_record": "supported", "zeta_escape": "not supported",
    }
    assert matrix.summary["vdm_v2"] == {
        "supported": 1, "partial: declared only": 1, "partial: code only": 1,
        "not supported": 3,
    }
    assert [r.folder for r in build(result.reports, only=["vdm-v2"]).rows] == [
        "delta_plain", "epsilon_declared", "gamma_record"]


def test_summary_counts_per_capability_and_state() -> None:
    summary = fixture_matrix().summary
    assert summary["retl"] == {"supported": 4, "not supported": 2}
    assert summary["json_mapper"] == {"supported": 3, "not supported": 1, "not applicable": 2}
    assert summary["vdm_v1"] == {"supported": 2, "not supported": 4}
    assert summary["vdm_v2"] == {"declared, code not examined": 2, "not supported": 4}


@pytest.mark.parametrize(
    ("only", "folders"),
    [
        (["retl"], ["alpha_retl", "beta_vdm", "epsilon_declared", "gamma_record"]),
        (["json-mapper"], ["alpha_retl", "epsilon_declared", "gamma_record"]),
        (["vdm-v1"], ["beta_vdm", "gamma_record"]),
        (["vdm-v2"], ["epsilon_declared", "gamma_record"]),
        (["vdm-v1", "vdm-v2"], ["gamma_record"]),
    ],
)
def test_only_filter(only: list[str], folders: list[str]) -> None:
    matrix = fixture_matrix(only=only)
    assert [r.folder for r in matrix.rows] == folders
    assert matrix.total == 6
    assert sum(matrix.summary["retl"].values()) == len(folders)


@pytest.mark.parametrize(
    ("pattern", "folders"),
    [
        ("GAMMA*", ["gamma_record"]),  # display name / internal name, any case
        ("*_vdm", ["beta_vdm"]),  # folder name
        ("epsilon", ["epsilon_declared"]),  # internal name EPSILON
        ("*lists*", ["epsilon_declared", "zeta_escape"]),
        ("nothing*", []),
    ],
)
def test_name_filter(pattern: str, folders: list[str]) -> None:
    assert [r.folder for r in fixture_matrix(name=pattern).rows] == folders


def test_markdown_table_and_summary() -> None:
    text = matrix_markdown.render(fixture_matrix(), link=lambda r: f"{r.folder}/retl.md")
    lines = text.splitlines()
    assert lines[0] == "# Support matrix"
    assert lines[2].startswith("| Destination | Internal name | Folder | RETL | JSON Mapper |")
    assert ("| [beta Vision](beta_vdm/retl.md) | `BETA_VDM` | `beta_vdm` | Supported | "
            "Not supported | Supported | Not supported | `cloud` | `mirror`, `upsert` |") in lines
    zeta = next(line for line in lines if "zeta_escape" in line)
    assert "\\| Ltd" in zeta and "&lt;b&gt;" in zeta and "<b>" not in zeta
    assert "- **RETL**: 4 supported, 2 not supported" in lines


def test_csv_has_one_line_per_row() -> None:
    rows = list(csv.DictReader(io.StringIO(matrix_csv.render(fixture_matrix()))))
    assert [r["folder"] for r in rows][:2] == ["alpha_retl", "beta_vdm"]
    beta = rows[1]
    assert beta["json_mapper"] == "not supported" and beta["vdm_v1"] == "supported"
    assert beta["sync_behaviours"] == "mirror upsert"
    assert rows[-1]["display_name"] == 'Zeta <b>Lists</b> & "Co" | Ltd'


def test_json_document() -> None:
    doc = json.loads(matrix_json.render(fixture_matrix(only=["retl"])))
    assert doc["total"] == 6 and doc["shown"] == 4
    assert doc["filters"] == {"only": "retl"}
    assert doc["summary"]["vdm_v1"] == {"supported": 2, "not supported": 2}
    gamma = next(r for r in doc["rows"] if r["folder"] == "gamma_record")
    assert gamma["capabilities"]["vdm_v2"]["state"] == "declared, code not examined"
    assert gamma["capabilities"]["vdm_v2"]["status"] == "unknown"
    assert gamma["warehouseConnectionModes"] == ["cloud"]


def test_html_is_self_contained_and_escaped() -> None:
    page = matrix_html.render(fixture_matrix())
    assert page.startswith("<!DOCTYPE html>")
    lowered = page.lower()
    for remote in ("http://", "https://", "//cdn", "<link", "src="):
        assert remote not in lowered
    assert "Zeta &lt;b&gt;Lists&lt;/b&gt; &amp; &quot;Co&quot; | Ltd" in page
    assert "<b>Lists" not in page
    assert page.count('<tr data-folder="') == 6
    assert page == matrix_html.render(fixture_matrix())  # no timestamps


def test_cli_formats_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.html"
    assert main(["matrix", str(DESTINATIONS), "--format", "html", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("<tr data-folder=") == 6
    assert main(["matrix", str(DESTINATIONS), "--format", "csv", "--only", "vdm-v1",
                 "--name", "g*"]) == 0
    captured = capsys.readouterr().out.splitlines()
    assert len(captured) == 2 and captured[1].startswith("Gamma Audience,GAMMA_RECORD,")


def test_cli_bad_only_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["matrix", str(DESTINATIONS), "--only", "vdm-v3"])
    assert exc.value.code == 2
    assert "--only" in capsys.readouterr().err


def test_cli_load_error_still_renders_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(DESTINATIONS / "alpha_retl", tmp_path / "alpha_retl")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "db-config.json").write_text('{"name": "BROKEN", "config": {', encoding="utf-8")
    assert main(["matrix", str(tmp_path), "--format", "csv"]) == 2
    captured = capsys.readouterr()
    assert "alpha_retl" in captured.out and "broken" not in captured.out
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and "broken/db-config.json" in errors[0]


# --- the real corpus --------------------------------------------------------------

def _corpus() -> Path:
    root = os.environ.get("CAPCHECK_CORPUS")
    if not root:
        pytest.skip("CAPCHECK_CORPUS is not set (path to integrations-config destinations)")
    return Path(root)


def _independent_counts(root: Path) -> dict[str, set[str]]:
    """Read every db-config.json directly, without capcheck's loaders."""
    sets: dict[str, set[str]] = {"all": set(), "retl": set(), "json_mapper": set(),
                                 "vdm_v1": set(), "record": set()}
    for db in sorted(root.glob("*/db-config.json")):
        folder = db.parent.name
        config = json.loads(db.read_text(encoding="utf-8")).get("config", {})
        sets["all"].add(folder)
        if "warehouse" in config.get("supportedSourceTypes", []):
            sets["retl"].add(folder)
            if config.get("disableJsonMapper") is not True:
                sets["json_mapper"].add(folder)
        if config.get("supportsVisualMapper") is True:
            sets["vdm_v1"].add(folder)
        declared = config.get("supportedMessageTypes") or {}
        lists = [declared] if isinstance(declared, list) else list(declared.values())
        flat: list[str] = []
        while lists:
            item = lists.pop()
            if isinstance(item, dict):
                lists.extend(item.values())
            elif isinstance(item, list):
                flat.extend(x for x in item if isinstance(x, str))
        if "record" in flat:
            sets["record"].add(folder)
    return sets


def test_corpus_matrix_counts_match_an_independent_reading() -> None:
    root = _corpus()
    expected = _independent_counts(root)
    result = run_audit([root])
    assert result.errors == []
    matrix = build(result.reports)
    assert {r.folder for r in matrix.rows} == expected["all"]
    assert len(expected["retl"]) == 178
    assert len(expected["vdm_v1"]) == 34
    assert len(expected["record"]) == 14

    def supported(cap: str) -> set[str]:
        return {r.folder for r in matrix.rows if r.cell(cap).status == "supported"}

    assert supported("retl") == expected["retl"]
    assert supported("json_mapper") == expected["json_mapper"]
    assert supported("vdm_v1") == expected["vdm_v1"]
    assert {r.folder for r in build(result.reports, only=["vdm-v2"]).rows} == expected["record"]
    summary = matrix.summary
    assert summary["retl"]["supported"] == 178
    assert summary["json_mapper"]["supported"] == len(expected["json_mapper"])
    assert summary["vdm_v2"]["declared, code not examined"] == 14
    assert sum(summary["vdm_v1"].values()) == len(expected["all"])
    names = [r.display_name.casefold() for r in matrix.rows]
    assert names == sorted(names)
