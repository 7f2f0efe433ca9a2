"""The JS comment/string blanking keeps offsets and handles the edge cases of the
character-by-character reading it replaced."""

from __future__ import annotations

import pytest

from capcheck.load.transformer import scan_code_text, strip_js_comments


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("a // c 'record'\nb", "a              \nb"),
        ("x /* a\n 'record' */ y", "x     \n             y"),
        ("/*/ still comment */z", "                    z"),
        ("'record' + 'other'", "'record' + '     '"),
        ("'Track'", "'Track'"),
        ("'it\\'s' === 'page'", "'     ' === 'page'"),
        ("'open\nnext", "'    \nnext"),  # an ordinary string ends at its line
        ("'a\\\nb' c", "'  \n ' c"),  # an escaped line break continues it
        ("`multi\nline ${x}` y", "`     \n         ` y"),
        ("\"unterminated\\", "\"             "),  # a backslash at the very end
        ("'// not a comment' x", "'                ' x"),
        ("/* open comment", "               "),
    ],
)
def test_blanking(code: str, expected: str) -> None:
    assert strip_js_comments(code) == expected
    assert len(strip_js_comments(code)) == len(code)


def test_hits_after_multiline_strings_keep_their_lines() -> None:
    code = "const s = `a\nb\nc`;\n\nif (type === 'record') {}\n"
    hits = scan_code_text(code, "x.js")
    assert [(h.event_type, h.location.line, h.location.column) for h in hits] == [
        ("record", 5, 10)
    ]


def test_case_folding_characters_still_match_case_insensitive_patterns() -> None:
    # re.IGNORECASE reads the long s as 's' and the Kelvin sign as 'k': gates must too
    hits = scan_code_text("switch (t) { ca\u017fe 'trac\u212a': break }", "x.js")
    assert [h.event_type for h in hits] == ["track"]
    hits = scan_code_text("if (EventType.TRAC\u212a) {}", "x.js")
    assert [h.event_type for h in hits] == ["track"]
