"""Benchmark: capcheck's commands against a parse-only floor, side by side. By hand:

    python bench/bench_perf.py [CORPUS] [--transformer T] [--rounds N] [--only NAME ...]
        (defaults: $CAPCHECK_CORPUS, $CAPCHECK_TRANSFORMER, 7 rounds)

Each round runs the floor and the command once each, in alternating order, as fresh
processes; the figure is the median of the per-round ratios (command / floor), next to
the median wall times. The floors:

- matrix: read + ``json.loads`` every definition file, read every transformer source
  file capcheck scans (the list is made beforehand, so the floor walks no folders);
  ``matrix-j1`` is the same command in one process (``--jobs 1``: no workers);
- check: the same, plus ``import jsonschema``;
- version: ``python -c pass``;
- one destination: ``import jsonschema, yaml`` and parse the destination's 3 files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = """
import json, sys
if sys.argv[2] == "1":
    import jsonschema
if sys.argv[3] == "1":
    import yaml
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
for line in lines:
    kind, path = line[0], line[2:]
    if kind == "j":
        with open(path, encoding="utf-8") as f:
            json.loads(f.read())
    else:
        with open(path, encoding="utf-8", errors="replace") as f:
            f.read()
"""


# Runs capcheck from a source tree given as argv[1] (an exported older version, say),
# ahead of the installed one (an editable install's finder is set aside).
FROM_TREE = """
import runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, sys.argv.pop(1))
sys.argv[0] = "capcheck"
runpy.run_module("capcheck", run_name="__main__", alter_sys=True)
"""


def capcheck_command(tree: str | None = None) -> list[str]:
    if tree:
        return [sys.executable, "-c", FROM_TREE, tree]
    script = Path(sys.executable).parent / "capcheck"
    if script.is_file():
        return [str(script)]
    found = shutil.which("capcheck")
    return [found] if found else [sys.executable, "-m", "capcheck"]


def file_list(corpus: Path, transformer: Path | None, only: str | None = None) -> list[str]:
    """``j PATH`` for each definition file, ``t PATH`` for each transformer file scanned."""
    from capcheck.load.definitions import DEFINITION_FILES
    from capcheck.load.transformer import LAYOUTS, _walk_sources, candidate_names, resolve_src

    folders = [corpus / only] if only else sorted(p for p in corpus.iterdir() if p.is_dir())
    src = resolve_src(transformer) if transformer else None
    lines: list[str] = []
    for folder in folders:
        if not (folder / "db-config.json").is_file():
            continue
        for name in DEFINITION_FILES:
            if (folder / name).is_file():
                lines.append(f"j {folder / name}")
        if not isinstance(src, Path):
            continue
        try:
            internal = json.loads((folder / "db-config.json").read_text(encoding="utf-8"))["name"]
        except (ValueError, KeyError, TypeError):
            internal = ""
        for layout in LAYOUTS:
            for name in candidate_names(folder.name, str(internal)):
                if (src / layout / name).is_dir():
                    lines += [f"t {path}" for _parts, path, _code, _link
                              in _walk_sources(src / layout / name)]
                    break
    return lines


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed with exit {proc.returncode}: {' '.join(argv)}")
    return elapsed


def side_by_side(floor: list[str], command: list[str], rounds: int) -> tuple[float, float, float]:
    floors: list[float] = []
    commands: list[float] = []
    for i in range(rounds):
        if i % 2:
            commands.append(timed(command))
            floors.append(timed(floor))
        else:
            floors.append(timed(floor))
            commands.append(timed(command))
    ratios = [c / f for c, f in zip(commands, floors, strict=True)]
    return statistics.median(floors), statistics.median(commands), statistics.median(ratios)


def _spin(count: int) -> None:
    total = 0
    for number in range(count):
        total += number


def parallel_check(count: int = 1_000_000, rounds: int = 3) -> str:
    """A line saying whether this machine's CPUs are free: the time of two copies of a
    busy loop run at once (forked), against one alone (best of ``rounds``). The matrix
    uses every CPU and its floor one, so a neighbour on another CPU (a shared host)
    costs the matrix more: then its ratio says little."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return "CPU check: one CPU (or no fork): skipped"
    alone, together = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        _spin(count)
        alone.append(time.perf_counter() - started)
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the second copy
            _spin(count)
            os._exit(0)
        _spin(count)
        os.waitpid(pid, 0)
        together.append(time.perf_counter() - started)
    ratio = min(together) / min(alone)
    verdict = "free" if ratio < 1.15 else "CONTENDED (ratios taken meanwhile say little)"
    return (f"CPU check: two busy processes at once take {ratio:.2f}x the time of one "
            f"(one alone {min(alone) * 1000:.0f} ms, best of {rounds}): {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.environ.get("CAPCHECK_CORPUS", ""))
    parser.add_argument("--transformer", default=os.environ.get("CAPCHECK_TRANSFORMER", ""))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--destination", default="moengage",
                        help="folder for the one-destination figure (default: moengage)")
    parser.add_argument("--tree", metavar="DIR",
                        help="run capcheck from this source tree (holding capcheck/ with its "
                             "data/schemas and data/destinations), e.g. an exported older "
                             "version, instead of the installed one")
    parser.add_argument("--only", action="append", default=[],
                        choices=["matrix", "matrix-j1", "check", "version", "one"])
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not args.corpus or not corpus.is_dir():
        print("usage: bench_perf.py CORPUS [--transformer T] (or set CAPCHECK_CORPUS)",
              file=sys.stderr)
        return 2
    transformer = Path(args.transformer) if args.transformer else None
    cap = capcheck_command(args.tree)
    tr = ["--transformer", str(transformer)] if transformer else []
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        all_files = Path(tmp, "all.txt")
        all_files.write_text("\n".join(file_list(corpus, transformer)), encoding="utf-8")
        one_files = Path(tmp, "one.txt")
        one_files.write_text("\n".join(file_list(corpus, None, args.destination)),
                             encoding="utf-8")
        cases = {
            "matrix": ([py, "-c", FLOOR, str(all_files), "0", "0"],
                       [*cap, "matrix", str(corpus), *tr, "--format", "json"],
                       "read + json.loads definitions, read transformer sources"),
            "matrix-j1": ([py, "-c", FLOOR, str(all_files), "0", "0"],
                          [*cap, "matrix", str(corpus), *tr, "--format", "json", "--jobs", "1"],
                          "the same floor; one process (no workers)"),
            "check": ([py, "-c", FLOOR, str(all_files), "1", "0"],
                      [*cap, "check", str(corpus), *tr, "--no-config",
                       "--output-format", "json"],
                      "the same + import jsonschema"),
            "version": ([py, "-c", "pass"], [*cap, "--version"], "python -c pass"),
            "one": ([py, "-c", FLOOR, str(one_files), "1", "1"],
                    [*cap, "check", str(corpus / args.destination), "--no-config"],
                    f"import jsonschema + yaml, parse {args.destination}'s files"),
        }
        print(f"{args.rounds} rounds, alternating; load average {os.getloadavg()[0]:.2f} "
              f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} at start")
        print(parallel_check())
        print(f"  {'command':60s} {'floor':>9s} {'capcheck':>9s} {'ratio':>7s}")
        for name, (floor, command, what) in cases.items():
            if args.only and name not in args.only:
                continue
            if name == "matrix-j1" and args.tree:  # older versions have no --jobs
                continue
            f, c, ratio = side_by_side(floor, command, args.rounds)
            shown = " ".join(["capcheck", *command[len(cap):]]).replace(str(corpus), "DEFS")
            if transformer:
                shown = shown.replace(str(transformer), "T")
            print(f"  {shown[:60]:60s} {f * 1000:7.0f}ms {c * 1000:7.0f}ms {ratio:6.2f}x")
            print(f"    floor: {what}")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at end")
        print(parallel_check())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
