"""capcheck rule: one rule's documentation, the table of all rules, the docs page."""

from __future__ import annotations

import pytest

from capcheck import exitcodes
from capcheck.checks import all_rules
from capcheck.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["rule", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_one_rule_prints_code_name_severity_summary_and_doc(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "CAP101")
    assert (code, err) == (exitcodes.OK, "")
    lines = out.splitlines()
    assert lines[:3] == [
        "CAP101 visual-mapper-without-warehouse",
        "Severity: error",
        "Summary: supportsVisualMapper is true but supportedSourceTypes lacks warehouse",
    ]
    assert "**Failing example:**" in out and "**Passing example:**" in out
    assert '"supportsVisualMapper": true' in out


def test_code_is_case_insensitive_and_names_work(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cap109")
    assert code == exitcodes.OK and out.startswith("CAP109 unknown-key\n")
    code, out, _ = run(capsys, "duplicate-key")
    assert code == exitcodes.OK and out.startswith("CAP002 duplicate-key\n")


def test_unknown_code_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "CAP999")
    assert code == exitcodes.USAGE
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("capcheck rule: error: unknown rule 'CAP999' (known: CAP000, CAP001,")


def test_list_all_rules_as_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == exitcodes.OK
    lines = out.splitlines()
    assert [c.strip() for c in lines[0].split("|")[1:5]] == ["Code", "Severity", "Name",
                                                           "Summary"]
    rows = [[c.strip() for c in line.split("|")[1:5]] for line in lines[2:]]
    from capcheck.checker import known_rules

    catalogue = known_rules(all_rules())
    assert rows == [[r.code, r.severity.value, r.name, r.summary] for r in catalogue]
    # every rule module, plus the codes the engine itself produces
    assert {m.CODE for m in all_rules()} < {r.code for r in catalogue}


def test_markdown_docs_page_lists_every_rule_with_its_doc(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "markdown")
    assert code == exitcodes.OK
    assert out.startswith("# capcheck check rules\n")
    for rule in all_rules():
        heading = (rule.__doc__ or "").strip().splitlines()[0]
        assert f"\n#{heading}\n" in out  # each rule's heading, one level down
        assert f"| {rule.SEVERITY.value} | {rule.NAME} |" in out
    assert out.count("**Failing example") == len(all_rules())
    # byte-stable
    assert run(capsys, "--format", "markdown")[1] == out


def test_markdown_anchors_match_headings(capsys: pytest.CaptureFixture[str]) -> None:
    from capcheck.checker import known_rules
    from capcheck.render import rules_doc

    catalogue = known_rules(all_rules())
    page = rules_doc.render_markdown(catalogue)
    assert {r.code for r in catalogue} >= {"CAP000", "CAP900", "CAP901", "CAP902"}
    for rule in catalogue:
        anchor = rules_doc.anchor(rule)
        assert f"(#{anchor})" in page
        assert anchor.startswith(rule.code.lower() + "-" + rule.name)


def test_engine_codes_are_documented_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "CAP900")
    assert code == exitcodes.OK
    assert out.startswith("CAP900 capability-changed\nSeverity: error\n")
    assert "capcheck lock" in out
