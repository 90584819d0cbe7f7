"""``make-report --watch --serve``: the live preview, seen by a real browser and HTTP clients.

The server runs in this process for the HTTP and server-sent events checks (the standard
library's client, the events read off the socket as a browser would); the end-to-end test
runs the command and drives a headless Chromium over the DevTools protocol (on a pipe:
``--remote-debugging-pipe``), editing files as a writer would and reading the page.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crsreport.serve import Channel, Server

# ---------------------------------------------------------------- the server, in process


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """A server over ``tmp_path/build`` holding one page, beside a report.yaml."""
    (tmp_path / "report.yaml").write_text("id: IN10042\n")
    folder = tmp_path / "build"
    (folder / ".cache").mkdir(parents=True)
    (folder / ".cache" / "manifest-IN10042.json").write_text("{}")
    (folder / "IN10042.html").write_text("<html><body><p>Page text</p></body></html>")
    (folder / "IN10042.pdf").write_bytes(b"%PDF-1.7\n")
    server = Server(folder, Channel()).start()
    server.channel.reloaded("IN10042.html")
    try:
        yield server, folder
    finally:
        server.stop()


def get(server: Server, path: str, host: str = "") -> tuple[int, bytes, dict[str, str]]:
    """GET ``path`` sent exactly as written (no client-side clean-up of ``..``)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.httpd.server_address[1], timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host} if host else {})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


@pytest.mark.parametrize(
    "path",
    [
        "/../report.yaml",
        "/%2e%2e/report.yaml",
        "/..%2freport.yaml",
        "/etc/passwd",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/../../../../etc/passwd",
        "/.cache/manifest-IN10042.json",
        "/missing.html",
    ],
)
def test_only_the_build_folder_is_served(served, path):
    server, _ = served
    status, body, _ = get(server, path)
    assert status == 404, (path, body[:200])
    assert b"root:" not in body and b"IN10042" not in body


