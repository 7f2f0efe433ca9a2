"""Benchmark: how time and peak memory grow with the number of destinations. By hand:

    python bench/bench_scale.py [CORPUS] [--transformer T] [--factor 10] [--rounds 3]
        (defaults: $CAPCHECK_CORPUS, $CAPCHECK_TRANSFORMER)

Makes, in a temporary folder, a corpus FACTOR times larger by copying every real
destination folder under FACTOR names (``<name>`` and ``<name>_copyN``; the internal
name is kept, so each copy still finds its transformer code), then runs ``matrix`` and
``check`` on the real corpus and on the large one, alternating, as fresh processes.
Prints the median wall time and peak RSS of each, and the ratios large / real (goals:
time at most 1.05 x FACTOR, peak memory at most 2x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def capcheck_command() -> list[str]:
    script = Path(sys.executable).parent / "capcheck"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "capcheck"]


def make_corpus(real: Path, target: Path, factor: int) -> int:
    count = 0
    for folder in sorted(p for p in real.iterdir() if (p / "db-config.json").is_file()):
        for i in range(factor):
            name = folder.name if i == 0 else f"{folder.name}_copy{i}"
            shutil.copytree(folder, target / name)
            count += 1
    return count


def run(argv: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 2):
        raise SystemExit(f"failed with exit {code}: {' '.join(argv)}")
    return elapsed, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.environ.get("CAPCHECK_CORPUS", ""))
    parser.add_argument("--transformer", default=os.environ.get("CAPCHECK_TRANSFORMER", ""))
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not args.corpus or not corpus.is_dir():
        print("usage: bench_scale.py CORPUS [--transformer T]", file=sys.stderr)
        return 2
    cap = capcheck_command()
    tr = ["--transformer", args.transformer] if args.transformer else []
    with tempfile.TemporaryDirectory() as tmp:
        large = Path(tmp, "destinations")
        large.mkdir()
        count = make_corpus(corpus, large, args.factor)
        real_count = sum(1 for p in corpus.iterdir() if (p / "db-config.json").is_file())
        print(f"{real_count} destinations, x{args.factor} = {count}; {args.rounds} rounds, "
              f"alternating; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"  {'command':8s} {'real':>16s} {'large':>18s} {'time ratio':>11s} "
              f"{'memory ratio':>13s}")
        for name, extra in (("matrix", ["--format", "json"]),
                            ("check", ["--no-config", "--output-format", "json"])):
            small_runs: list[tuple[float, int]] = []
            large_runs: list[tuple[float, int]] = []
            for i in range(args.rounds):
                pair = [(small_runs, corpus), (large_runs, large)]
                for runs, path in pair if i % 2 == 0 else reversed(pair):
                    runs.append(run([*cap, name, str(path), *tr, *extra]))
            ratios_t = [b[0] / a[0] for a, b in zip(small_runs, large_runs, strict=True)]
            ratios_m = [b[1] / a[1] for a, b in zip(small_runs, large_runs, strict=True)]
            st = statistics.median(r[0] for r in small_runs)
            sm = statistics.median(r[1] for r in small_runs)
            lt = statistics.median(r[0] for r in large_runs)
            lm = statistics.median(r[1] for r in large_runs)
            print(f"  {name:8s} {st:6.2f}s {sm / 1024:6.1f}MiB {lt:7.2f}s {lm / 1024:7.1f}MiB "
                  f"{statistics.median(ratios_t):10.2f}x {statistics.median(ratios_m):12.2f}x")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
