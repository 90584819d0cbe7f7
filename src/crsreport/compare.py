"""``make-report --compare BASE``: a redline of this version against an earlier one.

BASE is a folder holding the earlier project, a tree written by ``--format json``, or a
git revision of the project (read with ``git archive``, the working tree untouched). Both
versions are loaded and resolved by the same code, ``redline`` marks the differences, and
the usual writers render the marked tree to ``<ID>-changes.<suffix>``.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .build import parse_formats, render_tree
from .errors import ReportError, Warnings
from .load import load_report, project_file
from .model import Report
from .output import write_atomic
from .redline import Redline, redline
from .render import FORMATS
from .resolve import resolve
from .tree import Document, from_dict

CHANGES_FORMAT = "crsreport-changes"


def compare(
    report: Report,
    base: str,
    formats: str | list[str],
    out_dir: str | Path | None = None,
    *,
    strict: bool = False,
    jobs: int = 1,
) -> tuple[list[Path], Redline]:
    """Write the redline of ``report`` against ``base`` in ``formats``; return the paths."""
    names = parse_formats(formats)
    warnings = Warnings(strict=strict)
    new = resolve(report, warnings)
    warnings.check()
    old, label = load_base(base, report.root)
    red = redline(old, new, label)
    out = Path(out_dir) if out_dir is not None else report.root / "build"
    paths: list[Path] = []
    drawn = [n for n in names if n != "json"]
    data = render_tree(red.doc, report, drawn, out, warnings, jobs) if drawn else {}
    if "json" in names:
        data["json"] = changes_json(red, label)
    for name in names:
        path = out / f"{report.id}-changes{FORMATS[name].suffix}"
        write_atomic(path, data[name])
        paths.append(path)
    return paths, red


def changes_json(red: Redline, base: str) -> bytes:
    """The changes for other tools: each with its section, kind, old and new text, source."""
    value = {
        "format": CHANGES_FORMAT,
        "version": 1,
        "base": base,
        "summary": red.summary,
        "changes": [c.as_dict() for c in red.changes],
    }
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode()


def load_base(base: str, project: Path) -> tuple[Document, str]:
    """The earlier version's resolved tree, and how to name it in messages."""
    path = Path(base)
    try:
        if path.is_file() and path.suffix == ".json":
            return _from_json(path), path.name
        if path.is_dir() or (path.is_file() and path.suffix in (".yaml", ".yml")):
            return _resolved(path), str(base)
        return _from_git(base, project), base
    except ReportError as exc:
        raise ReportError([f"in BASE {base}: {p}" for p in exc.problems]) from exc


def _resolved(path: Path) -> Document:
    warnings = Warnings()
    doc = resolve(load_report(path), warnings)
    warnings.check()
    return doc


def _from_json(path: Path) -> Document:
    try:
        value = json.loads(path.read_text("utf-8"))
        doc = from_dict(value["document"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(
            f"{path}: not a tree written by --format json ({exc}); pass the earlier project's "
            "folder, its .json tree or a git revision"
        ) from exc
    if not isinstance(doc, Document):
        raise ReportError(f"{path}: holds no document tree")
    return doc


def _from_git(revision: str, project: Path) -> Document:
    """The project as it was at ``revision``, unpacked to a temporary folder."""
    top = _git(project, "rev-parse", "--show-toplevel").decode().strip()
    where = project.resolve().relative_to(Path(top).resolve()).as_posix()
    archive = _git(Path(top), "archive", "--format=tar", revision, "--", where or ".")
    with tempfile.TemporaryDirectory(prefix="crsreport-base-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        root = Path(folder) / where
        if not project_file_exists(root):
            raise ReportError(f"{revision}: the project has no report.yaml at that revision")
        return _resolved(root)


def project_file_exists(root: Path) -> bool:
    try:
        project_file(root)
    except ReportError:
        return False
    return True


def _git(project: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(project), *args], capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReportError(f"git {args[0]}: {exc}") from exc
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise ReportError(
            f"not a folder, a .json tree or a git revision of {project}: "
            f"{said[-1] if said else 'git failed'}"
        )
    return done.stdout
