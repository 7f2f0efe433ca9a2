"""Read the capability claims stated in hand-written RETL reports (Markdown).

A claim is "this document says capability C is supported / partial / not supported /
not applicable", with the line and the words it was read from. Precision comes first: a
line yields a claim only when a capability is the *subject* of a support statement;
anything else that merely names a capability is skipped, with the reason (``--explain``).

Shapes read (case, emphasis, backticks, link targets and emoji ✅ ❌ ⚠️ do not matter):

- labelled lines whose label is the capability: ``**RETL (Reverse ETL) Support**: **Not
  Supported**``, ``- VDM v1/v2: not supported`` (one claim per capability named), also
  when the value is a statement (``**RETL Support**: The destination does not support
  RETL.``), and inverted ones (``**Not supported:** VDM v1, VDM v2``);
- labels, bullets, bold text and prose sentences that are support statements whose
  subject is the capability or the destination: ``- **Does not support RETL**: ...``,
  ``- No VDM v1 or VDM v2 support``, ``Neither VDM v1 nor v2``, ``- ❌ VDM v2``,
  ``**RETL is NOT supported** for the Dub destination.``, ``VDM v2 — partially
  supported``, ``The Dub destination does not support RETL.``;
- a qualifying label is not a claim, its value may be: ``**JSON Mapper only**: no VDM v1
  or v2 support`` gives VDM v1 and VDM v2 "not supported" and nothing for the JSON Mapper;
- premise and conclusion: ``Does NOT have `supportsVisualMapper: true`, so VDM v1 is not
  supported`` and ``Because RETL is unavailable, the JSON Mapper is not applicable`` give
  the conclusion only;
- answers to a question about support (a heading such as ``### Does it have vdm v2
  support?`` or ``## RETL Support``, a label with no value, a question line): the first
  of ``**Supported**: Yes``, ``**No** - ...``, ``Yes.``, ``✅ Partial``, ``**A:** No`` in
  that section; a question with its answer on the same line (``**Is RETL supported?**
  No``, ``## Is VDM v2 supported? No``, ``## RETL Support: ✅``);
- tables: ``| VDM v2 | ❌ No |`` (the answer column is the only other column or the one
  headed Supported/Status/...), question rows, and one-row tables headed by capabilities.

Not read (skipped with a reason): negations about something else where the capability is
only the setting (``No batching happens in the RETL path``, ``Device mode is not
supported for RETL``, ``RETL events are not deduplicated``), statements restricted to a
scope or qualified (``RETL is not supported in device mode``, ``Yes, but only for ...``,
``Supported (declared only)``, ``Yes (v2)``), other subjects (``The SDK does not support
VDM v1``), questions without an answer, premises, checklists (a ticked box may mean
"reviewed"), tables of several destinations, parentheses and fenced code.

Claims are compared with computed states through ``COMPATIBLE`` (the table in README.md).
"""

from __future__ import annotations

import functools
import re

from capcheck.model import CAPABILITIES, Report, Status, Verdict
from capcheck.records import dataclass, field
from capcheck.report.matrix import (
    VDM2_CODE_ONLY,
    VDM2_DECLARED_ONLY,
    VDM2_DECLARED_UNCHECKED,
    vdm2_state,
)

CAPABILITY_TITLES = CAPABILITIES

_S, _P, _N, _NA = (Status.SUPPORTED, Status.PARTIAL, Status.NOT_SUPPORTED,
                   Status.NOT_APPLICABLE)

# "not supported" because `record` is not declared, with the code not examined: a
# handler may exist (partial, code only), but the platform never sends `record`.
VDM2_UNDECLARED_UNCHECKED = "not declared, code not examined"
# VDM v2 fully supported (its rule has a modelled partial state, unlike the others)
VDM2_FULL = "supported: declared and handled"

# Which claimed statuses are compatible with each computed state (the table in
# README.md). "Not supported" and "not applicable" both mean "cannot be used". A partial
# VDM v2 state cannot be used as it is: with `record` declared but no handler the events
# fail, with a handler but `record` undeclared the platform never sends them; so "not
# supported" is compatible there, and "supported" is a contradiction. A state whose
# deciding half was not examined is compatible with every claim: not verifiable. For a
# capability with no modelled partial state (RETL, JSON Mapper, VDM v1), "partial" or
# "limited" names limits capcheck does not model, so it is compatible with "supported".
COMPATIBLE: dict[str, frozenset[Status]] = {
    Status.SUPPORTED.value: frozenset({_S, _P}),
    VDM2_FULL: frozenset({_S}),
    Status.PARTIAL.value: frozenset({_P}),
    VDM2_DECLARED_ONLY: frozenset({_P, _N, _NA}),
    VDM2_CODE_ONLY: frozenset({_P, _N, _NA}),
    Status.NOT_SUPPORTED.value: frozenset({_N, _NA}),
    Status.NOT_APPLICABLE.value: frozenset({_N, _NA}),
    VDM2_UNDECLARED_UNCHECKED: frozenset({_P, _N, _NA}),
    VDM2_DECLARED_UNCHECKED: frozenset({_S, _P, _N, _NA}),
    Status.UNKNOWN.value: frozenset({_S, _P, _N, _NA}),
}
CLAIMABLE = frozenset({_S, _P, _N, _NA})


def computed_state(report: Report, verdict: Verdict) -> str:
    """The state a verdict is compared in: the refined VDM v2 state, else its status."""
    if verdict.capability == "vdm_v2":
        declared = any("record" in types for types in report.message_types.values())
        if (verdict.status is Status.NOT_SUPPORTED and not declared
                and not report.transformer.given):
            return VDM2_UNDECLARED_UNCHECKED
        if verdict.status is Status.SUPPORTED:
            return VDM2_FULL
        return vdm2_state(report, verdict.status)
    return verdict.status.value


