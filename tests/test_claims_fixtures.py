"""Precision and recall of the claim reader over the fixture suite (tests/fixtures/claims).

Precision must be 100% (a false claim becomes a false contradiction in CI); recall on
the labelled shapes (everything but free prose) at least 95%. The figures are printed
(``pytest -s``) and by ``python bench/bench_claims.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from claims_suite import SHAPES, SUITE, Case, SuiteError, load_case, load_suite, score

from capcheck.model import Status


def test_the_suite_is_large_and_varied() -> None:
    cases = load_suite()
    assert len(cases) >= 40
    shapes = {e.shape for case in cases for e in case.expected}
    assert shapes == SHAPES  # every style has at least one expected claim
    assert sum(1 for case in cases if not case.expected) >= 5  # documents with no claim


def test_precision_is_total_and_labelled_recall_at_least_95_percent() -> None:
    result = score(load_suite())
    print("\n" + result.summary())
    assert result.false_claims == []
    assert result.precision == 1.0
    assert result.labelled_recall >= 0.95, result.missed


def test_the_scorer_counts_false_and_missed_claims() -> None:
    text = "# X RETL\n\n- **RETL**: Supported\n- **VDM v1**: No\n"
    wrong = Case("wrong", text, [])
    assert score([wrong]).precision == 0.0
    missed = load_case_from(text, "vdm_v2 | supported | label | **VDM v1**")
    result = score([missed])
    assert result.found == 0 and result.expected == 1 and result.read == 2


def load_case_from(text: str, expected: str, tmp: Path | None = None) -> Case:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        doc = Path(folder) / "case.md"
        doc.write_text(text, encoding="utf-8")
        doc.with_suffix(".expected").write_text(expected + "\n", encoding="utf-8")
        return load_case(doc)


def test_a_fragment_must_name_exactly_one_line() -> None:
    with pytest.raises(SuiteError, match="on 2 lines"):
        load_case_from("- RETL: yes\n- RETL: yes\n", "retl | supported | label | RETL: yes")


@pytest.mark.parametrize("case", load_suite(), ids=lambda c: c.name)
def test_each_document(case: Case) -> None:
    """Per document: no claim that is not expected (recall is measured over the suite)."""
    from capcheck.report.claims import parse_claims

    wanted = {e.key for e in case.expected}
    got = {(c.line, c.capability, c.status) for c in parse_claims(case.text)}
    assert got - wanted == set()
    labelled = {e.key for e in case.expected if e.shape != "prose"}
    assert all(isinstance(k[2], Status) for k in got)
    assert len(labelled - got) <= max(1, len(labelled) // 20)


def test_suite_folder_has_a_sidecar_per_document() -> None:
    docs = {p.stem for p in SUITE.glob("*.md")}
    sidecars = {p.stem for p in SUITE.glob("*.expected")}
    assert docs == sidecars
