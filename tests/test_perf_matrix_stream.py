"""The matrix is built one report at a time: same rows, columns and counts as from the
list of reports; formats other than HTML leave out what only the page shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from capcheck.cli import main
from capcheck.model import Report
from capcheck.records import replace
from capcheck.render import matrix_csv, matrix_json, matrix_markdown
from capcheck.report.audit import run_audit
from capcheck.report.matrix import build

FIXTURES = Path(__file__).parent / "fixtures" / "matrix"
DESTINATIONS = FIXTURES / "destinations"
TRANSFORMER = FIXTURES / "transformer"


def _reports() -> list[Report]:
    return run_audit([DESTINATIONS], TRANSFORMER).reports


def test_a_generator_of_reports_gives_the_same_matrix_as_the_list() -> None:
    reports = _reports()
    assert len(reports) > 2
    assert build(iter(reports)) == build(reports)


def test_without_page_details_rows_lose_only_evidence_and_connection() -> None:
    reports = _reports()
    full, lean = build(reports), build(reports, page_details=False)
    assert any(row.connection is not None for row in full.rows)
    assert any(cell.evidence for row in full.rows for cell in row.cells.values())
    assert all(row.connection is None for row in lean.rows)
    assert all(not cell.evidence for row in lean.rows for cell in row.cells.values())
    stripped = tuple(
        replace(row, connection=None,
                cells={k: replace(c, evidence=()) for k, c in row.cells.items()})
        for row in full.rows
    )
    assert lean.rows == stripped
    for module in (matrix_json, matrix_markdown, matrix_csv):
        assert module.render(lean) == module.render(full)


def test_extra_columns_in_folder_order_whatever_the_input_order() -> None:
    reports = _reports()
    # a made-up capability on two reports, seen first on the later folder when reversed
    first, last = reports[0], reports[-1]
    extra_a = replace(first.verdicts[0], capability="zz_a", title="ZZ A")
    extra_b = replace(last.verdicts[0], capability="zz_b", title="ZZ B")
    changed = [replace(first, verdicts=(*first.verdicts, extra_a)), *reports[1:-1],
               replace(last, verdicts=(*last.verdicts, extra_b))]
    in_order = [c.id for c in build(changed).columns]
    assert in_order[-2:] == ["zz_a", "zz_b"]
    reversed_input = list(reversed(changed))
    assert [c.id for c in build(reversed_input).columns][-2:] == ["zz_b", "zz_a"]
    assert [c.id for c in build(reversed_input, in_folder_order=True).columns] == in_order


def test_the_command_output_matches_the_matrix_of_the_audit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = matrix_json.render(build(_reports()))
    assert main(["matrix", str(DESTINATIONS), "--transformer", str(TRANSFORMER),
                 "--format", "json"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == expected.rstrip("\n")
