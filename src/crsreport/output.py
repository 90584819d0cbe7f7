"""Writing outputs atomically: a failed or killed build never damages the last good file.

Each file is written to ``.<name>.crsreport-<pid>.<random>.tmp`` beside it, flushed to
disk, then renamed over the old file, so a reader sees the old bytes or the new, never a
mix. A writer killed before the rename leaves its temporary file behind; ``clean_stale``
(called at the start of every build) removes those whose process is gone. Only names of
that form are ever removed: the output folder may hold the writer's own ``.tmp`` files.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

STALE_SECONDS = 3600
"""A temporary file this old is removed even if its process id is in use again."""
OWNER = "crsreport"
_TEMP = re.compile(rf"^\..+\.{OWNER}-(?P<pid>\d+)\.[a-z0-9_]+\.tmp$")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{OWNER}-{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def clean_stale(folder: Path) -> list[Path]:
    """Remove temporary files left in ``folder`` by writers that were killed."""
    if not folder.is_dir():
        return []
    removed = [tmp for tmp in folder.glob(".*.tmp") if _stale(tmp)]
    for tmp in removed:
        tmp.unlink(missing_ok=True)
    return removed


def _stale(tmp: Path) -> bool:
    """A temporary file crsreport wrote whose writer is gone (or that is old)."""
    match = _TEMP.match(tmp.name)
    if match is None:
        return False  # not one of ours, however old
    try:
        age = time.time() - tmp.lstat().st_mtime
    except FileNotFoundError:
        return False
    return age > STALE_SECONDS or not _alive(int(match["pid"]))


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (a writer that may still rename its file)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
