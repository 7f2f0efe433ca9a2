"""Benchmark: `capcheck check` over a corpus against parsing the same files only. By hand:

    python bench/bench_check.py [CORPUS] [--runs N]     (default: $CAPCHECK_CORPUS, 5 runs)

Two comparisons, each the median of N runs:

- subprocess: ``capcheck check CORPUS --output-format json`` against ``python -c`` running
  a script that only ``json.loads`` every definition file (both pay interpreter start-up);
- in process: ``load`` + ``run_checks`` against the json.loads loop alone;

then the ratio, and the in-process time of each rule (to find the expensive ones).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from timing import median_time

PARSE_ONLY = """
import json, sys
from pathlib import Path
root = Path(sys.argv[1])
for name in ("db-config.json", "schema.json", "ui-config.json"):
    for f in sorted(root.glob("*/" + name)):
        json.loads(f.read_text(encoding="utf-8"))
"""



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.environ.get("CAPCHECK_CORPUS", ""))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not args.corpus or not corpus.is_dir():
        print("usage: bench_check.py CORPUS (or set CAPCHECK_CORPUS)", file=sys.stderr)
        return 2
    runs = args.runs

    from capcheck import checks
    from capcheck.gate.checker import run_checks
    from capcheck.report.audit import load

    files = sorted(corpus.glob("*/*.json"))

    def parse_in_process() -> None:
        exec(compile(PARSE_ONLY, "<parse-only>", "exec"), {"__name__": "bench"})

    def check_in_process() -> None:
        run_checks(load([corpus]))

    def parse_subprocess() -> None:
        subprocess.run([sys.executable, "-c", PARSE_ONLY, str(corpus)], check=True)

    def check_subprocess() -> None:
        result = subprocess.run(
            [sys.executable, "-m", "capcheck", "check", str(corpus), "--no-config",
             "--output-format", "json"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        if result.returncode not in (0, 1):
            raise SystemExit(f"capcheck check failed with exit {result.returncode}")

    sys.argv = ["bench", str(corpus)]  # for the in-process parse-only script
    figures = {
        "subprocess": (median_time(parse_subprocess, runs), median_time(check_subprocess, runs)),
        "in process": (median_time(parse_in_process, runs), median_time(check_in_process, runs)),
    }
    destinations = len(load([corpus]).raw)
    print(f"{destinations} destinations, {len(files)} JSON files, median of {runs} runs")
    print(f"  {'':12s} {'json.loads only':>16s} {'capcheck check':>16s} {'ratio':>8s}")
    for name, (parse, check) in figures.items():
        print(f"  {name:12s} {parse * 1000:13.1f} ms {check * 1000:13.1f} ms "
              f"{check / parse:7.1f}x")

    # Per rule, on freshly loaded documents (positions are computed on first use, so
    # the first rule that needs them pays for the positional pass).
    print("  per rule (in process, fresh load each run, positions included where first used):")
    for rule in checks.all_rules():
        timings: list[float] = []
        for _ in range(runs):
            loaded = load([corpus])
            facts = {f.path: f for f in loaded.facts}
            start = time.perf_counter()
            for raw in loaded.raw:
                list(rule.check(checks.CheckContext(raw, facts.get(str(raw.path)))))
            timings.append(time.perf_counter() - start)
        print(f"    {rule.CODE} {rule.NAME:40s} {statistics.median(timings) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
