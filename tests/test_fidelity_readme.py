"""The README's stale-report example shows the real output of its command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_readme_verify_claims_example_is_the_real_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Catching a stale report", 1)[1].split("\n## ", 1)[0]
    command, shown = re.findall(r"```(?:sh)?\n(.*?)```", section, flags=re.DOTALL)[:2]
    argv = command.strip().split()
    assert argv[:3] == ["capcheck", "docs", "--verify-claims"]
    monkeypatch.chdir(ROOT)
    code = main(argv[1:])
    out, err = capsys.readouterr()
    assert code == 1  # the stale claims are caught
    assert out + err == shown


def test_example_report_is_stale_against_the_bundled_definition() -> None:
    text = (ROOT / "examples" / "moengage-retl-stale.md").read_text(encoding="utf-8")
    assert "**RETL (Reverse ETL) Support**: **Not Supported**" in text
