"""Benchmark: `capcheck audit` over a corpus, phase by phase. Run by hand:

    python bench/bench_audit.py [CORPUS]      (default: $CAPCHECK_CORPUS)

Prints the median of several runs for: parsing the files with json.loads only, loading
facts (discovery, parsing, positions, type checks), deciding verdicts, rendering markdown,
and the whole CLI as a subprocess (interpreter start-up included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from timing import median_time


def main() -> int:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CAPCHECK_CORPUS", ""))
    if not corpus.is_dir():
        print("usage: bench_audit.py CORPUS (or set CAPCHECK_CORPUS)", file=sys.stderr)
        return 2
    from capcheck.capabilities.pack import load_pack
    from capcheck.render import markdown
    from capcheck.report.audit import load, run_audit

    files = sorted(corpus.glob("*/*.json"))
    runs = 7

    def parse_only() -> None:
        for f in files:
            json.loads(f.read_text(encoding="utf-8"))

    caps = load_pack().select()
    loaded = load([corpus])
    from capcheck.report.audit import make_report

    reports = [make_report(f, caps) for f in loaded.facts]
    figures = {
        "json.loads only": median_time(parse_only, runs),
        "load (facts)": median_time(lambda: load([corpus]).facts, runs),
        "verdicts": median_time(lambda: [make_report(f, caps) for f in loaded.facts], runs),
        "render markdown": median_time(lambda: markdown.render(reports), runs),
        "run_audit total": median_time(lambda: run_audit([corpus]), runs),
        "CLI (subprocess)": median_time(
            lambda: subprocess.run(
                [sys.executable, "-m", "capcheck", "audit", str(corpus), "--format", "json"],
                stdout=subprocess.DEVNULL, check=True),
            runs,
        ),
        "CLI start-up (bundled default)": median_time(
            lambda: subprocess.run([sys.executable, "-m", "capcheck", "audit"],
                                   stdout=subprocess.DEVNULL, check=True),
            runs,
        ),
    }
    print(f"{len(loaded.facts)} destinations, {len(files)} JSON files, median of {runs} runs")
    for name, seconds in figures.items():
        print(f"  {name:32s} {seconds * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
