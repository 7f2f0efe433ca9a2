"""Generated RETL docs (byte-stable, --check) and --verify-claims with the claim parser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from capcheck.cli import main
from capcheck.model import Status
from capcheck.publish.docs import MARKER
from capcheck.report.claims import parse_claims

HERE = Path(__file__).parent
MATRIX_DEFS = HERE / "fixtures" / "matrix" / "destinations"
DOCS = HERE / "fixtures" / "docs"
MOENGAGE_DEFS = DOCS / "definitions"
STALE = DOCS / "claims" / "stale"
CURRENT = DOCS / "claims" / "current"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    out = tmp_path / "docs"
    assert main(["docs", str(MATRIX_DEFS), "--out", str(out)]) == 0
    return out


def test_docs_writes_one_report_per_destination_and_an_index(docs_dir: Path) -> None:
    files = tree(docs_dir)
    assert sorted(files) == [
        "alpha_retl/retl.md", "beta_vdm/retl.md", "delta_plain/retl.md",
        "epsilon_declared/retl.md", "gamma_record/retl.md", "index.md", "zeta_escape/retl.md",
    ]
    index = files["index.md"].decode()
    assert "| [Gamma Audience](gamma_record/retl.md) | `GAMMA_RECORD` |" in index
    beta = files["beta_vdm/retl.md"].decode()
    assert "# beta Vision RETL Functionality" in beta
    assert "**RETL (Reverse ETL) Support**: **Supported**" in beta
    # evidence is relative to the input root's parent, never machine-specific
    assert "(destinations/beta_vdm/db-config.json:" in beta
    assert str(HERE) not in beta and "\\" not in beta.split("```")[0].replace("\\|", "")


def test_docs_twice_gives_identical_bytes(
    docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tree(docs_dir)
    mtimes = {p: p.stat().st_mtime_ns for p in docs_dir.rglob("*.md")}
    assert main(["docs", str(MATRIX_DEFS), "--out", str(docs_dir)]) == 0
    assert tree(docs_dir) == first
    assert {p: p.stat().st_mtime_ns for p in docs_dir.rglob("*.md")} == mtimes
    # from another working directory, with a relative path: the same bytes
    monkeypatch.chdir(MATRIX_DEFS.parent)
    other = tmp_path / "other"
    assert main(["docs", "destinations", "--out", str(other)]) == 0
    assert tree(other) == first


def test_check_passes_when_current(docs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["docs", str(MATRIX_DEFS), "--out", str(docs_dir), "--check"]) == 0
    assert capsys.readouterr().out == ""


def _check(docs_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    before = tree(docs_dir)
    code = main(["docs", str(MATRIX_DEFS), "--out", str(docs_dir), "--check"])
    assert tree(docs_dir) == before  # --check writes nothing
    return code, capsys.readouterr().out


def test_check_catches_an_edited_file(docs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = docs_dir / "alpha_retl" / "retl.md"
    report.write_text(report.read_text().replace("**Supported**", "**Not Supported**", 1))
    code, diff = _check(docs_dir, capsys)
    assert code == 1
    assert "--- a/alpha_retl/retl.md\n+++ b/alpha_retl/retl.md\n" in diff
    assert "-**RETL (Reverse ETL) Support**: **Not Supported**\n" in diff
    assert "+**RETL (Reverse ETL) Support**: **Supported**\n" in diff


def test_check_catches_a_missing_file(docs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (docs_dir / "index.md").unlink()
    code, diff = _check(docs_dir, capsys)
    assert code == 1
    assert "--- /dev/null\n+++ b/index.md\n" in diff


def test_check_catches_an_extra_file(docs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = docs_dir / "retired_destination" / "retl.md"
    extra.parent.mkdir()
    # a report capcheck generated earlier (it carries the marker), now stale
    extra.write_text(f"{MARKER}\n\n# Retired RETL Functionality\n")
    (docs_dir / "notes.md").write_text("hand-written, not ours\n")  # not generated-looking
    code, diff = _check(docs_dir, capsys)
    assert code == 1
    assert "--- a/retired_destination/retl.md\n+++ /dev/null\n" in diff
    assert "notes.md" not in diff
    # writing removes the stale report and leaves other files alone
    assert main(["docs", str(MATRIX_DEFS), "--out", str(docs_dir)]) == 0
    assert not extra.parent.exists() and (docs_dir / "notes.md").exists()
    assert _check(docs_dir, capsys) == (0, "")


def test_docs_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", str(MATRIX_DEFS)]) == 2
    assert "capcheck: error: -o/--output DIR is required" in capsys.readouterr().err
    assert main(["docs", "--verify-claims", str(STALE), "--out", str(tmp_path)]) == 2
    assert main(["docs", "--verify-claims", str(tmp_path / "nope")]) == 2
    (tmp_path / "file").write_text("x")
    assert main(["docs", str(MATRIX_DEFS), "--out", str(tmp_path / "file")]) == 2


# --- verify-claims ----------------------------------------------------------------

def test_verify_claims_flags_the_stale_moengage_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["docs", "--verify-claims", str(STALE), str(MOENGAGE_DEFS)]) == 1
    out = capsys.readouterr().out.splitlines()
    heads = [line for line in out if not line.startswith("    ")]
    stale = STALE.joinpath("moengage.md").as_posix()
    assert heads == [
        f"{stale}:5: RETL: not supported contradicts computed supported "
        "(`warehouse` is a supported source type)",
        f"{stale}:12: JSON Mapper: not applicable contradicts computed supported "
        "(RETL is supported and `disableJsonMapper` is not set)",
        f"{stale}:34: RETL: not supported contradicts computed supported "
        "(`warehouse` is a supported source type)",
    ]
    evidence = out[1]
    assert evidence.startswith("    evidence: `/config/supportedSourceTypes` includes `warehouse`")
    assert evidence.endswith("moengage/db-config.json:11:7)")  # the line listing warehouse


def test_verify_claims_passes_a_correct_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--verify-claims", str(CURRENT), str(MOENGAGE_DEFS)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "1 report, 8 claims checked, 0 contradictions" in captured.err


def test_generated_docs_agree_with_their_own_claims(
    docs_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["docs", "--verify-claims", str(docs_dir), str(MATRIX_DEFS)]) == 0
    err = capsys.readouterr().err
    assert "6 reports," in err and " 0 contradictions" in err


def test_verify_claims_unmatched_report_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "unknown.md").write_text("# Nowhere RETL Functionality\n\n- **VDM V1**: Yes\n")
    assert main(["docs", "--verify-claims", str(tmp_path), str(MOENGAGE_DEFS)]) == 2
    assert "unknown.md:1: no audited destination matches" in capsys.readouterr().err


def test_verify_claims_maps_by_folder_name(tmp_path: Path) -> None:
    doc = tmp_path / "moengage" / "retl.md"
    doc.parent.mkdir()
    doc.write_text("# Notes\n\n- **RETL**: No\n")
    assert main(["docs", "--verify-claims", str(tmp_path), str(MOENGAGE_DEFS)]) == 1


def test_corpus_moengage_contradicts_the_stale_fixture() -> None:
    root = os.environ.get("CAPCHECK_CORPUS")
    if not root:
        pytest.skip("CAPCHECK_CORPUS is not set")
    assert main(["docs", "--verify-claims", str(STALE), str(Path(root) / "moengage")]) == 1


# --- the claim parser -------------------------------------------------------------

S, N, P, NA = Status.SUPPORTED, Status.NOT_SUPPORTED, Status.PARTIAL, Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("line", "capability", "status"),
    [
        ("**RETL (Reverse ETL) Support**: **Not Supported**", "retl", N),
        ("**RETL (Reverse ETL) Support**: ✅ **Supported**", "retl", S),
        ("**retl (reverse etl) support** :   **not   supported**", "retl", N),
        ("- **VDM V1**: Supported (`supportsVisualMapper` is true)", "vdm_v1", S),
        ("* VDM v1: Unsupported", "vdm_v1", N),
        ("- **JSON Mapper**: Not applicable (no RETL support)", "json_mapper", NA),
        ("- `JSON Mapper`: N/A", "json_mapper", NA),
        ("- **VDM V2**: Partial (declared, not handled)", "vdm_v2", P),
        ("- **VDM-v2**: ❌", "vdm_v2", N),
        ("- VDM 2.0: ✅", "vdm_v2", S),
        ("- **Does not support RETL**: No warehouse source type", "retl", N),
        ("- **Doesn't support VDM v2**", "vdm_v2", N),
        ("- Supports VDM v1", "vdm_v1", S),
        ("- ❌ No VDM v2 support", "vdm_v2", N),
        ("- **RETL not supported**", "retl", N),
        ("- **VDM v2 (record)** — partially supported", "vdm_v2", P),
        ("| Visual Data Mapper | ✅ Yes |", "vdm_v1", S),
        ("1. **Reverse ETL**: yes", "retl", S),
        ("> **JSON mapper**: Disabled", "json_mapper", N),
    ],
)
def test_claim_wording_variations(line: str, capability: str, status: Status) -> None:
    claims = parse_claims(f"# Some RETL report\n\n{line}\n")
    assert [(c.line, c.capability, c.status) for c in claims] == [(3, capability, status)]


@pytest.mark.parametrize(
    ("heading", "answer", "capability", "status"),
    [
        ("### Does it have vdm v2 support?", "**Supported**: Yes", "vdm_v2", S),
        ("### Does it have vdm v2 support?", "**No** - missing both halves", "vdm_v2", N),
        ("### Does it have VDM support?", "**No** - flag absent", "vdm_v1", N),
        ("## Is RETL supported at all?", "Yes.", "retl", S),
        ("## Is RETL supported at all?", "✅ yes, via warehouse", "retl", S),
        ("### JSON Mapper support", "**Status**: Partial", "json_mapper", P),
        ("### Does it support the JSON Mapper?", "N/A - no RETL", "json_mapper", NA),
    ],
)
def test_answers_under_question_headings(
    heading: str, answer: str, capability: str, status: Status
) -> None:
    claims = parse_claims(f"{heading}\n\n{answer}\n\nNo. A second answer is prose.\n")
    assert [(c.line, c.capability, c.status) for c in claims] == [(3, capability, status)]


@pytest.mark.parametrize(
    "text",
    [
        "Since RETL is not supported, the following analysis applies.",  # a premise
        "- RETL requires warehouse source type support",
        "- **Note**: `warehouse` is not included, confirming no RETL support.",
        "- **VDM V2**: Unknown",
        "- **API Key**: MoEngage API key",
        "```\n- **RETL**: Supported\n```",  # fenced code
        "### Connection config\n\nNot applicable as RETL is not supported.",
        "- **RETL**: 178 supported, 61 not supported",
    ],
)
def test_non_claims_are_ignored(text: str) -> None:
    assert parse_claims(text) == []
