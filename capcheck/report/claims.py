"""Parse the capability claims stated in hand-written RETL reports (Markdown).

A claim is "this document says capability C is supported / partial / not supported /
not applicable", with the line it was read from. The parser reads structured
statements only, never free prose:

- labelled lines: ``**RETL (Reverse ETL) Support**: **Not Supported**``,
  ``- **VDM V1**: Supported (...)``, ``- JSON Mapper: Not applicable (no RETL support)``,
  ``VDM v2: ✅``;
- verb-led labels or bullets: ``- **Does not support RETL**: ...``, ``- Supports VDM v1``,
  ``- ❌ No VDM v2 support``, ``- **RETL not supported**``;
- answers under a question heading that names a capability (``### Does it have vdm v2
  support?``, ``## Is RETL supported at all?``): the first of ``**Supported**: Yes``,
  ``**No** - ...``, ``Yes.``, ``✅ Partial`` ... in that section;
- table rows whose first cell names a capability: ``| VDM v2 | ❌ No |``.

Case, spacing, emphasis, backticks and emoji (✅ ❌ ⚠️ ...) do not matter. Fenced code
blocks are skipped. Answers: yes/supported/enabled/available, no/not supported/
unsupported/disabled/none, partial/partially, n/a/not applicable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from capcheck.model import CAPABILITIES, Status

CAPABILITY_TITLES = CAPABILITIES


@dataclass(frozen=True)
class Claim:
    line: int  # 1-based line in the document
    capability: str  # retl | json_mapper | vdm_v1 | vdm_v2
    status: Status  # SUPPORTED, PARTIAL, NOT_SUPPORTED or NOT_APPLICABLE
    text: str  # the line as written, stripped

    def describe(self) -> str:
        return f"{CAPABILITY_TITLES[self.capability]}: {self.status.value}"


# Emoji and symbols that stand for an answer are turned into words first.
_EMOJI_WORDS = (
    ("\u2705", " yes "), ("\u2714", " yes "), ("\u2611", " yes "), ("\U0001F7E2", " yes "),
    ("\u274c", " no "), ("\u274e", " no "), ("\u2716", " no "), ("\u2717", " no "),
    ("\u2718", " no "), ("\U0001F6AB", " no "), ("\u26d4", " no "), ("\U0001F534", " no "),
    ("\u26a0", " partial "), ("\U0001F7E1", " partial "), ("\U0001F7E0", " partial "),
)
_DROP = re.compile(r"[\ufe0f\u200d*_`~]")  # variation selectors, emphasis, code marks

_CAPABILITY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("vdm_v2", re.compile(r"\bvdm[\s-]*v?2(?:\.0)?\b|\bvisual\s+(?:data\s+)?mapper\s*v?2\b")),
    ("json_mapper", re.compile(r"\bjson[\s-]*mapper\b")),
    ("vdm_v1", re.compile(
        r"\bvdm[\s-]*v?1(?:\.0)?\b|\bvdm\b(?![\s-]*v?2)|\bvisual\s+(?:data\s+)?mapper\b"
        r"|\bsupportsvisualmapper\b")),
    ("retl", re.compile(r"\bretl\b|\breverse[\s-]+etl\b")),
)

_ANSWERS: tuple[tuple[Status, re.Pattern[str]], ...] = (
    (Status.NOT_APPLICABLE, re.compile(r"^(?:n/a|n\.a\.|na|not\s+applicable)(?![\w/])")),
    (Status.PARTIAL, re.compile(r"^(?:partial(?:ly)?|partly|limited)(?![\w/])")),
    (Status.NOT_SUPPORTED, re.compile(
        r"^(?:no|not\s+supported|unsupported|not\s+available|unavailable|disabled|false|none"
        r"|not\s+enabled|does\s+not|doesn't|missing)(?![\w/])")),
    (Status.SUPPORTED, re.compile(
        r"^(?:yes|supported|fully\s+supported|full\s+support|enabled|available|true"
        r"|supports)(?![\w/])")),
)

_GENERIC_LABELS = frozenset({
    "supported", "support", "status", "answer", "verdict", "result", "available",
    "supported?", "support status", "is it supported", "is it supported?",
})

# A label that reads as a sentence about support: "Does not support RETL", "No VDM v2
# support", "Supports VDM v1", "RETL not supported", "VDM v2 partially supported".
_VERB_LED = re.compile(
    r"^(?:does|doesn't|do|don't|supports?|no|not|lacks?|has|have|cannot|can't|fully|"
    r"partial(?:ly)?|full)\b|\b(?:(?:not|un|partially|fully)\s*)?supported$"
)
_NEGATION = re.compile(
    r"\b(?:not|no|doesn't|don't|cannot|can't|lacks?|without|unsupported|never)\b")
_PARTIAL = re.compile(r"\bpartial(?:ly)?\b|\bpartly\b")
_SUPPORT_WORD = re.compile(r"\bsupport(?:s|ed)?\b|\bunsupported\b")

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_LIST = re.compile(r"^\s*(?:>\s*)*(?:[-*+]|\d+[.)])\s+")
_QUOTE = re.compile(r"^\s*(?:>\s*)+")
_SEPARATORS = re.compile(r"\s+[-\u2013\u2014]\s+|\s*[:(]")


def normalize(text: str) -> str:
    """Lower-case text with emoji turned into words and emphasis/code marks dropped."""
    for symbol, word in _EMOJI_WORDS:
        text = text.replace(symbol, word)
    text = _DROP.sub("", text)
    return " ".join(text.lower().split())


def capability_in(text: str) -> str | None:
    norm = normalize(text)
    for cap, pattern in _CAPABILITY_PATTERNS:
        if pattern.search(norm):
            return cap
    return None


def answer_at_start(text: str) -> Status | None:
    """The answer a value starts with: ``Not Supported (...)`` -> NOT_SUPPORTED."""
    norm = normalize(text).lstrip(" -\u2013\u2014:.,;!")
    for status, pattern in _ANSWERS:
        if pattern.match(norm):
            return status
    return None


def verb_stance(label: str) -> Status | None:
    """The stance of a sentence-like label (``Does not support RETL``), else None."""
    norm = normalize(label).strip(" .:!")
    if norm.endswith("?") or not _VERB_LED.search(norm):
        return None
    if not _SUPPORT_WORD.search(norm) and not norm.startswith(("has ", "have ", "no ")):
        return None
    if _PARTIAL.search(norm):
        return Status.PARTIAL
    if _NEGATION.search(norm):
        return Status.NOT_SUPPORTED
    return Status.SUPPORTED


def _split_label(text: str) -> tuple[str, str] | None:
    """``**Label**: value`` -> (label, value) with emphasis dropped; None without a colon."""
    plain = _DROP.sub("", text)
    label, sep, value = plain.partition(":")
    if not sep or not label.strip() or len(label) > 80 or "//" in value[:2]:
        return None
    return label.strip(), value.strip()


def _heading_context(title: str) -> str | None:
    """The capability a heading asks about, when it is a question or about support."""
    norm = normalize(title)
    if "?" not in norm and not _SUPPORT_WORD.search(norm):
        return None
    return capability_in(norm)


def _table_claim(text: str) -> tuple[str, Status] | None:
    cells = [c.strip() for c in text.strip().strip("|").split("|")]
    if len(cells) < 2 or all(set(c) <= set("-: ") for c in cells):
        return None
    cap = capability_in(cells[0])
    if cap is None or len(normalize(cells[0])) > 40:
        return None
    status = answer_at_start(cells[1])
    return (cap, status) if status is not None else None


def parse_claims(text: str) -> list[Claim]:
    """Every claim in a Markdown document, in line order."""
    claims: list[Claim] = []
    context: str | None = None  # capability the current question heading asks about
    answered = False
    fence: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        fence_match = _FENCE.match(raw)
        if fence is not None:
            if fence_match and fence_match.group(1) == fence:
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            continue
        heading = _HEADING.match(raw)
        if heading:
            context, answered = _heading_context(heading.group(2)), False
            continue
        stripped = raw.strip()
        if not stripped:
            continue
        found = _line_claim(raw, context, answered)
        if found is None:
            continue
        cap, status = found
        claims.append(Claim(number, cap, status, stripped))
        if cap == context:
            answered = True
    return claims


def _line_claim(raw: str, context: str | None, answered: bool) -> tuple[str, Status] | None:
    if raw.lstrip().startswith("|"):
        return _table_claim(raw)
    is_list = bool(_LIST.match(raw))
    body = _LIST.sub("", raw, count=1) if is_list else _QUOTE.sub("", raw, count=1)
    emphasised = body.lstrip().startswith(("**", "__"))
    pair = _split_label(body)
    if pair is not None:
        label, value = pair
        cap = capability_in(label)
        if cap is not None:
            stance = verb_stance(label)
            if stance is None:
                stance = answer_at_start(value)
            return (cap, stance) if stance is not None else None
        generic = normalize(label).strip(" ?") in _GENERIC_LABELS
        if context is not None and not answered and (generic or answer_at_start(label)):
            stance = answer_at_start(value) if generic else None
            if stance is None:
                stance = answer_at_start(label)
            return (context, stance) if stance is not None else None
        return None
    if is_list or emphasised:
        whole = _DROP.sub("", body).strip()
        for phrase in (_SEPARATORS.split(whole, maxsplit=1)[0], whole):
            cap = capability_in(phrase)
            if cap is not None and len(phrase) <= 100:
                stance = verb_stance(phrase)
                if stance is not None:
                    return cap, stance
    if context is not None and not answered:
        stance = answer_at_start(body)
        if stance is not None:
            return context, stance
    return None
