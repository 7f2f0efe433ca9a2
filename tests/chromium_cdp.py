"""A minimal headless-Chromium driver for the HTML matrix tests and screenshot script.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
commands on fd 3, replies on fd 4), so no network port, no webdriver and no Python
dependency are needed. ``find_browser`` returns None when no Chromium is installed
(callers skip). Every request the page makes is recorded from the Network domain
(``requests``), so a test can assert that nothing left the page.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-dev-shm-usage", "--no-default-browser-check",
    "--hide-scrollbars", "--remote-debugging-pipe",
)
TIMEOUT = 30.0


def find_browser() -> str | None:
    chosen = os.environ.get("CAPCHECK_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() else None
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


class Browser:
    """One Chromium process with one page, opened on ``about:blank``."""

    def __init__(self, binary: str, profile: Path, size: tuple[int, int] = (1400, 900)) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_fds() -> None:  # in the child: commands on fd 3, replies on fd 4
            high_r, high_w = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--window-size={size[0]},{size[1]}",
             f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds, close_fds=False,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None
        self.requests: list[str] = []  # every URL the page asked for (Network domain)
        self.console_errors: list[str] = []
        self.size = size

    # --- protocol -------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed the pipe")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def _event(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        params = message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            self.console_errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.console_errors.append(params["entry"].get("text", ""))

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
            self._event(reply)

    def attach_to_page(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            targets = self.send("Target.getTargets", session=False)["targetInfos"]
            pages = [t for t in targets if t["type"] == "page"]
            if pages:
                attached = self.send("Target.attachToTarget", session=False,
                                     targetId=pages[0]["targetId"], flatten=True)
                self.session = attached["sessionId"]
                for domain in ("Network", "Runtime", "Log", "Page"):
                    self.send(f"{domain}.enable")
                return
            time.sleep(0.1)
        raise TimeoutError("chromium opened no page")

    # --- page -----------------------------------------------------------------------

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        """Emulate a window of width x height CSS pixels (``mobile`` honours the page's
        viewport meta tag, as a phone does)."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)
        self.size = (width, height)

    def open(self, url: str, ready: str = "document.readyState === 'complete'") -> None:
        self.send("Page.navigate", url=url)
        time.sleep(0.05)
        self.wait_for(f"location.href === {json.dumps(url)} && ({ready})")

    def eval(self, expression: str, await_promise: bool = False) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                if self.eval(expression):
                    return
            except RuntimeError:
                pass  # e.g. the page is still navigating
            time.sleep(0.05)
        raise TimeoutError(f"never true: {expression}")

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the element."""
        box = self.eval(
            f"(function(){{var e=document.querySelector({json.dumps(selector)});"
            "if(!e){return null;}"
            "e.scrollIntoView({block:'center'});var r=e.getBoundingClientRect();"
            "return [r.left+r.width/2, r.top+r.height/2];})()"
        )
        if box is None:
            raise LookupError(f"no element {selector}")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      clickCount=1)

    def type_into(self, selector: str, text: str) -> None:
        """Replace the field's text as a user would: select all, then type."""
        self.click(selector)
        self.eval(f"document.querySelector({json.dumps(selector)}).select()")
        if text:
            self.send("Input.insertText", text=text)
        else:
            for kind in ("keyDown", "keyUp"):
                self.send("Input.dispatchKeyEvent", type=kind, key="Backspace",
                          windowsVirtualKeyCode=8)

    def key(self, key: str, code: int) -> None:
        """Press and release a key (``Enter`` also types its character, as a keyboard does)."""
        text = {"Enter": "\r"}.get(key)
        down: dict[str, Any] = {"key": key, "code": key, "windowsVirtualKeyCode": code}
        if text:
            down["text"] = text
        self.send("Input.dispatchKeyEvent", type="keyDown", **down)
        self.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=key,
                  windowsVirtualKeyCode=code)

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            height = int(self.eval("document.documentElement.scrollHeight"))
            params["clip"] = {"x": 0, "y": 0, "width": self.size[0], "height": height,
                              "scale": 1}
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.write_bytes(base64.b64decode(data))

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
