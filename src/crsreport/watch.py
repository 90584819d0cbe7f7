"""``make-report --watch``: rebuild whenever the project's files change.

It polls modification times (no extra dependency): report.yaml, everything under
sections/ and data/, every file the report names and the folders in include_roots.
A broken edit prints its errors and the watch goes on; the last good outputs stay,
since a failed build writes nothing.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import ReportError
from .model import Report

log = logging.getLogger("crsreport")
INTERVAL = 0.5
MAX_FILES = 20_000
Snapshot = dict[Path, tuple[int, int]]


def watch(
    project: str | Path,
    build_once: Callable[[Path], Report],
    *,
    interval: float = INTERVAL,
    rounds: int | None = None,
) -> int:
    """Call ``build_once(report_file)`` now and after every change; ``rounds`` bounds the
    polls (None: until interrupted). Errors are shown, never raised."""
    from .load import project_file

    file = project_file(project)
    report, seen = _build(build_once, file, None)
    log.info("watch: watching %s (Ctrl-C stops)", file.parent)
    polls = 0
    try:
        while rounds is None or polls < rounds:
            polls += 1
            time.sleep(interval)
            now = snapshot(watched_files(file, report))
            if now == seen:
                continue
            time.sleep(interval / 2)  # let an editor finish writing
            log.info("watch: %s changed; rebuilding", _names(changed(seen, now), file.parent))
            report, seen = _build(build_once, file, report)
    except KeyboardInterrupt:
        log.info("watch: stopped")
    return 0


def _build(
    build_once: Callable[[Path], Report], file: Path, last: Report | None
) -> tuple[Report | None, Snapshot]:
    """One build and the state its inputs had when it began, so that an edit made while
    it ran is seen at the next poll (files first named by this build: as they are now)."""
    before = snapshot(watched_files(file, last))
    report = _attempt(build_once, file, last)
    files = watched_files(file, report)
    return report, {
        **snapshot(files - before.keys()),
        **{p: before[p] for p in files & before.keys()},
    }


def _attempt(build_once: Callable[[Path], Report], file: Path, last: Report | None) -> Any:
    """One build; its errors are printed and the last good report is kept."""
    started = time.monotonic()
    try:
        report = build_once(file)
    except ReportError as exc:
        print(f"make-report: error: {exc}", file=sys.stderr)
        log.warning("watch: build failed; the last good outputs are kept; waiting for changes")
        return last
    except Exception:
        traceback.print_exc()
        print("make-report: internal error (a bug in crsreport); still watching", file=sys.stderr)
        return last
    log.info(
        "watch: built %s in %.1f s; waiting for changes", report.id, time.monotonic() - started
    )
    return report


def watched_files(file: Path, report: Report | None) -> set[Path]:
    """report.yaml, sections/ and data/, and (from the last good report) the include roots
    and every file the report names."""
    root = file.parent
    files = {file, *_tree(root / "sections"), *_tree(root / "data")}
    if report is not None:
        for extra in report.roots[1:]:
            files.update(_tree(extra))
        files.update(named_files(report))
    return files


def named_files(report: Report) -> set[Path]:
    """Files the report's fields name (prose, data, images), inside its allowed roots."""
    found = set()
    for value in _strings(report.model_dump()):
        if "\n" in value or len(value) > 1000 or not value.strip():
            continue
        path = (report.root / value).resolve()
        if any(path.is_relative_to(r) for r in report.roots) and path.is_file():
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
    """Modification time and size of each existing file."""
    state = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        if not path.is_dir():
            state[path] = (stat.st_mtime_ns, stat.st_size)
    return state


def changed(before: Snapshot, after: Snapshot) -> list[Path]:
    """Files added, removed or modified."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def _names(paths: list[Path], root: Path) -> str:
    from .errors import rel

    names = list(dict.fromkeys(rel(p, root) for p in paths))  # a file watched as two paths
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more
