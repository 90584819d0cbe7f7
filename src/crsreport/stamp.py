"""The up-to-date check ``make-report`` makes before it imports anything heavy.

After a command-line build, ``<out>/.cache/stamp-<key>.json`` lists every file the
build depended on (report.yaml, includes, prose, data, bibliographies, images, and the
code and templates that shape outputs as ``codebase.py`` defines them: crsreport's own
modules, house templates, loaded plugins' packages) with size, modification time and
content hash, the environment (Python, libraries' versions, installed plugins), the
outputs' hashes and the warnings given.
``key`` hashes the command's arguments. The next run with the same arguments compares
them; when everything still matches it gives the warnings again and stops, without
loading the report. Any doubt sends it down the normal path, whose manifest decides
per format (``incremental.py``). Standard library only: this runs on every build.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import codebase
from .codebase import environment

SCHEMA = 1
RACY_NS = 2_000_000_000
"""A file modified this close to the stamp may have changed again within one mtime tick."""


def project_file(project: str | Path) -> Path:
    """The report file a PROJECT argument names (it may not exist)."""
    path = Path(project)
    return path / "report.yaml" if path.is_dir() else path


def stamp_path(
    project: str | Path, out: Path | None, formats: str, strict: bool, grants: Sequence[str] = ()
) -> Path:
    """Where the stamp of a build with these arguments lives."""
    file = project_file(project).resolve()
    folder = (out or file.parent / "build").resolve()
    names = list(dict.fromkeys(n.strip().lower() for n in formats.split(",") if n.strip()))
    args = [str(file), str(folder), names, strict, os.environ.get("SOURCE_DATE_EPOCH")]
    if grants:  # no key changes for builds without --include-root
        args.append(sorted(grants))
    key = _sha(json.dumps(args).encode())[:16]
    return folder / ".cache" / f"stamp-{key}.json"


def fresh(path: Path) -> dict[str, Any] | None:
    """The stamp at ``path`` if nothing it lists has changed, else None."""
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not _well_formed(stamp) or stamp.get("environment") != environment():
        return None
    written = stamp["written"]
    files = {**stamp["files"], **stamp["outputs"]}
    if not all(_same(Path(name), entry, written) for name, entry in files.items()):
        return None
    return stamp


def _well_formed(stamp: Any) -> bool:
    """Whether ``stamp`` has every key of the shape ``write`` gives it: a stamp edited,
    cut short or from another version means "build", never "nothing changed"."""
    if not isinstance(stamp, dict) or stamp.get("schema") != SCHEMA:
        return False
    files, outputs, formats = stamp.get("files"), stamp.get("outputs"), stamp.get("formats")
    return (
        isinstance(stamp.get("id"), str)
        and type(stamp.get("written")) is int
        and all(isinstance(x, dict) and x for x in (files, outputs))
        and isinstance(formats, list)
        and all(isinstance(f, list) and len(f) == 2 and all(map(_is_str, f)) for f in formats)
        and isinstance(stamp.get("warnings"), list)
        and all(map(_is_str, stamp["warnings"]))
    )


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def write(
    path: Path,
    started: int,
    read: Iterable[Path],
    outputs: dict[str, Path],
    report_id: str,
    warnings: list[str],
) -> None:
    """Record a build that began at ``started`` (ns) and succeeded; not when a file it
    read changed while it ran. Atomic; failing to write only costs speed."""
    from .output import write_atomic

    try:
        files = {str(p): _entry(p) for p in sorted({*map(Path, read), *own_files()})}
        if any(entry[1] > started for entry in files.values()):
            return
        stamp = {
            "schema": SCHEMA,
            "id": report_id,
            "formats": [[name, str(p)] for name, p in outputs.items()],
            "written": time.time_ns(),
            "environment": environment(),
            "files": files,
            "outputs": {str(p): _entry(p) for p in outputs.values()},
            "warnings": warnings,
        }
        write_atomic(path, json.dumps(stamp, indent=1, sort_keys=True).encode())
    except OSError:
        return


def own_files() -> list[Path]:
    """The code and templates that shape outputs (``codebase.files``)."""
    return codebase.files()


def _entry(path: Path) -> list[Any]:
    """Size, mtime, hash and the file the path resolves to (a symlink retargeted to a
    file of the same size and time is a change); the stat follows the read, so a write
    during it shows."""
    digest = _sha(path.read_bytes())
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, digest, os.path.realpath(path)]


def _same(path: Path, entry: list[Any], written: int) -> bool:
    """Whether ``path`` still holds what ``entry`` recorded (hashed only when in doubt)."""
    try:
        stat = path.stat()
        size, mtime, digest, target = entry
        if stat.st_size != size or os.path.realpath(path) != target:
            return False
        if stat.st_mtime_ns == mtime and mtime < written - RACY_NS:
            return True
        return _sha(path.read_bytes()) == digest
    except (OSError, ValueError, TypeError):
        return False


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