def compatible(report: Report, verdict: Verdict) -> frozenset[Status]:
    return COMPATIBLE.get(computed_state(report, verdict), CLAIMABLE)


def verifiable(report: Report, verdict: Verdict) -> bool:
    """False when every claim would be compatible (unknown, code not examined)."""
    return compatible(report, verdict) != CLAIMABLE


@dataclass(frozen=True)
class Claim:
    line: int  # 1-based line in the document
    capability: str  # retl | json_mapper | vdm_v1 | vdm_v2
    status: Status  # SUPPORTED, PARTIAL, NOT_SUPPORTED or NOT_APPLICABLE
    text: str  # the line as written, stripped
    words: str = ""  # the words the claim was read from (emphasis dropped)

    def describe(self) -> str:
        return f"{CAPABILITY_TITLES[self.capability]}: {self.status.value}"


@dataclass(frozen=True)
class Skip:
    """A line that names a capability but yielded no claim about it."""

    line: int
    capabilities: tuple[str, ...]
    reason: str
    text: str


@dataclass
class Parsed:
    claims: list[Claim] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    """One claim read from a document and what became of it (for ``--explain``)."""

    claim: Claim
    outcome: str  # "agrees with ...", "contradicts ...", "not verifiable ..."


@dataclass
class Explained:
    """What was read from one document, and what was skipped."""

    file: str
    destination: str | None  # the matched destination's folder, None when unmatched
    checked: list[Checked] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    note: str = ""  # e.g. "no claims read"


# --- text preparation -----------------------------------------------------------------

