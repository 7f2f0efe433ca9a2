"""capcheck.escape: hostile values are neutralised, ordinary values pass unchanged."""

from __future__ import annotations

import re

import pytest

from capcheck.escape import (
    code_span,
    csv_cell,
    cut,
    md_text,
    short_repr,
    surrogates,
    table_cell,
    terminal,
    terminal_lines,
)

ORDINARY = ["Google Ads", "Set Custom Dimensions & Metrics", "Account -> Property",
            "snake_case", "x.y-z", "Ünïcödé 名前", "a\tb"]


@pytest.mark.parametrize("value", ORDINARY)
def test_ordinary_values_are_unchanged(value: str) -> None:
    assert terminal(value) == value
    assert md_text(value.replace("\t", " ")) == value.replace("\t", " ")
    assert table_cell(value.replace("\t", " ")) == value.replace("\t", " ")
    assert csv_cell(value) == value
    assert code_span(value.replace("\t", " ")) == f"`{value.replace(chr(9), ' ')}`"


@pytest.mark.parametrize("value", ["a`b", "``x", "x```", "` ` ``` `", "`"])
def test_code_spans_outlast_every_backtick_run(value: str) -> None:
    span = code_span(value)
    fence = re.match(r"`+", span).group()  # type: ignore[union-attr]
    assert span.endswith(fence)
    inner = span[len(fence):-len(fence)]
    assert max(len(run) for run in re.findall(r"`+", inner)) < len(fence)
    # CommonMark strips one space each side when both are there
    shown = inner[1:-1] if inner.startswith(" ") and inner.endswith(" ") else inner
    assert shown == value


def test_markdown_text_neutralises_html_and_references() -> None:
    assert md_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)>"
    assert md_text("&lt; &#60; &#x3c; & x") == "&amp;lt; &amp;#60; &amp;#x3c; & x"
    assert md_text("a\nb\r\nc") == "a b  c"


def test_table_cells_cannot_gain_a_column() -> None:
    assert table_cell("a|b") == "a\\|b"
    assert table_cell("a\\|b") == "a\\\\\\|b"  # the backslash cannot undo the escape
    assert table_cell("a\nb") == "a b"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x"])
def test_csv_formula_cells_are_neutralised(value: str) -> None:
    assert csv_cell(value) == "'" + value


def test_terminal_lines_show_control_characters() -> None:
    assert terminal("a\n::error::x\x1b[2J\x07\u202e") == "a\\n::error::x\\x1b[2J\\x07\\u202e"
    assert terminal_lines("one\ntwo\r\n") == "one\ntwo\\r\n"
    assert surrogates("a\ud800b") == "a\\ud800b"
    assert terminal("\udfff") == "\\udfff"


def test_long_values_are_cut() -> None:
    assert cut("x" * 10) == "x" * 10
    text = cut("x" * 10_000, 80)
    assert len(text) < 100 and text.endswith("(9950 more characters)")
    assert len(short_repr("y" * 1_000_000)) < 100
    assert short_repr("a\nb") == "'a\\nb'"
