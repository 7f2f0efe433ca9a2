"""The HTML matrix in a real headless Chromium, opened from disk (file://).

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``),
so no network port, no webdriver and no Python dependency are needed. Skips when no
Chromium binary is installed (CI installs Debian's ``chromium`` in .ci/run).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from capcheck.cli import main

DESTINATIONS = Path(__file__).parent / "fixtures" / "matrix" / "destinations"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-dev-shm-usage", "--no-default-browser-check",
    "--window-size=1400,900", "--remote-debugging-pipe",
)
TIMEOUT = 30.0


def find_browser() -> str | None:
    chosen = os.environ.get("CAPCHECK_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() else None
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


class Browser:
    """A minimal DevTools protocol client over Chromium's fd 3 (in) / fd 4 (out) pipe."""

    def __init__(self, binary: str, profile: Path, url: str) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_fds() -> None:  # in the child: commands on fd 3, replies on fd 4
            high_r, high_w = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds, close_fds=False,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 65536)
                if not chunk:
                    raise EOFError("chromium closed the pipe")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, session: bool = True, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def attach_to_page(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            targets = self.send("Target.getTargets", session=False)["targetInfos"]
            pages = [t for t in targets if t["type"] == "page"]
            if pages:
                attached = self.send("Target.attachToTarget", session=False,
                                     targetId=pages[0]["targetId"], flatten=True)
                self.session = attached["sessionId"]
                return
            time.sleep(0.1)
        raise TimeoutError("chromium opened no page")

    def eval(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.eval(expression):
                return
            time.sleep(0.05)
        raise TimeoutError(f"never true: {expression}")

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the element."""
        box = self.eval(
            f"(function(){{var e=document.querySelector({json.dumps(selector)});"
            "e.scrollIntoView({block:'center'});var r=e.getBoundingClientRect();"
            "return [r.left+r.width/2, r.top+r.height/2];})()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      clickCount=1)

    def type_into(self, selector: str, text: str) -> None:
        self.click(selector)
        self.eval(f"document.querySelector({json.dumps(selector)}).select()")
        self.send("Input.insertText", text=text)

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (OSError, RuntimeError, TimeoutError, EOFError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child)
        os.close(self._from_child)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Browser]:
    binary = find_browser()
    if binary is None:
        pytest.skip("no chromium found: install Debian's `chromium` (apt-get install -y "
                    "chromium) or set CAPCHECK_CHROMIUM to a Chromium binary")
    html = tmp_path / "matrix.html"
    assert main(["matrix", str(DESTINATIONS), "--format", "html", "-o", str(html)]) == 0
    browser = Browser(binary, tmp_path / "profile", html.as_uri())
    try:
        browser.attach_to_page()
        browser.wait_for(
            "document.readyState === 'complete' && "
            "document.querySelectorAll('#matrix tbody tr').length === 6"
        )
        yield browser
    finally:
        browser.close()


VISIBLE = ("Array.from(document.querySelectorAll('#matrix tbody tr'))"
           ".filter(function (r) { return r.offsetParent !== null; })"
           ".map(function (r) { return r.dataset.folder; })")
ALL_FOLDERS = ["alpha_retl", "beta_vdm", "delta_plain", "epsilon_declared", "gamma_record",
               "zeta_escape"]


def header(title: str) -> str:
    titles = ["Destination", "Internal name", "Folder", "RETL", "JSON Mapper", "VDM v1",
              "VDM v2", "Warehouse connection modes", "Sync behaviours"]
    return f"#matrix thead th:nth-child({titles.index(title) + 1}) button"


def test_page_loads_from_disk_with_every_row(page: Browser) -> None:
    assert page.eval("location.protocol") == "file:"
    assert page.eval(VISIBLE) == ALL_FOLDERS
    assert page.eval("document.getElementById('count').textContent") == "6 of 6 shown"
    assert page.eval("document.querySelectorAll('#summary tbody tr').length") == 4


def test_filter_hides_non_matching_rows(page: Browser) -> None:
    page.type_into("#filter", "lists")
    page.wait_for("document.getElementById('count').textContent === '2 of 6 shown'")
    assert page.eval(VISIBLE) == ["epsilon_declared", "zeta_escape"]
    page.type_into("#filter", "declared supported")  # every word must match
    page.wait_for("document.getElementById('count').textContent === '2 of 6 shown'")
    assert page.eval(VISIBLE) == ["epsilon_declared", "gamma_record"]
    page.type_into("#filter", "no such destination")
    page.wait_for("document.getElementById('count').textContent === '0 of 6 shown'")
    assert page.eval(VISIBLE) == []
    assert page.eval("document.getElementById('empty').offsetParent !== null") is True
    page.type_into("#filter", "")
    page.send("Input.dispatchKeyEvent", type="keyDown", key="Backspace",
              windowsVirtualKeyCode=8)
    page.send("Input.dispatchKeyEvent", type="keyUp", key="Backspace", windowsVirtualKeyCode=8)
    page.wait_for("document.getElementById('count').textContent === '6 of 6 shown'")
    assert page.eval(VISIBLE) == ALL_FOLDERS


def test_clicking_headers_sorts_and_reverses(page: Browser) -> None:
    page.click(header("Folder"))
    assert page.eval(VISIBLE) == ALL_FOLDERS
    assert page.eval(f"document.querySelector({json.dumps(header('Folder'))})"
                     ".parentElement.getAttribute('aria-sort')") == "ascending"
    page.click(header("Folder"))
    assert page.eval(VISIBLE) == list(reversed(ALL_FOLDERS))
    page.click(header("Internal name"))  # EPSILON sorts before GAMMA_RECORD...
    assert page.eval(VISIBLE) == ["alpha_retl", "beta_vdm", "delta_plain", "epsilon_declared",
                                  "gamma_record", "zeta_escape"]
    page.click(header("VDM v1"))  # supported first, ties keep the original order
    assert page.eval(VISIBLE) == ["beta_vdm", "gamma_record", "alpha_retl", "delta_plain",
                                  "epsilon_declared", "zeta_escape"]
    page.click(header("VDM v1"))  # the second click is the exact reverse
    assert page.eval(VISIBLE) == ["zeta_escape", "epsilon_declared", "delta_plain",
                                  "alpha_retl", "gamma_record", "beta_vdm"]


def test_sorting_keeps_the_filter(page: Browser) -> None:
    page.type_into("#filter", "supported")
    page.click(header("Destination"))
    page.click(header("Destination"))
    visible = page.eval(VISIBLE)
    assert visible == sorted(visible, reverse=True) and len(visible) == 6
    page.type_into("#filter", "mirror")
    page.wait_for("document.getElementById('count').textContent === '2 of 6 shown'")
    assert page.eval(VISIBLE) == ["gamma_record", "beta_vdm"]