_MARK_YES = "\u2705\u2714\u2611\U0001F7E2"
_MARK_NO = "\u274c\u274e\u2716\u2717\u2718\U0001F6AB\u26d4\U0001F534"
_MARK_PARTIAL = "\u26a0\U0001F7E1\U0001F7E0"
_MARKS = _MARK_YES + _MARK_NO + _MARK_PARTIAL
# our token character, variation selectors, joiners, control characters, bidi marks
_INVISIBLE = re.compile(
    r"[\ue000\ufe0f\u200d\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_EMPHASIS = re.compile(r"\*+|(?<![0-9A-Za-z])_+|_+(?![0-9A-Za-z])|~~|`")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_VDM_VERSIONS = re.compile(
    r"\b(vdm|visual\s+(?:data\s+)?mapper)\s*\(\s*(v?\s*[12](?:\s*(?:/|,|&|or|and)\s*"
    r"v?\s*[12])*)\s*\)", re.I)
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """Text with emphasis, code marks, link targets and variation selectors dropped, and
    ``VDM (v1/v2)`` written as ``VDM v1/v2``."""
    text = _INVISIBLE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    text = _VDM_VERSIONS.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
    return _SPACES.sub(" ", text).strip()


def _drop_parens(text: str) -> str:
    """``text`` without its balanced parentheses (and the spaces before them)."""
    if "(" not in text:
        return text
    spans: list[tuple[int, int]] = []  # outermost matched pairs, in order
    opened: list[int] = []
    for i, char in enumerate(text):
        if char == "(":
            opened.append(i)
        elif char == ")" and opened:
            start = opened.pop()
            while spans and spans[-1][0] >= start:  # an inner pair inside this one
                spans.pop()
            spans.append((start, i + 1))
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start].rstrip())
        pos = end
    out.append(text[pos:])
    return "".join(out)


# --- capability mentions ----------------------------------------------------------------

_VDM = r"(?:vdm|visual\s+(?:data\s+)?mapper)"
_MENTION = re.compile(
    r"(?P<vdm_v2>\b" + _VDM + r"[\s-]*(?:v(?:ersion)?\s*)?2(?:\.0)?\b)"
    r"|(?P<vdm_v1>\b" + _VDM + r"[\s-]*(?:v(?:ersion)?\s*)?1(?:\.0)?\b)"
    r"|(?P<json_mapper>\bjson[\s-]*mapper\b)"
    r"|(?P<retl>\bretl\b|\breverse[\s-]+etl\b)"
    r"|(?P<vdm>\b" + _VDM + r"\b)",
    re.IGNORECASE,
)
# "VDM v1 or v2", "VDM v1/v2", "neither VDM v1 nor v2": the version after a VDM mention
_VERSION_AFTER = re.compile(r"(\s*(?:/|,|&|\bor\b|\band\b|\bnor\b)\s*)v\s*([12])\b", re.I)
_TOKEN = "\ue000"  # stands for one capability mention in a skeleton


@dataclass(frozen=True)
class Skeleton:
    """A clause with each capability mention replaced by ``_TOKEN<n>``."""

    text: str
    caps: tuple[str, ...]
    words: tuple[str, ...] = ()  # each mention as written


def mentions(text: str) -> list[str]:
    return list(skeleton(text).caps)


def skeleton(text: str) -> Skeleton:
    out: list[str] = []
    caps: list[str] = []
    words: list[str] = []
    pos = 0
    while True:
        match = _MENTION.search(text, pos)
        if match is None:
            break
        kind = match.lastgroup or ""
        cap = "vdm_v1" if kind == "vdm" else kind
        out.append(text[pos:match.start()])
        out.append(f"{_TOKEN}{len(caps)}")
        caps.append(cap)
        words.append(match.group(0))
        pos = match.end()
        if cap.startswith("vdm"):
            while True:
                more = _VERSION_AFTER.match(text, pos)
                if more is None:
                    break
                out.append(more.group(1) + f"{_TOKEN}{len(caps)}")
                caps.append(f"vdm_v{more.group(2)}")
                words.append(more.group(0)[len(more.group(1)):])
                pos = more.end()
    out.append(text[pos:])
    return Skeleton("".join(out), tuple(caps), tuple(words))


def capability_in(text: str) -> str | None:
    """The first capability named in ``text`` (None if none)."""
    found = mentions(clean(text))
    return found[0] if found else None


# --- grammar ----------------------------------------------------------------------------

_T = _TOKEN + r"\d+"
_JOIN = r"\s*(?:,\s*(?:and|or|nor)?|/|&|\band\b|\bor\b|\bnor\b|\+|\|)\s*"
_LIST = rf"(?:(?:either|neither|both)\s+)?(?:the\s+)?{_T}(?:{_JOIN}(?:the\s+)?{_T})*"
_HEAD = (r"(?:support(?:\s+status)?|status|functionality|capability|capabilities|"
         r"integration|compatibility|feature|availability|mode)")
_GENERIC_HEAD = rf"(?:\s+{_HEAD})?"
_PRED = (r"(?P<pred>supported|available|enabled|offered|possible|applicable|unsupported|"
         r"unavailable|disabled|implemented)")

_SUBJECT_WORDS = r"(?:this|the)\s+(?:[\w.-]+\s+){0,3}?(?:destination|integration|connector)"

_ANSWER_WORDS: tuple[tuple[Status, re.Pattern[str]], ...] = (
    (Status.NOT_APPLICABLE, re.compile(r"(?:n/a|n\.a\.|not\s+applicable)(?![\w/])", re.I)),
    (Status.PARTIAL, re.compile(
        r"(?:partial(?:ly)?(?:\s+(?:supported|support))?|partly|limited(?:\s+support)?)"
        r"(?![\w/])", re.I)),
    (Status.NOT_SUPPORTED, re.compile(
        r"(?:no|not\s+supported|unsupported|not\s+available|unavailable|disabled|none"
        r"|not\s+enabled|false)(?![\w/])", re.I)),
    (Status.SUPPORTED, re.compile(
        r"(?:yes|supported|fully\s+supported|full(?:\s+support)?|enabled|available|true)"
        r"(?![\w/])", re.I)),
)

_GENERIC_LABELS = frozenset({
    "supported", "support", "status", "answer", "verdict", "result", "available",
    "support status", "is it supported", "supported?", "is it supported?", "short answer",
    "conclusion", "state", "a",
})
_SUPPORT_COLUMNS = frozenset({
    "supported", "supported?", "support", "status", "answer", "verdict", "result",
    "available", "availability", "support status", "state", "yes/no",
})

_CONCLUSION = re.compile(
    r"(?:^|(?P<punct>[,;:\u2013\u2014-])\s*|\s)(?:and\s+)?(?P<word>so|therefore|hence|thus"
    r"|which\s+means(?:\s+that)?|this\s+means(?:\s+that)?|meaning(?:\s+that)?"
    r"|consequently)\b[,\s]*",
    re.I,
)
_LEADING_PREMISE = re.compile(
    r"^(?:because|since|as|given\s+that|now\s+that)\s+[^,;]+,\s*", re.I)
_REASON_TAIL = re.compile(
    r"^(?:[.;:!,](?!\w)|[\u2013\u2014-](?![\w-])|because\b|since\b|as\b|due\s+to\b"
    r"|given\b|per\b)", re.I)
_RESTRICTING_AFTER_PUNCT = re.compile(
    r"^[,;:\u2013\u2014-]\s*(but|except|only|unless|when|if|though|although|however)\b",
    re.I)
_REMARKS = frozenset({"but", "though", "although", "however"})  # "No, but ... instead"
# words in a parenthesis after an answer that restrict it: "Yes (partially)"
_QUALIFYING_PAREN = {
    Status.SUPPORTED: re.compile(
        r"\b(?:partial(?:ly)?|partly|limited|only|except|some|beta|experimental|unverified|"
        r"untested|unclear|uncertain|not\s+(?:yet|fully|all))\b|\?", re.I),
    Status.PARTIAL: re.compile(r"\b(?:except|unclear|uncertain)\b|\?", re.I),
    Status.NOT_SUPPORTED: re.compile(
        r"\b(?:partial(?:ly)?|partly|limited|except|some|unclear|uncertain)\b|\?", re.I),
    Status.NOT_APPLICABLE: re.compile(r"\b(?:except|unclear|uncertain)\b|\?", re.I),
}
_VERSION_PAREN = re.compile(r"\bv\s*[12](?:\.0)?\b|\bversion\s*[12]\b", re.I)
_FIRST_PAREN = re.compile(r"\(([^()]*)\)")
_BENIGN_TAIL = re.compile(
    r"^(?:at\s+all|here|today|currently|yet|either|as\s+of\s+(?:now|today)|at\s+present"
    r"|for\s+" + _SUBJECT_WORDS + r"|(?:in|by|with|for)\s+(?:this|the)\s+(?:destination|"
    r"integration|connector)|by\s+" + _SUBJECT_WORDS + r"|in\s+(?:the\s+)?(?:definition|"
    r"config(?:uration)?|db-config(?:\.json)?)|whatsoever|natively)\b\s*",
    re.I,
)
_POSITIVE_TAIL = re.compile(r"^(?:via|through|using|with|out\s+of\s+the\s+box)\b", re.I)


def _marks_status(char: str) -> Status:
    if char in _MARK_YES:
        return Status.SUPPORTED
    if char in _MARK_NO:
        return Status.NOT_SUPPORTED
    return Status.PARTIAL


def _tail_ok(rest: str, status: Status, names: str) -> str | None:
    """None when ``rest`` (after a support statement) leaves it unqualified, else the
    reason it does not."""
    rest = rest.strip()
    while rest:
        restricting = _RESTRICTING_AFTER_PUNCT.match(rest)
        if restricting and not (status is not Status.SUPPORTED
                                and restricting.group(1).lower() in _REMARKS):
            return f"qualified by {rest[:40]!r}"
        if _REASON_TAIL.match(rest):
            return None
        if status is Status.SUPPORTED and _POSITIVE_TAIL.match(rest):
            return None
        benign = _BENIGN_TAIL.match(rest)
        if benign is not None and benign.group(0):
            rest = rest[benign.end():].strip()
            continue
        named = _named_tail(rest, names)
        if not named:
            return f"qualified by {rest[:40]!r}"
        rest = rest[named:].strip()
    return None


def _named_tail(rest: str, names: str) -> int:
    """Length of a leading ``for/by/in (the) <destination name> (destination)``, else 0."""
    if not names:
        return 0
    low = " ".join(rest.lower().split())
    best = 0
    for prep in ("for ", "by ", "in "):
        for article in ("", "the "):
            for suffix in (" destination", " integration", ""):
                phrase = f"{prep}{article}{names}{suffix}"
                if low.startswith(phrase) and not low[len(phrase):len(phrase) + 1].isalnum():
                    best = max(best, len(phrase))
    if not best:
        return 0
    # map the length in the whitespace-normalised text back onto ``rest``
    words = len(low[:best].split())
    match = re.match(r"^\s*(?:\S+\s+){" + str(words - 1) + r"}\S+", rest)
    return match.end() if match else 0


def answer_value(text: str, names: str = "") -> tuple[Status, str] | None:
    """The answer a value starts with, when nothing after it restricts it:
    ``Not Supported (...)`` -> NOT_SUPPORTED, ``No batching`` -> None."""
    cleaned = clean(text)
    value = _drop_parens(cleaned).strip().lstrip(" -\u2013\u2014:.,;!")
    value = _ANSWER_PREFIX.sub("", value, count=1)
    status: Status | None = None
    end = 0
    if value and value[0] in _MARKS:
        status, end = _marks_status(value[0]), 1
        after = value[1:].lstrip()
        for word_status, pattern in _ANSWER_WORDS:
            word = pattern.match(after)
            if word:
                if word_status is not status:
                    return None
                end = len(value) - len(after) + word.end()
                break
    else:
        for word_status, pattern in _ANSWER_WORDS:
            word = pattern.match(value)
            if word:
                status, end = word_status, word.end()
                break
    if status is None:
        return None
    rest = value[end:].lstrip()
    if rest and rest[0] in _MARKS:  # "Yes ✅"
        if _marks_status(rest[0]) is not status:
            return None
        rest = rest[1:].lstrip()
    if _tail_ok(rest, status, names) is not None:
        return None
    paren = _FIRST_PAREN.search(cleaned)
    if paren and (_QUALIFYING_PAREN[status].search(paren.group(1))
                  or _VERSION_PAREN.search(paren.group(1))):
        return None  # "Yes (partially)", "Yes (v2)"
    return status, value[:end].strip()


@dataclass(frozen=True)
class Reading:
    caps: tuple[str, ...]
    status: Status
    words: str
    pronoun: bool = False  # the subject is "it" / "this"


def _caps_in(sk: Skeleton, span: str) -> tuple[str, ...]:
    idx = [int(n) for n in re.findall(_TOKEN + r"(\d+)", span)]
    return tuple(dict.fromkeys(sk.caps[i] for i in idx))


def _restore(sk: Skeleton, span: str) -> str:
    """The words of ``span`` with each capability token shown as written."""
    titles = {i: sk.words[i] if i < len(sk.words) else CAPABILITY_TITLES[c]
              for i, c in enumerate(sk.caps)}
    return re.sub(_TOKEN + r"(\d+)", lambda m: titles[int(m.group(1))], span).strip()


_PLAIN_SUBJECT = re.compile(rf"^(?:it|this|{_SUBJECT_WORDS})$", re.I)


def _subject_ok(subject: str | None, names: str) -> bool:
    """Whether a sentence's subject is the destination itself (or absent)."""
    if subject is None:
        return True
    if _PLAIN_SUBJECT.match(subject):
        return True
    if not names:
        return False
    low = " ".join(subject.lower().split())
    low = low[4:] if low.startswith("the ") else low
    for suffix in (" destination", " integration"):
        if low.endswith(suffix):
            low = low[: -len(suffix)]
    return low == names


@functools.lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    subject = r"(?P<subj>[^\ue000]{1,60}?)"
    neg = r"(?P<neg>\bnot\b|n't\b|\bnever\b)"
    return (
        # RETL is not supported / VDM v2 partially supported / RETL support is not available
        ("subject", re.compile(
            rf"^(?:the\s+)?(?P<list>{_LIST}){_GENERIC_HEAD}\s*(?:(?:is|are)\s*)?"
            rf"(?:(?:therefore|thus|hence|consequently|also|still|likewise|then)\s+)?"
            rf"(?:{neg}\s*)?(?:(?P<adv>fully|partially|partly|only\s+partially|currently|also)"
            rf"\s+)?{_PRED}\b", re.I)),
        # (The Dub destination) does not support RETL / supports VDM v1 / has no VDM v2 support
        ("verb", re.compile(
            rf"^(?:{subject}\s+)??(?:(?P<aux>does|do)\s*(?:{neg})?\s+|(?P<cannot>cannot|can't|"
            rf"can\s+not)\s+|(?P<adv>fully|partially|only\s+partially|also)\s+)?"
            rf"(?P<verb>support|supports|offer|offers|provide|provides|have|has|lack|lacks)"
            rf"\s+(?P<no>no\s+|any\s+)?(?P<list>{_LIST}){_GENERIC_HEAD}\b", re.I)),
        # No VDM v1 or VDM v2 support / Neither VDM v1 nor v2 / There is no RETL support
        ("noun", re.compile(
            rf"^(?:there\s+(?:is|are)\s+)?(?P<no>no|neither)\s+(?P<list>{_LIST})"
            rf"{_GENERIC_HEAD}(?:\s+(?:is|are)?\s*(?:supported|available|offered))?\b", re.I)),
        # RETL ✅ / VDM v2 — partial / RETL: Not supported (a label written as one phrase)
        ("answer", re.compile(
            rf"^(?:the\s+)?(?P<list>{_LIST}){_GENERIC_HEAD}\s*(?:(?:[:=\u2013\u2014-]\s*)?"
            rf"(?P<answer>[{_MARKS}].*)|"
            rf"[:=\u2013\u2014-]\s*(?P<word>(?:yes|no|partial(?:ly)?|n/a|not\s+(?:applicable|"
            rf"supported|available)|(?:fully\s+)?supported|unsupported|none)\b.*))$", re.I)),
    )


def classify(sk: Skeleton, names: str = "") -> Reading | str:
    """The support statement a clause makes, or the reason it makes none."""
    text = sk.text.strip().rstrip(".!")
    if not sk.caps:
        return "names no capability"
    conclusion = list(_CONCLUSION.finditer(text))
    if conclusion:
        last = conclusion[-1]
        tail = text[last.end():]
        if _caps_in(sk, tail):
            return classify(Skeleton(tail, sk.caps, sk.words), names)
        adverb = (last.start() > 0 and not last.group("punct")
                  and last.group("word").lower() != "so")
        if not adverb:  # "X is therefore not applicable" is one clause
            return "premise of a conclusion about something else"
    premise = _LEADING_PREMISE.match(text)
    if premise:
        main = text[premise.end():]
        if _caps_in(sk, main):
            return classify(Skeleton(main, sk.caps, sk.words), names)
        return "premise of a statement about something else"
    if text and text[0] in _MARKS:
        return _marked(sk, text, names)
    for shape, pattern in _patterns():
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        caps = _caps_in(sk, groups["list"])
        if shape == "answer":
            answered = answer_value(groups["answer"] or groups["word"] or "", names)
            if answered is None:
                return "the answer after the capability is qualified or unclear"
            return Reading(caps, answered[0], _restore(sk, text))
        subject = groups.get("subj")
        if not _subject_ok(subject, names):
            return "the subject is something other than the destination"
        rest = text[match.end():]
        status = _stance(shape, groups)
        if status is None:
            return "mixed negation"
        problem = _tail_ok(rest, status, names)
        if problem is not None:
            return problem
        pronoun = (subject or "").lower() in ("it", "this")
        return Reading(caps, status, _restore(sk, text[:match.end()]), pronoun)
    if text.startswith(_TOKEN) or re.match(rf"^(?:the\s+)?{_LIST}", text, re.I):
        return "the capability is not the subject of a support statement"
    return "the capability is only the setting, not the subject"


def _marked(sk: Skeleton, text: str, names: str) -> Reading | str:
    """``❌ No VDM v2 support``, ``✅ RETL``: the mark and the statement must agree."""
    mark = _marks_status(text[0])
    rest = text[1:].strip()
    title = _TITLE.match(rest)
    if title:
        return Reading(_caps_in(sk, title.group("list")), mark, _restore(sk, text))
    reading = classify(Skeleton(rest, sk.caps, sk.words), names)
    if isinstance(reading, str):
        return reading
    if reading.status is not mark:
        return "the mark and the words disagree"
    return Reading(reading.caps, mark, _restore(sk, text[:1] + " " + reading.words))


def _stance(shape: str, groups: dict[str, str | None]) -> Status | None:
    adv = (groups.get("adv") or "").lower()
    partial = "partial" in adv or "partly" in adv
    if shape == "noun":
        return Status.NOT_SUPPORTED
    negative = bool(groups.get("neg") or groups.get("cannot"))
    if shape == "subject":
        pred = (groups.get("pred") or "").lower()
        if pred == "applicable":
            return None if not negative else Status.NOT_APPLICABLE
        if pred in ("unsupported", "unavailable", "disabled"):
            if negative:
                return None
            negative = True
    else:
        verb = (groups.get("verb") or "").lower()
        no = (groups.get("no") or "").strip().lower()
        if verb in ("lack", "lacks"):
            if negative or no:
                return None
            negative = True
        if no == "no":
            if negative:
                return None
            negative = True
        elif no == "any" and not negative:
            return None
        if verb in ("have", "has") and not (groups.get("list") or "").strip():
            return None
        if groups.get("aux") and not negative:
            return None  # "does support" is emphatic prose, rare: abstain
    if negative and (partial or "fully" in adv or "also" in adv):
        return None  # "not fully supported" is neither yes nor no
    if negative:
        return Status.NOT_SUPPORTED
    return Status.PARTIAL if partial else Status.SUPPORTED


_QUESTION = re.compile(r"^(?:is|are|does|do|can|has|have)\s+(?P<body>.*?)\s*\?\s*(?P<after>.*)$",
                       re.I)
_BARE_QUESTION = re.compile(
    rf"^(?:the\s+)?(?P<list>{_LIST}){_GENERIC_HEAD}(?:\s+supported)?(?:\s+at\s+all)?"
    r"\s*\?\s*(?P<after>.*)$", re.I)
_TITLE = re.compile(rf"^(?:the\s+)?(?P<list>{_LIST}){_GENERIC_HEAD}$", re.I)


def question_caps(sk: Skeleton, names: str = "") -> tuple[tuple[str, ...], str] | None:
    """(capabilities, text after the '?') when the clause asks whether they are
    supported: ``Is RETL supported at all?``, ``Does it have VDM v2 support?``."""
    text = sk.text.strip()
    bare = _BARE_QUESTION.match(text)
    if bare:
        return _caps_in(sk, bare.group("list")), bare.group("after")
    match = _QUESTION.match(text)
    if match is None:
        return None
    body = match.group("body")
    body = re.sub(r"^there\s+(?:any\s+)?", "", body, flags=re.I)
    reading = classify(Skeleton(body, sk.caps, sk.words), names)
    if isinstance(reading, Reading) and reading.status is Status.SUPPORTED:
        return reading.caps, match.group("after")
    return None


def title_caps(sk: Skeleton) -> tuple[str, ...] | None:
    """Capabilities a title is about when it is just them: ``RETL Support``, ``VDM v2``."""
    match = _TITLE.match(sk.text.strip().rstrip(":"))
    return _caps_in(sk, match.group("list")) if match else None


# --- lines ------------------------------------------------------------------------------

_LONGEST_LINE = 2000  # a line this long is a paragraph of prose, never one claim
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_LIST_MARK = re.compile(r"^\s*(?:>\s*)*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")
_QUESTION_PREFIX = re.compile(r"^\s*(?:\*\*|__)?\s*(?:Q|Question)\s*[:.]\s*")
_ANSWER_PREFIX = re.compile(r"^(?:a|answer)\s*:\s*", re.I)
_CHECKBOX = re.compile(r"^\s*(?:>\s*)*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s")
_QUOTE = re.compile(r"^\s*(?:>\s*)+")
_SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'*_`" + _MARKS + r"])")
_SEGMENT = re.compile(r"\s+[-\u2013\u2014]\s+|;\s+")


