"""What text printed to a terminal needs: safe characters, colour, width, plurals.

- ``escape_controls``: control characters (C0 but tab, DEL, C1), bidirectional
  overrides and lone surrogates become visible escapes (``\\n``, ``\\x1b``,
  ``\\u202e``), so a value from a definition can neither fake a CI annotation, nor
  clear the terminal, nor reorder what a reader sees, nor crash the encoder.
- ``use_color``: ``--color always|never|auto``; ``auto`` is off when ``NO_COLOR`` is set
  and not empty, on when ``FORCE_COLOR`` is set and not empty, else on only when the
  stream is a terminal (and ``TERM`` is not ``dumb``). The order is CPython's own.
- ``width``: the terminal's columns (``COLUMNS`` wins; 100 when not a terminal).
- ``fit_table``: a plain-text table that fits a width, wrapping the columns that may
  wrap (descriptions) instead of cutting them.

Standard library and ``capcheck.escape`` only: imported by ``capcheck rule`` and by
every text renderer.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence

from capcheck.escape import terminal

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import TextIO

DEFAULT_WIDTH = 100

def escape_controls(text: str) -> str:
    """``text`` with every character that could act on a terminal or log made visible
    (``capcheck.escape.terminal``, without its line-length cut)."""
    return terminal(text, limit=sys.maxsize)


# What JSON may carry raw but a terminal would act on: DEL, C1, separators, bidi
# controls, and lone surrogates (which cannot even be encoded). json.dumps already
# escapes C0.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str, json_text: bool = False) -> str:
    """A whole rendered output made safe to print. Line breaks are kept; in JSON the
    unsafe characters become ``\\uXXXX`` escapes, so the document still parses to the
    same values; in any other format they are escaped as ``escape_controls`` does."""
    if json_text:
        if text.isascii() and "\x7f" not in text:  # the usual output: nothing to escape
            return text
        return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return "\n".join(escape_controls(line) for line in text.split("\n"))


def use_color(choice: str = "auto", stream: TextIO | None = None) -> bool:
    """Whether to colour output written to ``stream`` (see the module docstring)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if stream is None or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


_SGR = {"bold": "1", "red": "31", "yellow": "33", "cyan": "36", "dim": "2"}


def paint(text: str, *styles: str, color: bool = True) -> str:
    """``text`` in the given styles (``bold``, ``red``...) when ``color``."""
    if not color or not styles:
        return text
    codes = ";".join(_SGR[s] for s in styles)
    return f"\x1b[{codes}m{text}\x1b[0m"


def width(default: int = DEFAULT_WIDTH) -> int:
    """Columns available: ``COLUMNS``, else the terminal's width, else ``default``."""
    import shutil  # its import (bz2, lzma) is paid only where a width is asked for

    columns = shutil.get_terminal_size((default, 24)).columns
    return max(columns, 40)


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """``1 report``, ``2 reports``, ``0 reports``."""
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"


def _wrap(text: str, limit: int) -> list[str]:
    """Word-wrap ``text`` to ``limit`` columns; a longer word is split (after a ``/`` or
    ``-`` when it holds one)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > limit:
            if line:
                lines.append(line)
                line = ""
            # paths break after a slash, kebab-case names after a hyphen
            cut = max(word.rfind("/", 0, limit), word.rfind("-", 0, limit)) + 1 or limit
            lines.append(word[:cut])
            word = word[cut:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= limit:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def wrap_text(text: str, max_width: int, indent: str = "  ") -> list[str]:
    """``text`` (escaped) word-wrapped to ``max_width``; continuation lines indented."""
    first, *rest = _wrap(escape_controls(text), max_width)
    if not rest:
        return [first]
    return [first, *(indent + line for line in _wrap(" ".join(rest), max_width - len(indent)))]


def fit_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    max_width: int,
    wrap: Sequence[int] = (),
    gap: int = 2,
) -> list[str]:
    """Rows as aligned plain-text lines no wider than ``max_width`` where possible.

    Columns listed in ``wrap`` give up width (the widest first) and are word-wrapped onto
    continuation lines (at spaces first; words are broken only when that is not
    enough); other columns keep their natural width. Cells are
    escaped (``escape_controls``) and flattened to one line before measuring. Trailing
    spaces are never printed.
    """
    head = [escape_controls(" ".join(h.split())) for h in headers]
    body = [[escape_controls(" ".join(str(c).split())) for c in row] for row in rows]
    ncols = len(head)
    natural = [max([len(head[i])] + [len(r[i]) for r in body]) for i in range(ncols)]
    widths = list(natural)
    budget = max_width - gap * (ncols - 1)
    shrinkable = [i for i in wrap if 0 <= i < ncols]

    def longest_word(texts: Sequence[str]) -> int:
        return max((len(w) for t in texts for w in t.split()), default=1)

    # First wrap at spaces only (no column narrower than its longest word), then, if
    # that is not enough, break words down to the longest word of the header.
    floors = [
        {i: longest_word([head[i], *(r[i] for r in body)]) for i in shrinkable},
        {i: max(longest_word([head[i]]), 6) for i in shrinkable},
        {i: 4 for i in shrinkable},  # a very narrow terminal: headers break too
    ]
    for floor in floors:
        while sum(widths) > budget:
            candidates = [i for i in shrinkable if widths[i] > floor[i]]
            if not candidates:
                break
            # the widest gives up a column; on a tie, the one listed first in ``wrap``
            widest = max(candidates, key=lambda i: (widths[i], -shrinkable.index(i)))
            widths[widest] -= 1
    out: list[str] = []

    def emit(cells: Sequence[str]) -> None:
        wrapped = [_wrap(c, widths[i]) if i in shrinkable else [c] for i, c in enumerate(cells)]
        for k in range(max(len(w) for w in wrapped)):
            parts = [(w[k] if k < len(w) else "").ljust(widths[i]) for i, w in enumerate(wrapped)]
            out.append((" " * gap).join(parts).rstrip())

    emit(head)
    out.append((" " * gap).join("-" * w for w in widths))
    for row in body:
        emit(row)
    return out
