"""``make-report --watch``: rebuild whenever the project's files change, warm.

File events come from the operating system (``watchfiles``: inotify on Linux) for the
folders holding report.yaml, sections/, data/, the include roots and every file the
report names; a burst of events (an editor's temp file then rename) is one batch, and a
rebuild starts only when a watched file's size or mtime really moved. The process keeps
its libraries, fonts and figure cache, so a rebuild pays for the work only: figures whose
data did not change are read from the cache, and HTML is written first (``--serve``
reloads the page), then PDF, then DOCX. A broken edit prints its errors and the watch goes
on; the last good outputs stay, since a failed build writes nothing.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
import traceback
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ReportError, Warnings, rel
from .model import Report
from .serve import Channel, Server
from .tree import Node

log = logging.getLogger("crsreport")
INTERVAL = 5.0
"""Seconds between checks when no event comes: a safety net for an event missed while
the watched folders changed, not the way edits are seen."""
STEP = 40
"""Milliseconds of quiet that end a burst of file events."""
DEBOUNCE = 400
"""Milliseconds a burst of file events may last before it is handled anyway."""
MAX_FILES = 20_000
Snapshot = dict[Path, tuple[int, int, int, int]]
BuildOnce = Callable[[Path], Report]


def watch(
    project: str | Path,
    build_once: BuildOnce,
    *,
    interval: float = INTERVAL,
    rounds: int | None = None,
    summary: Callable[[], str] | None = None,
) -> int:
    """Call ``build_once(report_file)`` now and after every change; ``rounds`` bounds the
    waits for file events (None: until interrupted). Errors are shown, never raised.
    ``summary`` says what the last good build did (one line per rebuild)."""
    from .load import project_file

    file = project_file(project)
    first = snapshot(watched_files(file, None))
    report, seen = _build(build_once, file, first, "first build", summary, None)
    log.info("watch: watching %s (Ctrl-C stops)", file.parent)
    waits = 0
    try:
        # late binding wanted: the folders watched follow the last good report
        for _ in _events(file, lambda: report, interval):  # noqa: B023
            now = snapshot(watched_files(file, report))
            while now != seen:  # also an edit made while the last build ran
                cause = _names(changed(seen, now), file.parent)
                report, seen = _build(build_once, file, now, cause, summary, report)
                now = snapshot(watched_files(file, report))
            waits += 1
            if rounds is not None and waits >= rounds:
                break
    except KeyboardInterrupt:
        pass
    log.info("watch: stopped")
    return 0


def _events(file: Path, report: Callable[[], Report | None], interval: float) -> Iterator[Any]:
    """Batches of file events in the watched folders (an empty one every ``interval``
    seconds); the folders are those of the last good report, followed as it changes."""
    import watchfiles

    while True:
        current = report()
        folders = watched_folders(file, current)
        for batch in watchfiles.watch(
            *folders,
            watch_filter=None,
            debounce=DEBOUNCE,
            step=STEP,
            rust_timeout=max(1, int(interval * 1000)),
            yield_on_timeout=True,
            recursive=False,
            ignore_permission_denied=True,
        ):
            yield batch
            if report() is not current:  # report.yaml changed: maybe the files it names
                current = report()
                if watched_folders(file, current) != folders:
                    break


def watched_folders(file: Path, report: Report | None) -> list[Path]:
    """The folders whose entries are watched: each watched file's and the roots'."""
    root = file.parent
    folders = {root, root / "sections", root / "data"}
    folders.update(path.parent for path in watched_files(file, report))
    if report is not None:
        folders.update(report.roots[1:])
    return sorted(f for f in folders if f.is_dir())


def _build(
    build_once: BuildOnce,
    file: Path,
    before: Snapshot,
    cause: str,
    summary: Callable[[], str] | None,
    last: Report | None,
) -> tuple[Report | None, Snapshot]:
    """One build and the state its inputs had when it began (``before``, taken just
    before it), so that an edit made while it ran is seen at the next check (files first
    named by this build: as they are now)."""
    report = _attempt(build_once, file, last, cause, summary)
    return report, as_before(before, watched_files(file, report))


def _attempt(
    build_once: BuildOnce,
    file: Path,
    last: Report | None,
    cause: str,
    summary: Callable[[], str] | None,
) -> Any:
    """One build; its errors are printed and the last good report is kept."""
    started = time.monotonic()
    try:
        report = build_once(file)
    except ReportError as exc:
        print(f"make-report: error: {exc}", file=sys.stderr)
        log.warning("watch: %s: build failed; the last good outputs are kept", cause)
        return last
    except Exception:
        traceback.print_exc()
        print("make-report: internal error (a bug in crsreport); still watching", file=sys.stderr)
        return last
    done = summary() if summary else f"built in {time.monotonic() - started:.2f} s"
    log.info("watch: %s: %s", cause, done)
    return report


@dataclass
class Resolved:
    """One rebuild's report, resolved once for every format."""

    report: Report
    doc: Node
    warnings: Warnings
    base: str  # the tree's input hash (``incremental.tree_inputs``)
    inputs: Snapshot  # the files the load and resolve read, as they were


