"""``capcheck docs --verify-claims DIR --explain``: what was read and what was skipped.

One block per document, lines in document order::

    docs/dub.md: destination dub: 1 claim read, 1 line skipped
      docs/dub.md:5: read RETL: not supported from "RETL is NOT supported" (agrees with
      computed not supported)
      docs/dub.md:9: skipped RETL: the capability is only the setting, not the subject:
      "- No batching happens in the RETL path"

Text copied from a document is escaped: control characters, bidirectional overrides and
line separators are shown as ``\\xNN`` / ``\\uNNNN`` so a report cannot rewrite the
terminal or hide text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from capcheck.model import CAPABILITIES
from capcheck.report.claims import Explained


def escape(text: str) -> str:
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char == "\\":
            out.append("\\\\")
        elif category in ("Cc", "Zl", "Zp") or (category == "Cf" and char != "\u200d"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _quote(text: str, limit: int = 120) -> str:
    text = escape(text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return '"' + text.replace('"', '\\"') + '"'


def _titles(caps: Iterable[str]) -> str:
    return ", ".join(CAPABILITIES.get(c, c) for c in caps)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def render(documents: Iterable[Explained]) -> str:
    out: list[str] = []
    for doc in documents:
        name = escape(doc.file)
        target = f"destination {escape(doc.destination)}" if doc.destination else \
            "no matching destination"
        summary = (f"{_count(len(doc.checked), 'claim')} read, "
                   f"{_count(len(doc.skipped), 'line')} skipped")
        note = f" ({doc.note})" if doc.note else ""
        out.append(f"{name}: {target}: {summary}{note}")
        entries: list[tuple[int, int, str]] = []
        for checked in doc.checked:
            claim = checked.claim
            entries.append((claim.line, 0, (
                f"  {name}:{claim.line}: read {claim.describe()} from "
                f"{_quote(claim.words or claim.text)} ({checked.outcome})")))
        for skip in doc.skipped:
            entries.append((skip.line, 1, (
                f"  {name}:{skip.line}: skipped {_titles(skip.capabilities)}: "
                f"{escape(skip.reason)}: {_quote(skip.text)}")))
        out.extend(text for _line, _kind, text in sorted(entries, key=lambda e: e[:2]))
    return "\n".join(out) + ("\n" if out else "")
