"""Load stage: read report.yaml and validate it into a located ``Report``.

The YAML parsing and its source map live in ``sourcemap``, the located validation in
``validation``; both are re-exported here for callers of the load stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import Location, Problem, ReportError
from .include import expand_includes
from .model import Report
from .plugins import load_plugins
from .sourcemap import parse_yaml
from .sources import MAX_FILE_BYTES, decode, note_read
from .validation import validate

__all__ = ["load_report", "parse_yaml", "project_file", "validate"]


def project_file(path: str | Path) -> Path:
    """The report.yaml a PROJECT argument names (a folder or the file itself)."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.yaml"
    if not path.is_file():
        raise ReportError(
            f"{path}: no report file here; pass a project folder holding report.yaml "
            "or the path of a report YAML file"
        )
    return path


def load_report(path: str | Path, *, include_roots: Sequence[Path] = ()) -> Report:
    """Read and validate a report.yaml (or a folder holding one). ``include_roots`` are
    folders the person running the build lets the report reach (``--include-root``)."""
    load_plugins()
    file = project_file(path)
    root = file.parent.resolve()
    name = file.name
    text = _read(file)
    data, lines = parse_yaml(text, name)
    if not isinstance(data, dict):
        raise ReportError(Problem(Location(name, 1), "the report file must be a YAML mapping"))
    included = expand_includes(data, root, name, lines, include_roots)
    return validate(data, name, lines).located(root, name, lines, included)


def _read(file: Path) -> str:
    note_read(file.resolve())
    if file.stat().st_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 2**20
        raise ReportError(Problem(Location(file.name), f"larger than the {limit} MB limit"))
    return decode(file.read_bytes(), Location(file.name))
