"""Escaping for every place a value from a definition can end up: terminal and CI log
lines, Markdown text / code spans / table cells, CSV cells, and error messages.

Definitions are written by strangers (capcheck runs on pull requests), so a name,
display name or key may hold HTML, backticks, pipes, line breaks, terminal escape
sequences or lone surrogates. Pure string functions, no imports from capcheck: every
layer may use them. All of them leave ordinary values unchanged.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, plus the Unicode line/paragraph separators and bidi
# overrides that reorder what a terminal or a review page shows.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
# For terminal lines: everything above but the tab, which forges nothing.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}

MAX_VALUE = 80
"""Characters of an offending value that an error message repeats."""

MAX_LINE = 2000
"""Characters of one printed line before it is cut."""


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def surrogates(text: str) -> str:
    """Lone surrogates (which cannot be encoded as UTF-8) as ``\\udXXX``: valid inside a
    JSON string, readable everywhere else."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def terminal(text: str, limit: int = MAX_LINE) -> str:
    """One printable line: control characters (newline, CR, ESC, ...) and lone
    surrogates made visible (``\\n``, ``\\x1b``, ``\\ud800``), cut past ``limit``."""
    if _UNPRINTABLE.search(text):
        text = _UNPRINTABLE.sub(_visible, text)
    return cut(surrogates(text), limit)


def terminal_lines(text: str, limit: int = MAX_LINE) -> str:
    """Like ``terminal`` for each line of ``text`` (line ends kept)."""
    if not _CONTROL.search(text) and not _SURROGATE.search(text) and "\r" not in text \
            and all(len(line) <= limit for line in text.split("\n")):
        return text
    return "".join(
        terminal(line, limit) + ("\n" if end else "")
        for line, end in _split_lines(text)
    )


def _split_lines(text: str) -> list[tuple[str, bool]]:
    parts = text.split("\n")
    return [(part, i < len(parts) - 1) for i, part in enumerate(parts)
            if i < len(parts) - 1 or part]


def cut(text: str, limit: int = MAX_VALUE) -> str:
    """``text`` cut to about ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    keep = max(limit - 30, 10)
    return f"{text[:keep]}... ({len(text) - keep} more characters)"


def short_repr(value: object, limit: int = MAX_VALUE) -> str:
    """``repr(value)`` for an error message: control characters visible, cut to
    ``limit``. Computing the repr of a huge value is avoided where possible."""
    if isinstance(value, str) and len(value) > 4 * limit:
        value = value[: 4 * limit]
        text = repr(value)[:-1] + "..."
    else:
        text = repr(value)
    return cut(terminal(text, limit=10 * limit), limit)


# -- Markdown -------------------------------------------------------------------------

# `<` always (it opens tags, comments and autolinks); `&` only where it starts a
# character reference (`&lt;`, `&#60;`): a bare `&` ("Dimensions & Metrics") renders
# as itself. `>` is kept: with every `<` escaped it cannot end a tag, and a value never
# starts a line, so it cannot open a quote ("Account -> Property" stays as written).
_HTML = re.compile(r"<|&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_HTML_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def md_text(text: str) -> str:
    """Plain text for Markdown: ``<`` and a ``&`` that would start a character
    reference as entities, line breaks and other control characters as spaces, lone
    surrogates visible. (Markup the caller writes around it is not touched.)"""
    text = surrogates(text)
    if _HTML.search(text):
        text = _HTML.sub(lambda m: _HTML_ENTITY[m.group()], text)
    if _CONTROL_OR_NEWLINE.search(text):
        text = _CONTROL_OR_NEWLINE.sub(" ", text)
    return text


def code_span(text: str) -> str:
    """``text`` as an inline code span that no backtick in it can close: the fence is
    longer than the longest backtick run inside, padded with spaces when the value
    starts or ends with a backtick (CommonMark)."""
    text = surrogates(text)
    if _CONTROL_OR_NEWLINE.search(text):
        text = _CONTROL_OR_NEWLINE.sub(" ", text)
    if "`" not in text:
        return f"`{text}`"
    longest = max(len(run) for run in re.findall(r"`+", text))
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table_cell(text: str) -> str:
    """Markdown that is safe inside a table cell: pipes escaped (also inside code
    spans, as GitHub requires; a backslash before one doubled so that it cannot undo
    the escape), line breaks flattened."""
    if "|" in text:
        text = re.sub(r"\\(?=\|)", r"\\\\", text).replace("|", "\\|")
    if _CONTROL_OR_NEWLINE.search(text):
        text = _CONTROL_OR_NEWLINE.sub(" ", text)
    return text


def md_cell(text: str) -> str:
    """Plain text inside a Markdown table cell."""
    return table_cell(md_text(text))


def code_cell(text: str) -> str:
    """A value as a code span inside a table cell."""
    return table_cell(code_span(text))


# -- CSV ------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP: prefix ``'``)."""
    text = surrogates(text)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
