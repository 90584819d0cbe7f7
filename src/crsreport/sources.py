"""Reading the files a report names: only inside the project, with located errors."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import Location, Problem, ReportError
from .sourcemap import number_problem, parse_yaml

MAX_FILE_BYTES = 20 * 1024 * 1024
DATA_SUFFIXES = (".csv", ".json", ".yaml", ".yml")

Roots = Path | Sequence[Path]
"""The project folder, or the project folder followed by the include roots it declares."""

_recorders: list[set[Path]] = []


@contextmanager
def recording() -> Iterator[set[Path]]:
    """Collect the project files read inside the ``with`` block (for the build stamp)."""
    seen: set[Path] = set()
    _recorders.append(seen)
    try:
        yield seen
    finally:
        _recorders.remove(seen)


def note_read(path: Path) -> None:
    """Tell the open recorders that ``path`` was read."""
    for seen in _recorders:
        seen.add(path)


def safe_path(root: Roots, name: str, where: Location) -> Path:
    """Resolve ``name`` against the project folder; it must lie inside the project or one of
    its include roots (.., absolute paths and symlinks pointing elsewhere are refused)."""
    roots = [root] if isinstance(root, Path) else list(root)
    root = roots[0]
    path = Path(name)
    if path.is_absolute() or name.startswith("~"):
        raise ReportError(
            Problem(where, f"'{name}' is an absolute path; give a path relative to the project")
        )
    try:
        full = (root / path).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        loop = f"'{name}' cannot be resolved (a symlink loop?)"
        raise ReportError(Problem(where, loop)) from None
    if not any(full.is_relative_to(r.resolve()) for r in roots):
        also = " or its include_roots" if len(roots) > 1 else ""
        raise ReportError(
            Problem(
                where, f"'{name}' points outside the project folder{also}; keep files inside it"
            )
        )
    if full.exists() and not full.is_file():
        raise ReportError(Problem(where, f"'{name}' is not a regular file"))
    if not full.is_file():
        raise ReportError(Problem(where, f"file not found: '{name}' (relative to {root})"))
    stat = full.stat()
    if stat.st_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 2**20
        raise ReportError(Problem(where, f"'{name}' is larger than the {limit} MB limit"))
    if stat.st_nlink > 1:  # another name of the same file may lie anywhere on the disk
        what = f"'{name}' has {stat.st_nlink} hard links; copy it into the project instead"
        raise ReportError(Problem(where, what))
    note_read(full)
    note_read(root / path)  # the name as written: a symlink on the way may be retargeted
    return full


_IMAGE_MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",)}
_IMAGE_MAGIC[".jpeg"] = _IMAGE_MAGIC[".jpg"]


def check_image(path: Path, where: Location) -> Path:
    """``path`` if it holds the image its suffix promises (PNG, JPEG or SVG)."""
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(65536)
    size = None
    if suffix == ".svg":
        ok = b"<svg" in head
    else:
        size = _pixels(path) if head.startswith(_IMAGE_MAGIC.get(suffix, (b"\0\0\0",))) else None
        ok = size is not None
    if not ok:
        what = suffix.lstrip(".").upper().replace("JPG", "JPEG")
        raise ReportError(Problem(where, f"'{path.name}' is not a readable {what} image"))
    if size is not None and (problem := _size_problem(*size)):
        raise ReportError(Problem(where, f"'{path.name}' {problem}"))
    return path


MAX_IMAGE_PIXELS = 50_000_000
"""Pixels an image may have (about 8 700 x 5 800): larger ones the PDF renderer drops
without a word, and each costs gigabytes to decode."""


def _size_problem(width: int, height: int) -> str | None:
    """Why an image of this (claimed) size cannot be placed, or None."""
    if width < 1 or height < 1:
        return f"says it is {width} x {height} pixels; an image needs at least one pixel"
    if width * height > MAX_IMAGE_PIXELS:
        return (
            f"is {width:,} x {height:,} pixels; at most {MAX_IMAGE_PIXELS:,} pixels can be "
            "placed (scale it down)"
        )
    return None


def _pixels(path: Path) -> tuple[int, int] | None:
    """The width and height the image header gives (as the DOCX writer will read them),
    or None when it cannot be read."""
    from docx.image.image import Image

    try:
        image = Image.from_file(str(path))
    except Exception:
        return None
    return image.px_width, image.px_height


def is_prose_file(item: str) -> bool:
    """Whether a prose item names a Markdown file (one line ending in .md), not inline text."""
    return "\n" not in item and item.strip().endswith(".md")


def read_text(root: Roots, name: str, where: Location) -> str:
    """The UTF-8 text of a project file."""
    path = safe_path(root, name, where)
    return decode(path.read_bytes(), where, f"'{name}' is ")


def decode(data: bytes, where: Location, what: str = "") -> str:
    """UTF-8 text, BOM dropped, newlines made "\\n"; bad bytes are named by line and offset."""
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        at = f"line {line}, byte {exc.start}"
        if where.line is None:
            where = Location(where.file, line, where.field)
        raise ReportError(Problem(where, f"{what}not UTF-8 text ({exc.reason} at {at})")) from None


def load_data(root: Roots, name: str, where: Location) -> Any:
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
    return parse_yaml(text, name)[0]


def parse_csv(text: str, name: str) -> list[dict[str, Any]]:
    """Rows as dicts; numbers become int or float; a ragged row is an error."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise ReportError(Problem(Location(name, 1), "empty CSV file; it needs a header row"))
        twice = sorted({key for key in header if header.count(key) > 1})
        if twice:
            what = f"column '{', '.join(twice)}' appears twice in the header; rename one"
            raise ReportError(Problem(Location(name, 1), what))
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
            where = Location(name, reader.line_num)
            rows.append({key: _number(v, where) for key, v in zip(header, row, strict=True)})
    except csv.Error as exc:
        raise ReportError(
            Problem(Location(name, reader.line_num), f"CSV cannot be parsed: {exc}")
        ) from None
    return rows


