"""Benchmark: the claim reader over the fixture suite (tests/fixtures/claims). By hand:

    python bench/bench_claims.py [--runs N] [--verbose]

Prints precision and recall (over every shape and over the labelled shapes, i.e. all but
free prose), recall per shape, every false or missed claim with --verbose, and the median
time to read the whole suite.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from timing import median_time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from claims_suite import load_suite, score  # noqa: E402

from capcheck.report.claims import parse_claims  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    cases = load_suite()
    result = score(cases)
    print(f"{len(cases)} documents, "
          f"{sum(len(c.text.splitlines()) for c in cases)} lines")
    print(result.summary())
    wanted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for case in cases:
        got = {(c.line, c.capability, c.status) for c in parse_claims(case.text)}
        for expected in case.expected:
            wanted[expected.shape] += 1
            found[expected.shape] += expected.key in got
    for shape in sorted(wanted):
        print(f"  {shape:<10} recall {found[shape] / wanted[shape]:6.1%} "
              f"({found[shape]}/{wanted[shape]})")
    if args.verbose:
        for line in result.false_claims:
            print(f"false: {line}")
        for line in result.missed:
            print(f"missed: {line}")
    seconds = median_time(lambda: [parse_claims(c.text) for c in cases], args.runs)
    print(f"read the suite in {seconds * 1000:.1f} ms (median of {args.runs})")
    return 0 if result.precision == 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
