"""Benchmark: `capcheck diff` between revisions of a real-size tree. By hand:

    python bench/bench_diff.py [CORPUS] [--runs N]     (default: $CAPCHECK_CORPUS, 5 runs)

Commits the corpus into a temporary repository (``src/configurations/destinations``),
then two revisions on top of it: one that changes 3 destinations, one that changes every
destination (``warehouse`` toggled in each db-config.json). Prints, each the median of N
runs, the wall and CPU time of ``capcheck diff BASE HEAD`` as a subprocess (interpreter
start-up and git included) and the wall time in process, with how many destination
folders were read, for each case; and, for scale, the same for ``capcheck audit`` of one
folder (what start-up alone costs). With $CAPCHECK_TRANSFORMER set, both cases again
with ``--transformer`` (VDM v2 from the code).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import median_time

DESTS = "src/configurations/destinations"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def toggle_warehouse(db_config: Path) -> None:
    doc = json.loads(db_config.read_text(encoding="utf-8"))
    config = doc.get("config")
    if not isinstance(config, dict) or not isinstance(config.get("supportedSourceTypes"), list):
        return
    types = config["supportedSourceTypes"]
    types.remove("warehouse") if "warehouse" in types else types.append("warehouse")
    db_config.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def build(corpus: Path, root: Path) -> list[str]:
    """The repository; returns the folders changed by the "three" revision."""
    git(root, "init", "-q", "-b", "main")
    shutil.copytree(corpus, root / DESTS)
    for path in (root / DESTS).rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    folders = sorted(p.name for p in (root / DESTS).iterdir() if (p / "db-config.json").is_file())
    three = [folders[0], folders[len(folders) // 2], folders[-1]]
    for name in three:
        toggle_warehouse(root / DESTS / name / "db-config.json")
    git(root, "commit", "-q", "-am", "three")
    git(root, "tag", "three")
    git(root, "checkout", "-q", "base")
    for name in folders:
        toggle_warehouse(root / DESTS / name / "db-config.json")
    git(root, "commit", "-q", "-am", "all")
    git(root, "tag", "all")
    git(root, "checkout", "-q", "main")
    return three


def subprocess_times(command: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys, children included) of a command."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def summary_examined(command: list[str], cwd: Path) -> int:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return int(json.loads(done.stdout)["summary"]["examined"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.environ.get("CAPCHECK_CORPUS", ""))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not args.corpus or not corpus.is_dir():
        print("usage: bench_diff.py CORPUS (or set CAPCHECK_CORPUS)", file=sys.stderr)
        return 2

    from capcheck.capabilities.pack import load_pack
    from capcheck.load.gitrev import RevisionSide, find_repo
    from capcheck.report.diff import diff

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        three = build(corpus, root)
        print(f"repository: {len(list((root / DESTS).iterdir()))} destination folders; "
              f"3-destination change: {', '.join(three)}")
        repo = find_repo(root)
        capabilities = load_pack(None).select({})
        baseline = [sys.executable, "-m", "capcheck", "audit", f"{DESTS}/{three[0]}"]
        wall, cpu = subprocess_times(baseline, root, args.runs)
        print(f"start-up baseline (capcheck audit of one folder): wall {wall * 1000:7.1f} ms, "
              f"cpu {cpu * 1000:6.1f} ms")
        cases = [(head, []) for head in ("three", "all")]
        transformer = os.environ.get("CAPCHECK_TRANSFORMER")
        if transformer and Path(transformer).is_dir():
            cases += [(head, ["--transformer", transformer]) for head in ("three", "all")]
        for head, extra in cases:
            command = [sys.executable, "-m", "capcheck", "diff", "base", head, DESTS,
                       "--output-format", "json", *extra]

            def in_process(rev: str = head) -> int:
                base = RevisionSide(repo, "base", repo.commit("base"))
                other = RevisionSide(repo, rev, repo.commit(rev))
                return diff(base, other, [DESTS], capabilities).examined

            examined = in_process() if not extra else summary_examined(command, root)
            summary = json.loads(subprocess.run(command, cwd=root, capture_output=True,
                                                text=True, check=False).stdout)["summary"]
            wall, cpu = subprocess_times(command, root, args.runs)
            in_wall = median_time(in_process, args.runs) if not extra else None
            shown = f"{in_wall * 1000:7.1f} ms" if in_wall is not None else "      -"
            print(f"base..{head:<5}{' --transformer' if extra else ''}  read {examined:3d} "
                  f"destination folders, {summary['capabilityChanges']:3d} capability "
                  f"changes: capcheck diff wall {wall * 1000:7.1f} ms, cpu "
                  f"{cpu * 1000:6.1f} ms (process and git); in process wall {shown}")
        print(f"(medians of {args.runs} runs; cpu = user + sys of capcheck and its git "
              "children, which does not grow with a loaded machine as wall time does)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
