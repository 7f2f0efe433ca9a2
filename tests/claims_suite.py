"""The claims fixture suite (tests/fixtures/claims): documents with their expected claims.

Each ``NN_name.md`` has a sidecar ``NN_name.expected``, one expected claim a line::

    capability | stance | shape | fragment

``fragment`` is a piece of text found on exactly one line of the document (that line is
where the claim must be read; ``=text`` means the whole line is ``text``, a final ``@N``
the Nth of several lines with that text); ``shape`` names the style (label, bullet,
table, question, emoji, bold, multi, premise, qualifier, prose). Lines starting with
``#`` are comments. A document with an empty sidecar must yield no claim at all.
Documents 56-68 were written "blind" (their sidecars before the reader ran on them).

Precision = correct claims read / claims read; recall = expected claims read / expected
claims, over every shape and over the labelled shapes (all but ``prose``). Used by
tests/test_claims_fixtures.py and bench/bench_claims.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from capcheck.model import Status
from capcheck.report.claims import parse_claims

SUITE = Path(__file__).resolve().parent / "fixtures" / "claims"
SHAPES = frozenset({"label", "bullet", "table", "question", "emoji", "bold", "multi",
                    "premise", "qualifier", "prose"})
UNLABELLED = frozenset({"prose"})

Key = tuple[int, str, Status]  # line, capability, stance


@dataclass(frozen=True)
class Expected:
    key: Key
    shape: str


@dataclass
class Case:
    name: str
    text: str
    expected: list[Expected]


@dataclass
class Score:
    read: int = 0
    correct: int = 0
    expected: int = 0
    found: int = 0
    expected_labelled: int = 0
    found_labelled: int = 0
    false_claims: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.read if self.read else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def labelled_recall(self) -> float:
        return self.found_labelled / self.expected_labelled if self.expected_labelled else 1.0

    def summary(self) -> str:
        return (f"claims suite: {self.read} claims read, precision {self.precision:.1%} "
                f"({self.correct}/{self.read}); recall {self.recall:.1%} "
                f"({self.found}/{self.expected}); labelled-shape recall "
                f"{self.labelled_recall:.1%} ({self.found_labelled}/{self.expected_labelled})")


class SuiteError(ValueError):
    pass


def _line_of(text: str, fragment: str, where: str) -> int:
    occurrence = re.search(r"\s@(\d+)$", fragment)
    if occurrence:
        fragment = fragment[:occurrence.start()]
    exact = fragment.startswith("=")
    hits = [n for n, line in enumerate(text.splitlines(), start=1)
            if (line.strip() == fragment[1:] if exact else fragment in line)]
    if occurrence:
        index = int(occurrence.group(1))
        if not 1 <= index <= len(hits):
            raise SuiteError(f"{where}: fragment {fragment!r} has no occurrence {index}")
        return hits[index - 1]
    if len(hits) != 1:
        raise SuiteError(f"{where}: fragment {fragment!r} is on {len(hits)} lines, not 1")
    return hits[0]


def load_case(doc: Path) -> Case:
    text = doc.read_text(encoding="utf-8")
    sidecar = doc.with_suffix(".expected")
    expected: list[Expected] = []
    for number, raw in enumerate(sidecar.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        where = f"{sidecar.name}:{number}"
        parts = [p.strip() for p in raw.split("|", 3)]
        if len(parts) != 4:
            raise SuiteError(f"{where}: expected 'capability | stance | shape | fragment'")
        cap, stance, shape, fragment = parts
        if shape not in SHAPES:
            raise SuiteError(f"{where}: unknown shape {shape!r}")
        fragment = raw.split("|", 3)[3].strip()
        key = (_line_of(text, fragment, where), cap, Status(stance))
        expected.append(Expected(key, shape))
    return Case(doc.stem, text, expected)


def load_suite(root: Path = SUITE) -> list[Case]:
    return [load_case(doc) for doc in sorted(root.glob("*.md"))]


def score(cases: list[Case]) -> Score:
    result = Score()
    for case in cases:
        wanted = {e.key: e.shape for e in case.expected}
        got = {(c.line, c.capability, c.status): c for c in parse_claims(case.text)}
        result.read += len(got)
        for key, claim in sorted(got.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if key in wanted:
                result.correct += 1
            else:
                result.false_claims.append(
                    f"{case.name}:{key[0]}: read {claim.describe()} from {claim.text!r}")
        for key, shape in sorted(wanted.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            hit = key in got
            result.expected += 1
            result.found += hit
            if shape not in UNLABELLED:
                result.expected_labelled += 1
                result.found_labelled += hit
            if not hit:
                result.missed.append(f"{case.name}:{key[0]}: {key[1]} {key[2].value} ({shape})")
    return result
