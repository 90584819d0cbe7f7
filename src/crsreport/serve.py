"""``make-report --watch --serve``: the build folder over HTTP on 127.0.0.1, with live reload.

Standard library only (``http.server`` in a thread): the page is the HTML output with a
small script added as it is served (never written to disk). The script listens to
server-sent events on ``/__events``: ``reload`` when a new HTML is on disk, ``problem``
with the located errors of a broken edit (shown over the last good page, which stays),
``outputs`` when the PDF and DOCX are new (the links in the bar follow). Only the build
folder's own files are served: no parent folder, no hidden file (``.cache``).
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger("crsreport")
HOST = "127.0.0.1"
HEARTBEAT = 15.0
"""Seconds between keep-alive comments on an idle event stream."""


@dataclass
class State:
    """What the page shows: the HTML's version, the last build's errors, the outputs."""

    version: int = 0
    problem: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # format → file name
    outputs_version: int = 0
    page: str = ""  # file name of the HTML output


class Channel:
    """The build's state, shared with every open event stream (a condition wakes them)."""

    def __init__(self) -> None:
        self.state = State()
        self.closed = False
        self._changed = threading.Condition()

    def reloaded(self, page: str, new: bool = True) -> None:
        """The HTML ``page`` is good: a shown problem goes, and pages reload if it is
        ``new`` (or moved)."""
        with self._changed:
            if new or page != self.state.page:
                self.state.version += 1
            self.state.problem = ""
            self.state.page = page
            self._changed.notify_all()

    def failed(self, message: str) -> None:
        """A build failed: pages show ``message``, their content stays."""
        with self._changed:
            self.state.problem = message
            self._changed.notify_all()

    def outputs(self, files: dict[str, str]) -> None:
        """New outputs (format → file name) are on disk."""
        with self._changed:
            self.state.outputs = dict(files)
            self.state.outputs_version += 1
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def snapshot(self) -> State:
        with self._changed:
            return self._copy()

    def events(self, seen: State) -> Iterator[tuple[str, dict]]:
        """Events for a stream whose page showed ``seen``: first what differs now, then
        each change as it comes; an idle heartbeat is ``("", {})``."""
        while True:
            with self._changed:
                if _same(self.state, seen) and not self.closed:
                    self._changed.wait(HEARTBEAT)
                if self.closed:
                    return
                current = self._copy()
            found = list(_differences(seen, current))
            seen = current
            yield from found or [("", {})]

    def _copy(self) -> State:
        return State(**{**self.state.__dict__, "outputs": dict(self.state.outputs)})


def _same(a: State, b: State) -> bool:
    return (a.version, a.problem, a.outputs_version) == (b.version, b.problem, b.outputs_version)


def _differences(before: State, after: State) -> Iterator[tuple[str, dict]]:
    if after.version != before.version:
        yield "reload", {"version": after.version, "page": after.page}
    if after.problem != before.problem:
        yield "problem", {"message": after.problem}
    if after.outputs_version != before.outputs_version:
        yield "outputs", {"files": after.outputs, "version": after.outputs_version}


