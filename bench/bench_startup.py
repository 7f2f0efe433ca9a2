"""Start-up time of ``capcheck --version`` and ``capcheck rule`` against bare
``python -c pass`` (run by hand; figures depend on the machine and its load).

Runs alternate (floor, then each command) so that load changes hit all of them alike;
the figure reported is the median of the per-round ratios, with the medians of the raw
times beside it. The commands are the installed console script (``capcheck`` next to
this interpreter), as a user types them.

    python bench/bench_startup.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    script = Path(sys.executable).with_name("capcheck")
    found = str(script) if script.exists() else shutil.which("capcheck")
    if found is None:
        print("capcheck is not installed next to this interpreter", file=sys.stderr)
        return 2
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "capcheck --version": [found, "--version"],
        "capcheck rule": [found, "rule"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm the caches (pyc, page cache)
        _time(cmd)
    for _ in range(args.rounds):
        for name, cmd in commands.items():
            times[name].append(_time(cmd))
    floor = times["python -c pass"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.rounds} alternating rounds, load average {load:.2f}, {os.cpu_count()} CPUs")
    for name, values in times.items():
        ratios = [v / f for v, f in zip(values, floor, strict=True)]
        print(f"{name:20s} median {statistics.median(values) * 1000:7.1f} ms   "
              f"ratio to floor (median of rounds) {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
