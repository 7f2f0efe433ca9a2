"""Write the outputs of every verdict-producing command over a corpus into a folder, to
compare two versions of capcheck byte for byte (run once per version, then ``diff -r``):

    python bench/snapshot_outputs.py OUT_DIR [CORPUS] [--transformer T]
        (defaults: $CAPCHECK_CORPUS, $CAPCHECK_TRANSFORMER)

Each command's stdout, stderr and exit code go to OUT_DIR/<name>.{out,err,rc}; ``docs``
writes its tree to OUT_DIR/docs*/ and ``lock`` its file to OUT_DIR/lock*.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("corpus", nargs="?", default=os.environ.get("CAPCHECK_CORPUS", ""))
    parser.add_argument("--transformer", default=os.environ.get("CAPCHECK_TRANSFORMER", ""))
    args = parser.parse_args()
    if not args.corpus or not args.transformer:
        print("usage: snapshot_outputs.py OUT_DIR CORPUS --transformer T", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    corpus, tr = args.corpus, ["--transformer", args.transformer]
    runs: dict[str, list[str]] = {}
    for variant, extra in (("", []), ("-t", tr)):
        for fmt in ("markdown", "json", "table"):
            runs[f"audit-{fmt}{variant}"] = ["audit", corpus, "--format", fmt, *extra]
        for fmt in ("markdown", "html", "csv", "json"):
            runs[f"matrix-{fmt}{variant}"] = ["matrix", corpus, "--format", fmt, *extra]
        for fmt in ("text", "json", "github", "sarif", "junit"):
            runs[f"check-{fmt}{variant}"] = ["check", corpus, "--no-config",
                                             "--output-format", fmt, *extra]
        runs[f"lock{variant}"] = ["lock", corpus, "--no-config", "-o",
                                  str(out / f"lock{variant}.json"), *extra]
        runs[f"check-lock{variant}"] = ["check", corpus, "--no-config", "--lock",
                                        str(out / f"lock{variant}.json"), *extra]
        runs[f"docs{variant}"] = ["docs", corpus, "--out", str(out / f"docs{variant}"), *extra]
    runs["audit-default"] = ["audit"]
    runs["check-default"] = ["check", "--no-config"]
    for name, argv in runs.items():
        proc = subprocess.run([sys.executable, "-m", "capcheck", *argv], capture_output=True,
                              cwd=out)
        (out / f"{name}.out").write_bytes(proc.stdout)
        (out / f"{name}.err").write_bytes(proc.stderr)
        (out / f"{name}.rc").write_text(f"{proc.returncode}\n")
        print(f"{name}: exit {proc.returncode}, {len(proc.stdout)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