def _split_label(body: str) -> tuple[str, str] | None:
    """``**Label**: value`` -> (label, value), splitting at the first colon outside code
    spans and parentheses; None when there is no such colon."""
    depth = 0
    code = False
    for i, char in enumerate(body):
        if char == "`":
            code = not code
        elif code:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ":" and depth == 0:
            label, value = clean(body[:i]), body[i + 1:]
            if value.startswith("//") or not label or len(label) > 80:
                return None
            if re.search(r"[.!?]\s", label):
                return None
            return label, value
    return None


@dataclass
class _State:
    names: str = ""
    context: tuple[str, ...] = ()  # capabilities the current question asks about
    answered: bool = False
    prose: bool = False  # the current line is a plain paragraph line


class _Doc:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.parsed = Parsed()
        self.state = _State(names=_title_names(self.lines))

    def claim(self, number: int, caps: tuple[str, ...], status: Status, words: str) -> None:
        raw = self.lines[number - 1].strip()
        for cap in caps:
            self.parsed.claims.append(Claim(number, cap, status, raw, words))
        if set(caps) & set(self.state.context):
            self.state.answered = True

    def skip(self, number: int, caps: tuple[str, ...] | list[str], reason: str) -> None:
        if caps:
            raw = self.lines[number - 1].strip()
            self.parsed.skipped.append(
                Skip(number, tuple(dict.fromkeys(caps)), reason, raw))


