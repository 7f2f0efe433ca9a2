#!/usr/bin/env python3
"""Render the HTML support matrix and take a PNG screenshot of it in headless Chromium.

    python scripts/screenshot_matrix.py [PATH...] [--out matrix.png] [--html matrix.html]

PATH defaults to $CAPCHECK_CORPUS when set, else the bundled destinations. The page is
opened from disk (file://) with networking disabled, as a reviewer would open it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from capcheck.render import matrix_html
from capcheck.report.audit import run_audit
from capcheck.report.matrix import build

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    parser.add_argument("--out", type=Path, default=Path("matrix.png"), help="PNG to write")
    parser.add_argument("--html", type=Path, help="also keep the HTML page here")
    parser.add_argument("--size", default="1700,1100", help="window WIDTH,HEIGHT")
    args = parser.parse_args()

    paths = args.paths or ([Path(os.environ["CAPCHECK_CORPUS"])]
                           if os.environ.get("CAPCHECK_CORPUS") else [])
    browser = os.environ.get("CAPCHECK_CHROMIUM") or next(
        (p for name in BROWSERS if (p := shutil.which(name))), None)
    if browser is None:
        print("screenshot_matrix: no chromium found (apt-get install -y chromium)",
              file=sys.stderr)
        return 2
    result = run_audit(paths or None)
    for error in result.errors:
        print(error, file=sys.stderr)
    page = matrix_html.render(build(result.reports))
    with tempfile.TemporaryDirectory() as tmp:
        html = args.html or Path(tmp) / "matrix.html"
        html.write_text(page, encoding="utf-8")
        out = args.out.resolve()
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--window-size={args.size}", f"--screenshot={out}", html.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not out.exists():
        print(f"screenshot_matrix: chromium failed ({done.returncode}): {done.stderr[-500:]}",
              file=sys.stderr)
        return 1
    print(f"wrote {out} ({len(result.reports)} destinations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