class Session:
    """A warm rebuild: HTML first (the page reloads), then the other formats one by one,
    in this process, so that libraries, fonts and caches stay loaded between builds.
    The report is resolved once per build; when a file it read changes before a format
    starts, the formats left wait for the next build, whose HTML then comes first.

    Each format's time is kept for the one progress line; the pipeline's own progress
    lines are held back and a warning given by two formats' builds is printed once."""

    def __init__(
        self,
        formats: list[str],
        out: Path | None = None,
        *,
        strict: bool = False,
        channel: Channel | None = None,
        include_roots: tuple[Path, ...] = (),
    ) -> None:
        self.formats = formats
        self.out = out
        self.strict = strict
        self.include_roots = include_roots  # what --include-root grants
        self.channel = channel
        self.times: dict[str, float] = {}
        self.skipped: list[str] = []
        self.superseded: list[str] = []  # formats left for the next build: an edit came
        self._loaded: tuple[Report, Snapshot] | None = None

    def __call__(self, file: Path) -> Report:
        try:
            with _one_line():
                return self._build(file)
        except ReportError as exc:
            if self.channel is not None:
                self.channel.failed(str(exc))
            raise
        except Exception as exc:
            if self.channel is not None:
                self.channel.failed(f"internal error (a bug in crsreport): {exc!r}")
            raise

    def _build(self, file: Path) -> Report:
        from .build import parse_formats

        started = time.monotonic()
        self.times, self.skipped, self.superseded = {}, [], []
        names = parse_formats(self.formats)  # ``session_formats`` order: HTML first
        with _collection_postponed(names[0] == "html"):
            tree = self._resolve(file)
            paths: dict[str, Path] = {}
            paths[names[0]] = self._write(tree, names[0], started, paths)
        for i, name in enumerate(names[1:], 1):
            if snapshot(tree.inputs) != tree.inputs:
                self.superseded = names[i:]  # the watch rebuilds at once, HTML first
                break
            paths[name] = self._write(tree, name, started, paths)
        note_inputs(tree.report, tree.inputs)
        if self.channel is not None and not self.superseded:
            self.channel.outputs({name: path.name for name, path in paths.items()})
        return tree.report

    def _resolve(self, file: Path) -> Resolved:
        """The report resolved once for every format, its tree's hash, and the state of
        the files it read (a change to one leaves the formats not yet rendered)."""
        from .build import source_epoch
        from .incremental import tree_inputs
        from .resolve import resolve
        from .sources import recording

        report, loaded = self._load(file)
        warnings = Warnings(strict=self.strict)
        with recording() as read:
            doc = resolve(report, warnings)
        inputs = snapshot(read | loaded)
        warnings.check()
        base = tree_inputs(doc, report.root, source_epoch(report))
        return Resolved(report, doc, warnings, base, inputs)

    def _write(self, tree: Resolved, name: str, started: float, written: dict[str, Path]) -> Path:
        """Render and write one format (skipped when unchanged); the page is told of HTML.
        ``written``: this rebuild's outputs so far (the DOCX reads the PDF's pages)."""
        from .build import build_resolved

        result = build_resolved(
            tree.doc, tree.report, [name], self.out, tree.warnings, base=tree.base,
            printed=self._printed(name, written),
        )  # fmt: skip
        self.times[name] = time.monotonic() - started
        self.skipped += result.skipped
        if name == "html" and self.channel is not None:
            self.channel.reloaded(result[0].name, new=name not in result.skipped)
        return result[0]

    @staticmethod
    def _printed(name: str, written: dict[str, Path]) -> Callable[[], bytes | None] | None:
        """The output of the format ``name`` follows, if this rebuild wrote it (or found it
        unchanged, so current)."""
        from .render import FORMATS

        path = written.get(FORMATS[name].follows or "")
        return path.read_bytes if path is not None else None

    def _load(self, file: Path) -> tuple[Report, set[Path]]:
        """The report, loaded again only when report.yaml or a file it includes changed
        (YAML parsing with its source map is most of a load), and those files."""
        from .load import load_report
        from .sources import recording

        if self._loaded is not None:
            report, seen = self._loaded
            before = snapshot(seen)
            if before == seen:
                return report, set(seen)
        else:
            before = snapshot([file.resolve()])
        with recording() as read:
            report = load_report(file, include_roots=self.include_roots)
        self._loaded = report, as_before(before, read | {file.resolve()})
        return report, set(self._loaded[1])

    def summary(self) -> str:
        """``html 0.08 s · pdf 0.51 s · docx 0.60 s`` (seconds from the start of the build
        to each output on disk; ``unchanged`` for a format skipped)."""
        parts = []
        for name, seconds in self.times.items():
            parts.append(f"{name} unchanged" if name in self.skipped else f"{name} {seconds:.2f} s")
        if self.superseded:
            parts.append(f"{', '.join(self.superseded)} after the next edit's HTML")
        return " · ".join(parts)


def session_formats(formats: Iterable[str], serve: bool) -> list[str]:
    """The formats in build order: HTML first (always there when serving: it is the
    page), then the others as asked (by default PDF, then DOCX)."""
    names = list(dict.fromkeys(formats))
    if serve or "html" in names:
        names = ["html", *(n for n in names if n != "html")]
    return names