def parse_json(text: str, name: str) -> Any:
    """JSON data with the line of any syntax error."""
    try:
        return json.loads(text, parse_int=_json_number(int), parse_float=_json_number(float))
    except _NumberError as exc:
        line = text.count("\n", 0, text.find(exc.text)) + 1
        raise ReportError(Problem(Location(name, line), exc.problem)) from None
    except json.JSONDecodeError as exc:
        raise ReportError(
            Problem(Location(name, exc.lineno), f"JSON cannot be parsed: {exc.msg}")
        ) from None
    except RecursionError:
        where = Location(name, _deep_line(text))
        raise ReportError(Problem(where, "JSON nested too deeply to read")) from None


def _deep_line(text: str, limit: int = 100) -> int:
    """The line where brackets first nest ``limit`` deep (strings skipped roughly)."""
    depth, quoted = 0, False
    for i, char in enumerate(text):
        if char == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "[{":
            depth += 1
            if depth >= limit:
                return text.count("\n", 0, i) + 1
        elif not quoted and char in "]}":
            depth -= 1
    return 1


_INT = re.compile(r"[+-]?(0|[1-9]\d*)")
_FLOAT = re.compile(r"[+-]?((0|[1-9]\d*)(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class _NumberError(ValueError):
    """A number in JSON data too long or too large to use."""

    def __init__(self, text: str, problem: str) -> None:
        super().__init__(problem)
        self.text, self.problem = text, problem


def _json_number(kind: type) -> Any:
    def parse(text: str) -> Any:
        problem = _number_problem(text)
        if problem:
            raise _NumberError(text, problem)
        return kind(text)

    return parse


def _number_problem(text: str) -> str | None:
    """Why a number written as ``text`` cannot be read: too many digits, or past the
    largest float (``1e999`` would be read as infinity)."""
    problem = number_problem(text)
    if problem is None and abs(float(text)) == float("inf"):
        problem = f"'{text[:40]}' is past the largest number a chart or table can hold"
    return problem


def _number(value: str, where: Location) -> Any:
    """A CSV cell as int or float when it is written as a plain number, else the text:
    ``007`` (a code), ``1_000``, ``nan`` and ``inf`` stay text."""
    text = value.strip()
    if not (_INT.fullmatch(text) or _FLOAT.fullmatch(text)):
        return value
    if problem := _number_problem(text):
        raise ReportError(Problem(where, problem))
    return int(text) if _INT.fullmatch(text) else float(text)