def test_the_page_is_served_with_the_live_reload_script(served):
    server, folder = served
    status, body, headers = get(server, "/IN10042.html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<p>Page text</p>" in body and b'new EventSource("/__events?v=' in body
    assert b"EventSource" not in (folder / "IN10042.html").read_bytes()  # served, not written
    status, body, headers = get(server, "/IN10042.pdf")
    assert (status, body, headers["Content-Type"]) == (200, b"%PDF-1.7\n", "application/pdf")
    status, _, headers = get(server, "/")
    assert status == 302 and headers["Location"] == "/IN10042.html"


def test_before_a_first_good_build_the_page_waits_and_shows_the_errors(tmp_path):
    server = Server(tmp_path, Channel()).start()
    try:
        server.channel.failed("report.yaml:3: date: '2022-22-03' is not a valid date")
        status, body, _ = get(server, "/")
        assert status == 200 and b"Waiting for the first good build" in body
        assert b"report.yaml:3: date: &#x27;2022-22-03&#x27; is not a valid date" in body
    finally:
        server.stop()


def test_a_request_naming_another_host_gets_nothing(served):
    """A page of another site whose name resolves to 127.0.0.1 (DNS rebinding)."""
    server, _ = served
    port = server.httpd.server_address[1]
    assert get(server, "/IN10042.html", host=f"localhost:{port}")[0] == 200
    status, body, _ = get(server, "/IN10042.html", host=f"evil.example:{port}")
    assert status == 403 and b"Page text" not in body


def test_the_server_listens_on_loopback_only(served):
    server, _ = served
    assert server.httpd.server_address[0] == "127.0.0.1"
    port = server.httpd.server_address[1]
    for address in other_addresses():
        with pytest.raises(OSError), socket.create_connection((address, port), timeout=3):
            pass


def other_addresses() -> list[str]:
    """This machine's addresses other than 127.0.0.1 (another loopback one at least)."""
    found = {"127.0.0.2"}
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # no packet is sent: it picks the route
        found.add(probe.getsockname()[0])
    except OSError:
        pass
    finally:
        probe.close()
    return sorted(found - {"127.0.0.1", "0.0.0.0"})


class EventStream:
    """A server-sent events client on a raw socket: the events, as a browser parses them."""

    def __init__(self, server: Server, version: int) -> None:
        port = server.httpd.server_address[1]
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(f"GET /__events?v={version} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        self.buffer = b""
        head = self._until(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and b"text/event-stream" in head

    def _until(self, end: bytes) -> bytes:
        while end not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "the event stream closed"
            self.buffer += chunk
        found, self.buffer = self.buffer.split(end, 1)
        return found

    def next(self) -> tuple[str, dict[str, Any]]:
        """The next named event (comments and the retry line skipped)."""
        while True:
            block = self._until(b"\n\n").decode()
            fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
            if "event" in fields:
                return fields["event"], json.loads(fields["data"])

    def close(self) -> None:
        self.sock.close()


def test_events_tell_reloads_problems_and_new_outputs(served):
    server, _ = served
    stream = EventStream(server, version=1)  # the page shows version 1
    try:
        server.channel.failed("report.yaml:9: sections[0].colour: unknown key 'colour'")
        assert stream.next() == (
            "problem",
            {"message": "report.yaml:9: sections[0].colour: unknown key 'colour'"},
        )
        server.channel.reloaded("IN10042.html")
        assert stream.next() == ("reload", {"version": 2, "page": "IN10042.html"})
        assert stream.next() == ("problem", {"message": ""})  # the fix clears it
        server.channel.failed("report.yaml:9: again")
        assert stream.next() == ("problem", {"message": "report.yaml:9: again"})
        server.channel.reloaded("IN10042.html", new=False)  # the edit undone: same page
        assert stream.next() == ("problem", {"message": ""})  # no reload
        server.channel.outputs({"html": "IN10042.html", "pdf": "IN10042.pdf"})
        name, data = stream.next()
        assert name == "outputs" and data["files"]["pdf"] == "IN10042.pdf"
    finally:
        stream.close()


def test_a_page_older_than_the_build_reloads_at_once(served):
    server, _ = served
    stream = EventStream(server, version=0)  # served before the build that made version 1
    try:
        assert stream.next() == ("reload", {"version": 1, "page": "IN10042.html"})
    finally:
        stream.close()


# ---------------------------------------------------------------- the command and a browser

PROJECT = {
    "report.yaml": """\
id: IN10042
title: "A Small Insight"
date: 2023-05-01
sections:
  - title: Summary of Events
    id: events
    prose: sections/events.md
  - title: Issues for Congress
    text: "Congress may consider two options."
""",
    "sections/events.md": "The events are in.\n",
}


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, chromium: str, profile: Path) -> None:
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()

        def child() -> None:  # the protocol's fds are 3 (commands) and 4 (replies)
            commands = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 10)
            replies = fcntl.fcntl(from_browser, fcntl.F_DUPFD, 10)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--remote-debugging-pipe",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            [chromium, *flags, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(3, 4),
            preexec_fn=child,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self.buffer = b""
        self.count = 0
        self.session = ""

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.count += 1
        message = {"id": self.count, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.count:
                    assert "error" not in reply, reply
                    return reply["result"]
            chunk = os.read(self._read, 1 << 16)
            assert chunk, "Chromium closed the DevTools pipe"
            self.buffer += chunk

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", url=url)["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
        os.close(self._write)
        os.close(self._read)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def save(path: Path, text: str) -> None:
    """Save as many editors do: a temporary file, then a rename over the old one."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


@pytest.mark.e2e
def test_the_browser_follows_edits_and_shows_a_broken_edit(make_project, require, tmp_path):
    chromium = require("chromium")
    project = make_project(PROJECT)
    log = tmp_path / "preview.log"
    with open(log, "w", encoding="utf-8") as stderr:
        command = [sys.executable, "-m", "crsreport", str(project), "--watch", "--serve"]
        server = subprocess.Popen(
            [*command, "--format", "html"], stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    browser = None
    try:
        line = server.stdout.readline() if server.stdout else ""
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, (line, log.read_text())
        html = project / "build" / "IN10042.html"
        wait_for(html.is_file, "the first build")
        browser = Browser(chromium, tmp_path / "profile")
        browser.open(url.group(0))
        body = lambda: browser.js("document.body ? document.body.innerText : ''") or ""  # noqa: E731
        problem = lambda: browser.js(  # noqa: E731
            "(e => e && !e.hidden ? e.textContent : '')(document.getElementById('crs-problem'))"
        )
        wait_for(lambda: "The events are in." in body(), "the page")
        state = "document.getElementById('crs-state').textContent"
        wait_for(lambda: "live" in browser.js(state), "the event stream to open")

        save(project / "sections" / "events.md", "The events were edited.\n")
        wait_for(lambda: "The events were edited." in body(), "the edit, without a reload")

        good = (project / "report.yaml").read_text(encoding="utf-8")
        save(project / "report.yaml", good.replace("    id: events\n", "    colour: red\n"))
        wait_for(lambda: "unknown key 'colour'" in problem(), "the broken edit's message")
        assert re.search(r"report\.yaml:\d+", problem())  # located: file and line
        assert "The events were edited." in body()  # the last good page stays

        save(project / "report.yaml", good.replace("two options", "three options"))
        wait_for(lambda: "three options" in body(), "the page after the fix")
        assert problem() == ""
        assert server.poll() is None
    finally:
        if browser is not None:
            browser.close()
        server.terminate()
        server.wait(timeout=30)
    assert "watch: sections/events.md: html" in log.read_text(encoding="utf-8")


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--serve"], "--serve goes with --watch"),
        (["--watch", "--open"], "--open goes with --serve"),
    ],
)
def test_serve_and_open_alone_are_refused(make_project, capsys, args, message):
    from crsreport.cli import main

    project = make_project(PROJECT)
    assert main([str(project), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (project / "build").exists()


def test_a_project_after_serve_is_not_taken_for_a_port(capsys):
    from crsreport.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["--watch", "--serve", "my-report"])
    assert stopped.value.code == 2
    assert "'my-report' is not a port number (0-65535); put PROJECT before --serve" in (
        capsys.readouterr().err
    )


def test_a_port_in_use_is_a_clean_error(make_project, capsys):
    from crsreport.cli import main

    project = make_project(PROJECT)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([str(project), "--watch", "--serve", str(port)]) == 2
    assert f"--serve: cannot listen on {port}" in capsys.readouterr().err


def test_html_is_built_first_and_always_when_serving():
    from crsreport.watch import session_formats

    assert session_formats(["pdf", "docx", "html"], serve=False) == ["html", "pdf", "docx"]
    assert session_formats(["pdf", "docx"], serve=True) == ["html", "pdf", "docx"]
    assert session_formats(["docx"], serve=False) == ["docx"]


# ---------------------------------------------------------------- file events


@pytest.mark.e2e  # waits on the operating system's file events
def test_an_editors_save_is_one_rebuild(make_project):
    """A temporary file renamed over the prose, then a burst of writes to it: each is
    one batch of file events, so one rebuild, which sees the final text."""
    import threading

    from crsreport.load import load_report
    from crsreport.watch import watch

    project = make_project(PROJECT)
    prose = project / "sections" / "events.md"
    texts: list[str] = []
    built = threading.Event()

    def once(file: Path):
        report = load_report(file)
        texts.append(prose.read_text(encoding="utf-8"))
        built.set()
        return report

    runner = threading.Thread(target=watch, args=(project, once), kwargs={"rounds": 3})
    runner.start()
    try:
        assert built.wait(60)
        built.clear()
        time.sleep(0.3)  # the watcher is set up
        save(prose, "Saved by renaming.\n")
        assert built.wait(30), "no rebuild after a save"
        built.clear()
        time.sleep(0.3)
        with prose.open("w", encoding="utf-8") as handle:  # a burst: several writes
            for word in ("Written ", "in ", "a ", "burst.\n"):
                handle.write(word)
                handle.flush()
        assert built.wait(30), "no rebuild after a burst of writes"
    finally:
        runner.join(60)
    assert texts == ["The events are in.\n", "Saved by renaming.\n", "Written in a burst.\n"]


def test_a_warm_rebuild_reads_report_yaml_again_only_when_it_changed(make_project, tmp_path):
    from crsreport.watch import Session

    project = make_project(PROJECT)
    file = project / "report.yaml"
    session = Session(["json"], tmp_path / "out")
    first = session(file)
    (project / "sections" / "events.md").write_text("Prose edited.\n", encoding="utf-8")
    again = session(file)
    assert again is first  # the model is kept: only prose changed
    tree = json.loads((tmp_path / "out" / "IN10042.json").read_text(encoding="utf-8"))
    assert "Prose edited." in json.dumps(tree)
    file.write_text(file.read_text().replace("A Small Insight", "A Retitled Insight"))
    changed = session(file)
    assert changed is not first and changed.title == "A Retitled Insight"
    assert "json" in session.summary()