def preview(
    project: str | Path,
    session: Session,
    *,
    port: int = 0,
    open_browser: bool = False,
    ready: Callable[[str], None] | None = None,
) -> int:
    """``--watch --serve``: serve the build folder on 127.0.0.1 and watch; the page
    reloads after each good build and shows the errors of a bad one."""
    from .load import project_file

    file = project_file(project)
    folder = Path(session.out) if session.out is not None else file.parent.resolve() / "build"
    folder.mkdir(parents=True, exist_ok=True)
    session.channel = channel = Channel()
    try:
        server = Server(folder, channel, port).start()
    except OSError as exc:
        raise ReportError(f"--serve: cannot listen on {port or 'a free port'}: {exc}") from None
    print(f"make-report: serving {server.url} (only to this machine; Ctrl-C stops)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        return watch(file, session, summary=session.summary)
    finally:
        server.stop()


@contextmanager
def _collection_postponed(postpone: bool) -> Iterator[None]:
    """No garbage collection until the HTML is out: once a PDF has been rendered in this
    process, a full collection takes 0.3-0.5 s of CPU on a 50-page report, and one
    falling in the HTML's path doubled its time now and then; it runs after, instead.
    (Not while a PDF renders first: its garbage is too much to let pile up.)"""
    enabled = gc.isenabled()
    if postpone:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _one_line() -> Iterator[None]:
    """Hold back the pipeline's progress lines (unless --debug) and repeated warnings."""
    seen: set[str] = set()

    def keep(record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return log.level <= logging.DEBUG
        message = record.getMessage()
        if message in seen:
            return False
        seen.add(message)
        return True

    log.addFilter(keep)
    try:
        yield
    finally:
        log.removeFilter(keep)


def watched_files(file: Path, report: Report | None) -> set[Path]:
    """report.yaml, sections/ and data/, and (from the last good report) the include roots,
    every file the report names and every file its last build read."""
    root = file.parent
    files = {file, *_tree(root / "sections"), *_tree(root / "data")}
    if report is not None:
        for extra in report.roots[1:]:
            files.update(_tree(extra))
        files.update(named_files(report))
        files.update(read_by(report))
    return files


_MEMO: dict[tuple[int, str], tuple[weakref.ref[Report], frozenset[Path]]] = {}
"""Sets of files kept per report object (which stays the same until report.yaml changes)."""


def _remember(report: Report, what: str, files: Iterable[Path]) -> frozenset[Path]:
    for key in [k for k, (ref, _) in _MEMO.items() if ref() is None]:
        del _MEMO[key]
    kept = frozenset(files)
    _MEMO[id(report), what] = (weakref.ref(report), kept)
    return kept


def _recall(report: Report, what: str) -> frozenset[Path] | None:
    entry = _MEMO.get((id(report), what))
    return entry[1] if entry is not None and entry[0]() is report else None


def note_inputs(report: Report, files: Iterable[Path]) -> None:
    """Remember the files a build of ``report`` read: an included section's file is
    named by no field of the model, yet an edit to it must start a rebuild."""
    _remember(report, "read", files)


def read_by(report: Report) -> frozenset[Path]:
    """The files the last build of ``report`` read (``note_inputs``), if any."""
    return _recall(report, "read") or frozenset()


def named_files(report: Report) -> set[Path]:
    """Files the report's fields name (prose, data, images), inside its allowed roots.
    The paths are worked out once per report (every field dumped and resolved: 17 ms on
    a 50-page report, paid before every rebuild); whether each is a file, every time."""
    paths = _recall(report, "named")
    if paths is None:
        paths = _remember(report, "named", _named_paths(report))
    return {path for path in paths if path.is_file()}


def _named_paths(report: Report) -> set[Path]:
    found = set()
    for value in _strings(report.model_dump()):
        if "\n" in value or len(value) > 1000 or not value.strip():
            continue
        path = (report.root / value).resolve()
        if any(path.is_relative_to(r) for r in report.roots):
            found.add(path)
    return found


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _tree(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = []
    for path in folder.rglob("*"):
        if not any(part.startswith(".") for part in path.relative_to(folder).parts):
            files.append(path)
        if len(files) >= MAX_FILES:
            break
    return files


def snapshot(files: Iterable[Path]) -> Snapshot:
    """Modification and change times, size and inode of each existing file: a save of the
    same size within the clock's resolution still changes the change time (or the inode,
    when the editor renames a new file into place)."""
    state = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        if not path.is_dir():
            state[path] = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
    return state


def as_before(before: Snapshot, files: set[Path]) -> Snapshot:
    """The state of ``files`` as in ``before`` (taken before a build read them), and as
    they are now for files not in it: an edit made during the build then shows."""
    return {**snapshot(files - before.keys()), **{p: before[p] for p in files & before.keys()}}


def changed(before: Snapshot, after: Snapshot) -> list[Path]:
    """Files added, removed or modified."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def _names(paths: list[Path], root: Path) -> str:
    names = list(dict.fromkeys(rel(p, root) for p in paths))  # a file watched as two paths
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more
