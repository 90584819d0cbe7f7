"""axe-core, the accessibility engine browsers' own audits use, run on a page in the
headless Chromium the tests already have, over the DevTools protocol on a pipe (no driver,
no port, no extra Python package). scripts/setup installs axe-core from npm.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from conftest import missing

AXE_JS = Path(__file__).resolve().parents[1] / ".venv" / "axe" / "node_modules" / "axe-core"
AXE_JS = AXE_JS / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_source() -> str:
    """axe-core's script; fails under CI=true, else skips, when it is not installed."""
    path = Path(os.environ.get("CRSREPORT_AXE", AXE_JS))
    if path.is_file():
        return path.read_text(encoding="utf-8")
    missing(f"axe-core is not installed at {path} (scripts/setup installs it)")


def run_axe(chromium: str, page: Path, width: int, height: int = 900) -> list[dict[str, Any]]:
    """axe-core's violations (WCAG 2.1 A and AA, and best practice) for ``page`` shown in a
    window ``width`` CSS pixels wide."""
    source = axe_source()
    with tempfile.TemporaryDirectory() as profile, _Browser(chromium, profile) as browser:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        session = browser.call("Target.attachToTarget", targetId=target, flatten=True)
        sid = session["sessionId"]
        browser.call("Page.enable", sid)
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        browser.call("Emulation.setDeviceMetricsOverride", sid, **metrics)
        browser.call("Page.navigate", sid, url=page.resolve().as_uri())
        browser.wait_for("Page.loadEventFired", sid)
        browser.evaluate(sid, source)
        options = json.dumps({"runOnly": {"type": "tag", "values": TAGS}})
        found = browser.evaluate(
            sid, f"axe.run(document, {options}).then(r => JSON.stringify(r.violations))"
        )
        return json.loads(found)


def summary(violations: list[dict[str, Any]]) -> list[str]:
    """One line per violation: rule, impact and the first offending element."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}" for v in violations
    ]


class _Browser:
    """Chromium with ``--remote-debugging-pipe``: it reads commands on fd 3 and answers on
    fd 4, each message JSON ended by a NUL byte."""

    def __init__(self, chromium: str, profile: str) -> None:
        self.command_args = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank",
        ]  # fmt: skip
        self.next_id = 0
        self.buffer = b""
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> _Browser:
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def hand_over() -> None:  # the child's fds 3 and 4 are the pipe ends
            read, write = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child_r, from_child_w))
            os.dup2(read, 3)
            os.dup2(write, 4)

        # fds 3 and 4 are kept too: the child closes other fds after hand_over has run
        self.process = subprocess.Popen(
            self.command_args, pass_fds=(3, 4, to_child_r, from_child_w), preexec_fn=hand_over,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(to_child_r)
        os.close(from_child_w)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.send("Browser.close")
            self.process.wait(timeout=20)
        except Exception:
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self.to_child)
            os.close(self.from_child)

    def send(self, method: str, session: str | None = None, **params: Any) -> int:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        return self.next_id

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        wanted = self.send(method, session, **params)
        while True:
            message = self.receive()
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, session: str) -> None:
        while True:
            for message in self.events:
                if message.get("method") == event and message.get("sessionId") == session:
                    return
            self.events.append(self.receive())

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", session, expression=expression, awaitPromise=True,
            returnByValue=True,
        )  # fmt: skip
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def receive(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)
