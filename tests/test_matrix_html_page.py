"""The HTML matrix page as text: self-contained, escaped, byte-stable, and its data.

(The page in a real browser: tests/test_matrix_browser.py.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from capcheck.cli import main
from capcheck.render import matrix_csv, matrix_html, matrix_json, matrix_markdown
from capcheck.report.audit import run_audit
from capcheck.report.matrix import Matrix, build

FIXTURES = Path(__file__).parent / "fixtures"
MATRIX = FIXTURES / "matrix" / "destinations"
EXTRA = FIXTURES / "matrix_html" / "destinations"
TRANSFORMER = FIXTURES / "matrix" / "transformer"


def matrix(transformer: Path | None = TRANSFORMER) -> Matrix:
    result = run_audit([MATRIX, EXTRA], transformer)
    assert result.errors == []
    return build(result.reports)


def data_of(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="matrix-data">(.*?)</script>',
                      page, re.S)
    assert found
    value: dict[str, Any] = json.loads(found.group(1))
    return value


def csp_of(page: str) -> str:
    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert found
    return found.group(1)


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_page_is_self_contained_and_byte_stable() -> None:
    page = matrix_html.render(matrix())
    assert page == matrix_html.render(matrix())
    # every tag of the page is the renderer's own (data is escaped): none loads anything
    tags = re.findall(r"<[a-zA-Z][^>]*>", page)
    assert tags and not [t for t in tags if re.search(r"\s(src|srcset|action|data)=", t)]
    assert [t for t in tags if " href=" in t] == [t for t in tags if ' href="#i-' in t]
    assert not re.search(r"<(link|iframe|object|embed|img|base)\b", page, re.I)
    lowered = page.lower()
    for remote in ("http://", "//cdn", "url(", "@import"):
        assert remote not in lowered, remote
    # the fixture's remote image is there only as escaped text in the data block
    assert lowered.count("https://") == 1
    assert '\\u003cimg src=\\"https://example.invalid/pixel.png\\"\\u003e' in page


def test_csp_allows_exactly_the_inline_script_and_style() -> None:
    page = matrix_html.render(matrix())
    csp = csp_of(page)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(scripts) == 1 and len(styles) == 1
    assert directives["script-src"] == sha256(scripts[0])
    assert directives["style-src"] == sha256(styles[0])
    for directive in ("img-src", "connect-src", "font-src", "base-uri", "form-action"):
        assert directives[directive] == "'none'"
    assert " style=" not in page  # inline style attributes would be blocked


def test_every_value_is_escaped() -> None:
    page = matrix_html.render(matrix())
    assert "<script>document.title" not in page
    assert "<img" not in page and "<b>" not in page
    assert ("&lt;/script&gt;&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;"
            in page)
    assert "Zeta &lt;b&gt;Lists&lt;/b&gt; &amp; &quot;Co&quot; | Ltd" in page
    assert page.count("</script>") == 2  # the data block and the script, nothing else
    blob = re.search(r'id="matrix-data">(.*?)</script>', page, re.S)
    assert blob and not set("<>&") & set(blob.group(1))


def test_data_carries_reasons_evidence_and_connection() -> None:
    m = matrix()
    data = data_of(matrix_html.render(m))
    assert [r["folder"] for r in data["rows"]] == [r.folder for r in m.rows]
    omega = next(r for r in data["rows"] if r["folder"] == "omega_long")
    row = next(r for r in m.rows if r.folder == "omega_long")
    retl = omega["verdicts"][0]
    assert retl["capability"] == "retl" and retl["reason"] == row.cell("retl").message
    evidence = row.cell("retl").evidence[0]
    assert evidence.location is not None
    assert retl["evidence"][0] == {
        "fact": evidence.fact,
        "loc": {"pointer": evidence.location.pointer,  # the file is the definition's
                "where": f"db-config.json:{evidence.location.line}:{evidence.location.column}"},
    }
    assert evidence.location.file == f"{row.definition}/db-config.json"
    assert retl["variant"] is None  # the default variant
    assert omega["groups"] == {"retl": "supported", "json_mapper": "supported",
                               "vdm_v1": "supported", "vdm_v2": "unknown"}
    settings = omega["warehouse"]["settings"]
    assert [s["key"] for s in settings] == [
        "customerAccountIdentifier", "developerToken", "conversionActionName",
        "audienceListIdentifierForWarehouseSyncs", "hashRequiredPersonalData"]
    assert settings[1]["secret"] and settings[1]["required"]
    assert settings[3]["scope"] == "warehouse"
    assert settings[0]["loc"]["pointer"] == "/config/destConfig/defaultConfig/0"
    delta = next(r for r in data["rows"] if r["folder"] == "delta_plain")
    assert delta["warehouse"] is None and delta["groups"]["vdm_v2"] == "partial"
    assert delta["report"] is None


def test_state_groups_cover_every_state() -> None:
    from capcheck.report.matrix import STATE_ORDER

    for state in STATE_ORDER:
        assert matrix_html.group_of(state) in matrix_html.GROUPS
    assert matrix_html.group_of("partial: declared only") == "partial"
    assert matrix_html.group_of("declared, code not examined") == "declared"


def test_chart_and_chips_count_each_state() -> None:
    page = matrix_html.render(matrix(transformer=None))
    # VDM v2 without transformer code: 3 declared (epsilon, gamma, omega), 5 not supported
    assert re.search(r'data-cap="vdm_v2" data-group="declared" x="0.000%" y="\d+" '
                     r'width="37.500%"', page)
    chip = re.search(r'class="chip g-declared" data-cap="vdm_v2" data-group="declared".*?'
                     r'<span class="n">(\d+)</span>', page)
    assert chip and chip.group(1) == "3"
    # the main three chips exist for every capability, even at zero
    for cap in ("retl", "json_mapper", "vdm_v1", "vdm_v2"):
        for group in ("supported", "partial", "not-supported"):
            assert f'data-cap="{cap}" data-group="{group}" aria-pressed' in page
    assert 'data-cap="retl" data-group="not-applicable" aria-pressed' not in page


def test_report_links_are_relative_and_quoted() -> None:
    m = matrix()
    page = matrix_html.render(m, report_links={"beta_vdm": "beta_vdm/retl.md",
                                                "omega_long": "my docs/omega_long/retl.md"})
    reports = {r["folder"]: r["report"] for r in data_of(page)["rows"]}
    assert reports["beta_vdm"] == "beta_vdm/retl.md"
    assert reports["omega_long"] == "my%20docs/omega_long/retl.md"
    assert reports["alpha_retl"] is None


def test_cli_links_reports_only_when_docs_are_beside(tmp_path: Path) -> None:
    alone = tmp_path / "alone.html"
    assert main(["matrix", str(MATRIX), "--format", "html", "-o", str(alone)]) == 0
    assert all(r["report"] is None for r in data_of(alone.read_text("utf-8"))["rows"])
    docs = tmp_path / "docs"
    assert main(["docs", str(MATRIX), "--out", str(docs)]) == 0
    (docs / "delta_plain" / "retl.md").unlink()  # a report that is not there is not linked
    page = docs / "matrix.html"
    assert main(["matrix", str(MATRIX), "--format", "html", "-o", str(page)]) == 0
    reports = {r["folder"]: r["report"] for r in data_of(page.read_text("utf-8"))["rows"]}
    assert reports["delta_plain"] is None
    assert reports["alpha_retl"] == "alpha_retl/retl.md"
    assert all((docs / v).is_file() for v in reports.values() if v)


def test_duplicate_folders_get_distinct_keys(tmp_path: Path) -> None:
    import shutil

    for root in ("a", "b"):
        shutil.copytree(MATRIX / "alpha_retl", tmp_path / root / "alpha_retl")
    m = build(run_audit([tmp_path / "a", tmp_path / "b"]).reports)
    keys = [r["key"] for r in data_of(matrix_html.render(m))["rows"]]
    assert keys == ["alpha_retl", "alpha_retl~2"]


def test_other_matrix_outputs_do_not_show_the_new_row_fields() -> None:
    m = matrix()
    for text in (matrix_markdown.render(m), matrix_csv.render(m), matrix_json.render(m)):
        assert "customerAccountIdentifier" not in text  # connection settings: HTML only
        assert "/config/supportedSourceTypes" not in text  # evidence: HTML only