def _title_names(lines: list[str]) -> str:
    """The destination's name (lower case) from the first heading, '' if unclear."""
    for line in lines:
        heading = re.match(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", line)
        if heading:
            title = clean(heading.group(1))
            sk = skeleton(title)
            head = re.split(rf"{_TOKEN}|\s[-\u2013\u2014:|]\s?|:", sk.text, maxsplit=1)[0]
            head = re.sub(r"\b(?:destination|integration|report|analysis)\b", "", head,
                          flags=re.I).strip()
            words = head.split()
            return " ".join(words).lower() if 1 <= len(words) <= 4 else ""
    return ""


def parse_document(text: str) -> Parsed:
    """Every claim in a Markdown document, in line order, and every line that names a
    capability without yielding a claim about it."""
    doc = _Doc(text)
    fence: str | None = None
    table: _Table | None = None
    for number, raw in enumerate(doc.lines, start=1):
        fence_match = _FENCE.match(raw)
        if fence is not None:
            if fence_match and fence_match.group(1) == fence:
                fence = None
            else:
                doc.skip(number, mentions(clean(raw)), "inside a fenced code block")
            continue
        if fence_match:
            fence = fence_match.group(1)
            continue
        heading = _HEADING.match(raw)
        if heading:
            table = None
            _heading(doc, number, heading.group(2))
            continue
        stripped = raw.strip()
        if not stripped:
            continue
        if len(stripped) > _LONGEST_LINE:
            doc.skip(number, sorted(set(mentions(clean(stripped[:_LONGEST_LINE])))),
                     f"line longer than {_LONGEST_LINE} characters")
            continue
        if stripped.startswith("|"):
            table = _table_line(doc, number, stripped, table)
            continue
        table = None
        if (doc.state.answered or not doc.state.context) and not _MENTION.search(raw):
            continue  # names no capability and answers no open question
        _line(doc, number, raw)
    return doc.parsed


def parse_claims(text: str) -> list[Claim]:
    """Every claim in a Markdown document, in line order."""
    return parse_document(text).claims


_SECTION_NUMBER = re.compile(r"^\s*(?:\d+(?:\.\d+)*|[A-Za-z])[.)]\s+|^\s*\d+(?:\.\d+)+\s+")


def _heading(doc: _Doc, number: int, title: str) -> None:
    title = _SECTION_NUMBER.sub("", title, count=1)  # "## 1. Is RETL supported?"
    sk = skeleton(_drop_parens(clean(title)))
    asked = question_caps(sk, doc.state.names)
    pair = _split_label(title)
    label_caps = title_caps(skeleton(_drop_parens(pair[0]))) if pair else None
    inline = (asked[0], asked[1]) if asked and asked[1] else (
        (label_caps, pair[1]) if label_caps and pair and clean(pair[1]) else None)
    if inline is not None:  # the heading carries its own answer
        doc.state.context, doc.state.answered = (), False
        answered = answer_value(inline[1], doc.state.names)
        if answered is None:
            doc.skip(number, list(inline[0]), "heading with an unclear answer")
        else:
            doc.claim(number, inline[0], answered[0], f"{clean(title)}")
        return
    caps = asked[0] if asked and not asked[1] else title_caps(sk)
    if caps is None and asked is None:
        reading = classify(sk, doc.state.names)  # "## ✅ RETL supported"
        if isinstance(reading, Reading) and not reading.pronoun:
            doc.state.context, doc.state.answered = (), False
            doc.claim(number, reading.caps, reading.status, reading.words)
            return
    doc.state.context, doc.state.answered = caps or (), False
    if caps:
        doc.skip(number, list(caps), "heading: the first answer below is read as the claim")
    else:
        doc.skip(number, mentions(clean(title)), "heading that does not ask about support")


def _line(doc: _Doc, number: int, raw: str) -> None:
    if _CHECKBOX.match(raw):
        doc.skip(number, mentions(clean(raw)),
                 "checklist item: a ticked box may mean reviewed, not supported")
        return
    is_list = bool(_LIST_MARK.match(raw))
    body = _LIST_MARK.sub("", raw, count=1) if is_list else _QUOTE.sub("", raw, count=1)
    doc.state.prose = not is_list and not body.lstrip().startswith(("**", "__"))
    all_caps = mentions(clean(body))
    before = len(doc.parsed.claims)
    reason = _read_line(doc, number, body)
    claimed = {c.capability for c in doc.parsed.claims[before:]}
    left = [c for c in all_caps if c not in claimed]
    if left:
        doc.skip(number, left, reason or "in parentheses or a side remark")


def _read_line(doc: _Doc, number: int, body: str) -> str | None:
    """Read one non-table, non-heading line; returns why it gave no claim (or None)."""
    state = doc.state
    body = _QUESTION_PREFIX.sub("", body, count=1)
    pair = _split_label(body)
    if pair is not None:
        label, value = pair
        return _labelled(doc, number, label, value)
    text = _drop_parens(clean(body))
    if not text:
        return "empty"
    # an answer under a question heading: "**No** - missing both", "Yes."
    if state.context and not state.answered:
        answered = answer_value(text, state.names)
        named = {c for c in mentions(clean(body)) if c.startswith("vdm")}
        asked_vdm = {c for c in state.context if c.startswith("vdm")}
        if answered is not None and asked_vdm and named and not named & asked_vdm:
            # "Does it have VDM support?" answered "Yes - VDM v2 via record events"
            return "the answer names another VDM version than the question"
        if answered is not None:
            doc.claim(number, state.context, answered[0], text)
            return None
    reason = _statement(doc, number, text)
    return reason


def _statement(doc: _Doc, number: int, text: str) -> str | None:
    """A line of bullets, bold text or prose: each sentence is tried."""
    last = "the capability is not the subject of a support statement"
    sentences = _SENTENCE_END.split(text)
    for index, sentence in enumerate(sentences):
        sk = skeleton(sentence)
        if not sk.caps:
            continue
        asked = question_caps(sk, doc.state.names)
        if asked is not None:
            caps, after = asked
            after = after or " ".join(sentences[index + 1:])
            if not after:
                doc.state.context, doc.state.answered = caps, False
                return "question: the first answer below is read as the claim"
            answered = answer_value(after, doc.state.names)
            if answered is None:
                return "question with an unclear answer"
            doc.claim(number, caps, answered[0], f"{_restore(sk, sk.text)} {answered[1]}")
            return None
        reading = classify(sk, doc.state.names)
        if isinstance(reading, str):
            # "VDM v2 - partially supported" is one statement; "Does not support RETL -
            # no warehouse" is a statement and its reason
            segment = _SEGMENT.split(sentence, maxsplit=1)[0]
            if segment != sentence:
                part = classify(skeleton(segment), doc.state.names)
                if isinstance(part, Reading):
                    reading = part
        if isinstance(reading, Reading) and reading.pronoun and (doc.state.prose or index):
            # "The SDK is small. It does not support RETL.": "it" may not be the destination
            reading = "the subject 'it' may be something other than the destination"
        if isinstance(reading, Reading):
            doc.claim(number, reading.caps, reading.status, reading.words)
            return None
        last = reading
    return last


def _labelled(doc: _Doc, number: int, label: str, value: str) -> str | None:
    state = doc.state
    label_plain = _drop_parens(label)
    sk = skeleton(label_plain)
    value_text = _drop_parens(clean(value))
    if sk.caps:
        title = title_caps(sk)
        if title is not None:
            if not value_text:
                state.context, state.answered = title, False
                return "label without a value: the first answer below is read"
            answered = answer_value(value, state.names)
            if answered is not None:
                doc.claim(number, title, answered[0], f"{label}: {answered[1]}")
                return None
            # "**RETL Support**: The destination does not support RETL."
            reading = classify(skeleton(value_text), state.names)
            if isinstance(reading, Reading) and set(reading.caps) <= set(title):
                doc.claim(number, reading.caps, reading.status, reading.words)
                return None
            return "the value after the label gives no clear answer"
        asked = question_caps(sk, state.names)
        if asked is not None and not asked[1]:
            if not value_text:
                state.context, state.answered = asked[0], False
                return "question: the first answer below is read as the claim"
            answered = answer_value(value, state.names)
            if answered is None:
                return "question with an unclear answer"
            doc.claim(number, asked[0], answered[0], f"{label}: {answered[1]}")
            return None
        reading = classify(sk, state.names)
        if isinstance(reading, Reading):
            doc.claim(number, reading.caps, reading.status, reading.words)
            return None
        # a qualifying label ("JSON Mapper only"): no claim; its value may make one
        label_reason = (f"qualifying label {label!r}" if re.search(r"\bonly\b", label, re.I)
                        else f"label {label!r} is not a support statement")
        if value_text:
            _statement(doc, number, value_text)
        return label_reason
    listed = title_caps(skeleton(value_text.rstrip(" .;!"))) if value_text else None
    if listed:  # "**Not supported:** VDM v1, VDM v2"
        answered = answer_value(label, state.names)
        if answered is not None and answered[1].lower() == label_plain.lower().strip(" ?"):
            doc.claim(number, listed, answered[0], f"{label}: {value_text}")
            return None
    generic = label_plain.lower().strip(" ?") in {g.strip(" ?") for g in _GENERIC_LABELS}
    if state.context and not state.answered:
        if generic:
            answered = answer_value(value, state.names)
            if answered is not None:
                doc.claim(number, state.context, answered[0], f"{label}: {answered[1]}")
                return None
        else:
            answered = answer_value(label, state.names)
            if answered is not None:
                doc.claim(number, state.context, answered[0], label)
                return None
    if value_text:
        return _statement(doc, number, value_text)
    return None


# --- tables -----------------------------------------------------------------------------

@dataclass
class _Table:
    header: list[str] | None
    answer_column: int | None  # row-wise tables: the column holding the answer
    cap_columns: dict[int, tuple[str, ...]]  # column-wise tables: column -> capabilities
    rows_below: int  # data rows of a column-wise table


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def _table_line(doc: _Doc, number: int, line: str, table: _Table | None) -> _Table | None:
    if _SEPARATOR_ROW.match(line):
        return table
    cells = _cells(line)
    nxt = doc.lines[number] if number < len(doc.lines) else ""
    if _SEPARATOR_ROW.match(nxt):  # a header row
        return _header(doc, number, cells)
    if table is None:
        table = _Table(None, 1 if len(cells) == 2 else None, {}, 0)
    caps_here = mentions(clean(line))
    if table.cap_columns:
        if table.rows_below != 1:
            doc.skip(number, [c for caps in table.cap_columns.values() for c in caps],
                     "table with several rows under capability columns (several "
                     "destinations?)")
            return table
        for col, caps in sorted(table.cap_columns.items()):
            if col < len(cells):
                answered = answer_value(cells[col], doc.state.names)
                if answered is not None:
                    doc.claim(number, caps, answered[0], f"{cells[col]}")
                else:
                    doc.skip(number, caps, "table cell gives no clear answer")
        return table
    if not caps_here:
        return table
    first = _drop_parens(clean(cells[0]))
    sk = skeleton(first)
    row_caps = title_caps(sk)
    if row_caps is None:
        asked = question_caps(sk, doc.state.names)
        row_caps = asked[0] if asked and not asked[1] else None
    if row_caps is None:
        doc.skip(number, caps_here, "table row whose first cell is not a capability")
        return table
    caps = row_caps
    column = table.answer_column
    if column is None or column >= len(cells):
        doc.skip(number, caps, "table without a Supported/Status column")
        return table
    answered = answer_value(cells[column], doc.state.names)
    if answered is None:
        doc.skip(number, caps, "table cell gives no clear answer")
        return table
    doc.claim(number, caps, answered[0], f"{first} | {answered[1]}")
    return table


def _header(doc: _Doc, number: int, cells: list[str]) -> _Table:
    names = [clean(c).lower().strip(" :") for c in cells]
    cap_columns: dict[int, tuple[str, ...]] = {}
    for i, cell in enumerate(cells):
        caps = title_caps(skeleton(_drop_parens(clean(cell))))
        if caps:
            cap_columns[i] = caps
    if cap_columns:
        rows = 0
        for line in doc.lines[number + 1:]:
            if not line.strip().startswith("|"):
                break
            if not _SEPARATOR_ROW.match(line):
                rows += 1
        doc.skip(number, [c for caps in cap_columns.values() for c in caps],
                 "table header: the cells below are read")
        return _Table(cells, None, cap_columns, rows)
    answer_column: int | None = None
    if len(cells) == 2:
        answer_column = 1
    else:
        for i, name in enumerate(names[1:], start=1):
            if name in _SUPPORT_COLUMNS:
                answer_column = i
                break
    doc.skip(number, mentions(clean(" ".join(cells))), "table header")
    return _Table(cells, answer_column, {}, 0)


__all__ = [
    "CAPABILITY_TITLES", "COMPATIBLE", "VDM2_FULL", "VDM2_UNDECLARED_UNCHECKED", "Checked",
    "Claim", "Explained", "Parsed", "Skip", "answer_value", "capability_in", "classify",
    "clean", "compatible", "computed_state", "parse_claims", "parse_document", "skeleton",
    "verifiable",
]