class Server:
    """The preview server: ``start`` binds 127.0.0.1 (port 0: a free one) in a thread."""

    def __init__(self, folder: Path, channel: Channel, port: int = 0) -> None:
        self.folder = folder
        self.channel = channel
        handler = type("Handler", (_Handler,), {"server_folder": folder, "channel": channel})
        self.httpd = ThreadingHTTPServer((HOST, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}/"

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.channel.close()
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    server_folder: Path
    channel: Channel
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("serve: " + format, *args)

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if not _local_host(self.headers.get("Host", "")):
            return self._send(403, "text/plain; charset=utf-8", b"only for this machine\n")
        if path == "/__events":
            return self._events()
        if path == "/":
            page = self.channel.snapshot().page
            if page:
                return self._redirect("/" + page)
            waiting = with_live_reload(_WAITING, self.channel.snapshot())
            return self._send(200, "text/html; charset=utf-8", waiting)
        file = served_file(self.server_folder, path)
        if file is None:
            return self._send(404, "text/plain; charset=utf-8", b"not found\n")
        data = file.read_bytes()
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if file.suffix == ".html":
            data = with_live_reload(data, self.channel.snapshot())
            kind = "text/html; charset=utf-8"
        self._send(200, kind, data)

    def _send(self, code: int, kind: str, data: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        try:
            query = urlsplit(self.path).query
            seen = State(version=int(query[2:]) if query.startswith("v=") else -1)
            self.wfile.write(b"retry: 500\n\n")
            for name, data in self.channel.events(seen):
                text = f"event: {name}\ndata: {json.dumps(data)}\n\n" if name else ": idle\n\n"
                self.wfile.write(text.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ValueError):
            pass


def _local_host(host: str) -> bool:
    """Whether a request's Host names this machine's loopback (a page of another site
    whose name was pointed at 127.0.0.1 names its own host: it gets nothing)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    return name.strip("[]").lower() in ("", "127.0.0.1", "localhost", "::1")


def served_file(folder: Path, path: str) -> Path | None:
    """The file ``path`` names inside ``folder``; None for anything else (parents, links
    out, hidden files, folders)."""
    parts = [p for p in path.split("/") if p]
    if not parts or any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    root = folder.resolve()
    try:
        file = root.joinpath(*parts).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return file if file.is_relative_to(root) and file.is_file() else None


def with_live_reload(page: bytes, state: State) -> bytes:
    """The page with the preview bar and the live-reload script before ``</body>``."""
    config = json.dumps({"version": state.version, "outputs": state.outputs})
    script = _SCRIPT.replace("CONFIG", config.replace("</", "<\\/"))
    problem = html.escape(state.problem)
    addition = _BAR.replace("PROBLEM", problem).replace("SCRIPT", script).encode()
    index = page.rfind(b"</body>")
    return page[:index] + addition + page[index:] if index >= 0 else page + addition


_WAITING = (
    b"<!DOCTYPE html><html><head><title>make-report</title></head>"
    b"<body><p>Waiting for the first good build\xe2\x80\xa6</p></body></html>"
)

_BAR = """
<div id="crs-preview" style="position:fixed;right:8px;bottom:8px;z-index:2147483647;
font:12px/1.4 sans-serif;background:#fff;border:1px solid #888;padding:2px 6px">
preview · <a id="crs-pdf" href="#">PDF</a> · <a id="crs-docx" href="#">DOCX</a>
<span id="crs-state"></span></div>
<div id="crs-problem" role="alert" style="position:fixed;left:0;right:0;top:0;
z-index:2147483647;max-height:60vh;overflow:auto;margin:0;padding:12px 16px;
background:#fff4f4;color:#8a0000;border-bottom:3px solid #c00;font:13px/1.45 monospace;
white-space:pre-wrap" hidden>PROBLEM</div>
<script>SCRIPT</script>
"""

_SCRIPT = """
(function () {
  const config = CONFIG;
  const box = document.getElementById("crs-problem");
  const state = document.getElementById("crs-state");
  function links(files, version) {
    for (const kind of ["pdf", "docx"]) {
      const a = document.getElementById("crs-" + kind);
      if (files[kind]) { a.href = "/" + files[kind] + "?v=" + version; a.hidden = false; }
      else { a.hidden = true; }
    }
  }
  function problem(message) {
    box.textContent = message ? "The last edit did not build; this page is the last "
      + "good one.\\n\\n" + message : "";
    box.hidden = !message;
  }
  links(config.outputs, 0);
  problem(box.textContent);
  const y = sessionStorage.getItem("crs-scroll");
  if (y !== null) { sessionStorage.removeItem("crs-scroll"); scrollTo(0, +y); }
  const events = new EventSource("/__events?v=" + config.version);
  events.addEventListener("reload", function (e) {
    const d = JSON.parse(e.data);
    if (d.version === config.version) return;
    sessionStorage.setItem("crs-scroll", String(scrollY));
    if (location.pathname === "/" + d.page) location.reload();
    else location.href = "/" + d.page;  // the first page, or a new report id
  });
  events.addEventListener("problem", function (e) { problem(JSON.parse(e.data).message); });
  events.addEventListener("outputs", function (e) {
    const d = JSON.parse(e.data); links(d.files, d.version);
  });
  events.onopen = function () { state.textContent = "· live"; };
  events.onerror = function () { state.textContent = "· reconnecting"; };
})();
"""
