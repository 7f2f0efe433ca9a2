"""render.terminal: escaping, colour decision, plurals, tables that fit a width."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capcheck.render.terminal import escape_controls, fit_table, plural, use_color, wrap_text


@pytest.mark.parametrize("raw, shown", [
    ("a\nb", "a\\nb"),
    ("a\rb", "a\\rb"),
    ("\x1b[2J", "\\x1b[2J"),
    ("\x07bell\x7f", "\\x07bell\\x7f"),
    ("\x9b", "\\x9b"),  # C1 CSI
    ("abc\u202edef", "abc\\u202edef"),  # right-to-left override
    ("\u2028", "\\u2028"),
    ("\ud800", "\\ud800"),  # a lone surrogate would crash the encoder
    ("tab\tstays", "tab\tstays"),
    ("émoji ✅ 日本", "émoji ✅ 日本"),
])
def test_escape_controls(raw: str, shown: str) -> None:
    assert escape_controls(raw) == shown
    escape_controls(raw).encode("utf-8")  # always encodable


@given(st.text())
def test_escaped_text_is_one_safe_line(text: str) -> None:
    out = escape_controls(text)
    assert "\n" not in out and "\r" not in out and "\x1b" not in out
    out.encode("utf-8")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env, choice, stream, expected", [
    ({}, "auto", io.StringIO(), False),
    ({}, "auto", _Tty(), True),
    ({"TERM": "dumb"}, "auto", _Tty(), False),
    ({"NO_COLOR": "1"}, "auto", _Tty(), False),
    ({"FORCE_COLOR": "1"}, "auto", io.StringIO(), True),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, "auto", _Tty(), False),
    ({"NO_COLOR": "1"}, "always", io.StringIO(), True),
    ({"FORCE_COLOR": "1"}, "never", _Tty(), False),
])
def test_use_color(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], choice: str,
                   stream: io.StringIO, expected: bool) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert use_color(choice, stream) is expected


def test_plural() -> None:
    assert [plural(n, "report") for n in (0, 1, 2)] == ["0 reports", "1 report", "2 reports"]
    assert plural(1, "event") == "1 event" and plural(3, "event") == "3 events"


words = st.text(alphabet="abcdefghij/-_.", min_size=1, max_size=30)
cells = st.lists(words, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(words, cells, cells), min_size=1, max_size=8),
       st.integers(min_value=40, max_value=160))
def test_fit_table_fits_and_keeps_every_character(rows: list[tuple[str, str, str]],
                                                  width: int) -> None:
    lines = fit_table(["Code", "Why", "Evidence"], [list(r) for r in rows], width,
                      wrap=(1, 2, 0))
    assert all(len(line) <= width for line in lines)
    assert all(line == line.rstrip() for line in lines)
    shown = "".join("".join(line.split()) for line in lines)
    for row in rows:
        for cell in row:
            for word in cell.split():
                # a word may be broken across lines, but nothing is dropped
                assert all(ch in shown for ch in word)
    joined = "".join(lines[2:]).replace(" ", "")
    assert len(joined) == sum(len("".join(c.split())) for r in rows for c in r)


def test_wrap_text_indents_continuations() -> None:
    lines = wrap_text("Source types: " + ", ".join(["warehouse"] * 10), 40)
    assert len(lines) > 1 and all(len(line) <= 40 for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])
