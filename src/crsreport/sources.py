"""Reading the files a report names: only inside the project, with located errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from .errors import Location, Problem, ReportError

MAX_FILE_BYTES = 20 * 1024 * 1024
DATA_SUFFIXES = (".csv", ".json", ".yaml", ".yml")


def safe_path(root: Path, name: str, where: Location) -> Path:
    """Resolve ``name`` inside ``root``; anything outside (.., absolute, symlinks) is refused."""
    path = Path(name)
    if path.is_absolute() or name.startswith("~"):
        raise ReportError(
            Problem(where, f"'{name}' is an absolute path; give a path relative to the project")
        )
    full = (root / path).resolve()
    if not full.is_relative_to(root.resolve()):
        raise ReportError(
            Problem(where, f"'{name}' points outside the project folder; keep files inside it")
        )
    if not full.is_file():
        raise ReportError(Problem(where, f"file not found: '{name}' (relative to {root})"))
    if full.stat().st_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 2**20
        raise ReportError(Problem(where, f"'{name}' is larger than the {limit} MB limit"))
    return full


def read_text(root: Path, name: str, where: Location) -> str:
    """The UTF-8 text of a project file."""
    path = safe_path(root, name, where)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(Problem(where, f"'{name}' is not UTF-8 text ({exc.reason})")) from None


def load_data(root: Path, name: str, where: Location) -> Any:
    """Parse a CSV, JSON or YAML data file; a parse error names the file and line."""
    suffix = Path(name).suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise ReportError(
            Problem(where, f"'{name}': data files must be CSV, JSON or YAML ({suffix or 'none'})")
        )
    text = read_text(root, name, where)
    if suffix == ".csv":
        return parse_csv(text, name)
    if suffix == ".json":
        return parse_json(text, name)
    from .load import parse_yaml

    return parse_yaml(text, name)[0]


def parse_csv(text: str, name: str) -> list[dict[str, Any]]:
    """Rows as dicts; numbers become int or float; a ragged row is an error."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise ReportError(Problem(Location(name, 1), "empty CSV file; it needs a header row"))
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise ReportError(
                    Problem(
                        Location(name, reader.line_num),
                        f"row has {len(row)} fields but the header has {len(header)}",
                    )
                )
            rows.append({key: _number(value) for key, value in zip(header, row, strict=True)})
    except csv.Error as exc:
        raise ReportError(
            Problem(Location(name, reader.line_num), f"CSV cannot be parsed: {exc}")
        ) from None
    return rows


def parse_json(text: str, name: str) -> Any:
    """JSON data with the line of any syntax error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            Problem(Location(name, exc.lineno), f"JSON cannot be parsed: {exc.msg}")
        ) from None


def _number(value: str) -> Any:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value
