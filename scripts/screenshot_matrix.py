#!/usr/bin/env python3
"""Render the HTML support matrix and screenshot it in headless Chromium.

    python scripts/screenshot_matrix.py [PATH...] [--transformer T] [-o DIR] [--html FILE]
                                        [--details FOLDER] [--full-page]

Writes DIR/matrix-1400x900.png (desktop window) and DIR/matrix-390x844.png (phone,
viewport meta honoured), plus DIR/matrix-<size>-details.png with the details panel of
FOLDER open (default: the first row). For each size it prints the page width measured
in the browser (document scrollWidth against the window's innerWidth), so a horizontal
overflow shows as a number. PATH defaults to $CAPCHECK_CORPUS when set, else the bundled
destinations. The page is opened from disk (file://) with networking disabled, as a
reviewer would open it; every request the page makes is counted (expected: the page).
Exit status: 0 written, 1 Chromium failed or the page overflows, 2 no Chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from chromium_cdp import Browser, find_browser  # noqa: E402

from capcheck.render import matrix_html  # noqa: E402
from capcheck.report.audit import run_audit  # noqa: E402
from capcheck.report.matrix import build  # noqa: E402

SIZES = ((1400, 900, False), (390, 844, True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    parser.add_argument("--transformer", type=Path, help="rudder-transformer checkout")
    parser.add_argument("-o", "--output-dir", type=Path, default=Path("."),
                        help="folder for the PNG files (default: .)")
    parser.add_argument("--html", type=Path, help="also keep the HTML page here")
    parser.add_argument("--details", metavar="FOLDER",
                        help="row whose details to screenshot (default: the first)")
    parser.add_argument("--full-page", action="store_true",
                        help="capture the whole page, not only the window")
    args = parser.parse_args()

    paths = args.paths or ([Path(os.environ["CAPCHECK_CORPUS"])]
                           if os.environ.get("CAPCHECK_CORPUS") else [])
    binary = find_browser()
    if binary is None:
        print("screenshot_matrix: no chromium found (apt-get install -y chromium)",
              file=sys.stderr)
        return 2
    result = run_audit(paths or None, args.transformer)
    for error in result.errors:
        print(error, file=sys.stderr)
    matrix = build(result.reports)
    folders = [row.folder for row in matrix.rows]
    if args.details is not None and args.details not in folders:
        print(f"screenshot_matrix: --details {args.details}: no such destination folder",
              file=sys.stderr)
        return 2
    page = matrix_html.render(matrix)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        html = (args.html or Path(tmp) / "matrix.html").resolve()
        html.write_text(page, encoding="utf-8", newline="\n")
        url = html.as_uri()
        browser = Browser(binary, Path(tmp) / "profile")
        try:
            browser.attach_to_page()
            for width, height, mobile in SIZES:
                browser.viewport(width, height, mobile)
                browser.open(url, "document.documentElement.dataset.ready === '1'")
                scroll, inner = browser.eval(
                    "[document.documentElement.scrollWidth, window.innerWidth]")
                fits = scroll <= width and inner == width
                status = status if fits else 1
                name = f"matrix-{width}x{height}"
                browser.screenshot(args.output_dir / f"{name}.png", args.full_page)
                written = [f"{name}.png"]
                key = args.details or (folders[0] if folders else None)
                if key is not None:
                    browser.open(f"{url}#open={quote(key)}",
                                 "document.getElementById('details').open")
                    browser.screenshot(args.output_dir / f"{name}-details.png")
                    written.append(f"{name}-details.png")
                print(f"{width}x{height}: page {scroll} px wide in a {inner} px window "
                      f"({'fits' if fits else 'OVERFLOWS'}); wrote {', '.join(written)}")
            outside = [u for u in browser.requests if u.split("#")[0] != url]
            print(f"requests: {len(browser.requests)} (outside the page: "
                  f"{json.dumps(outside)})")
            if outside or browser.console_errors:
                print(f"console errors: {browser.console_errors}", file=sys.stderr)
                status = 1
        finally:
            browser.close()
    print(f"{len(matrix.rows)} destinations")
    return status


if __name__ == "__main__":
    sys.exit(main())
