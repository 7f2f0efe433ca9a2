"""verify-claims on real data (skipped when CAPCHECK_CORPUS is unset): the generated docs
of the whole corpus read back with 0 contradictions, and the stale seed report is caught."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from capcheck.publish import docs as docsgen
from capcheck.report.audit import AuditResult, run_audit

# the stale upstream MoEngage report (read-only real data; skipped when absent)
SEED = Path(os.environ.get("CAPCHECK_SEED_REPORT",
                           "/work/shared/seeds/000_e8b776b323b03f4d.txt"))


def _corpus() -> Path:
    root = os.environ.get("CAPCHECK_CORPUS")
    if not root:
        pytest.skip("CAPCHECK_CORPUS is not set")
    return Path(root)


def _transformer() -> Path | None:
    value = os.environ.get("CAPCHECK_TRANSFORMER")
    return Path(value) if value else None


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, AuditResult]:
    """The corpus docs, generated with the transformer when one is given."""
    corpus = _corpus()
    audited = run_audit([corpus], _transformer(), [], {}, portable=True)
    out = tmp_path_factory.mktemp("docs")
    docsgen.write(docsgen.generate(audited.reports).files, out)
    return out, audited


def _no_contradiction(folder: Path, audited: AuditResult) -> None:
    result = docsgen.verify_claims(folder, audited.reports)
    assert result.errors == []
    assert result.documents == len(audited.reports) > 200
    assert result.checked > 5 * result.documents
    assert [c.lines()[0] for c in result.contradictions] == []


def test_generated_docs_of_the_corpus_read_back_without_contradiction(
    generated: tuple[Path, AuditResult],
) -> None:
    _no_contradiction(*generated)


def test_generated_docs_agree_with_an_audit_without_the_transformer(
    generated: tuple[Path, AuditResult],
) -> None:
    folder, _ = generated
    _no_contradiction(folder, run_audit([_corpus()], None, [], {}))


def test_the_seed_report_is_stale_on_retl(tmp_path: Path) -> None:
    corpus = _corpus()
    if not SEED.is_file():
        pytest.skip(f"{SEED} is not available")
    report = tmp_path / "moengage" / "retl.md"
    report.parent.mkdir()
    shutil.copyfile(SEED, report)
    audited = run_audit([corpus / "moengage"], None, [], {})
    result = docsgen.verify_claims(tmp_path, audited.reports)
    stale = {(c.claim.capability, c.claim.status.value, c.verdict.status.value)
             for c in result.contradictions}
    assert ("retl", "not supported", "supported") in stale
    assert {c.claim.capability for c in result.contradictions} <= {"retl", "json_mapper"}
