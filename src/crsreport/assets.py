"""Assets stage: figures drawn from data, cached by a hash of spec, data and drawing code.

An unchanged figure is read back from the cache, never redrawn, once it passes a check: a
cached file that is empty, not a PNG, or an SVG that is not safe to inline (``svgsafe``:
a cache restored from elsewhere may hold anything) counts as missing and is drawn again.
Each function takes the
figure file kinds wanted ("svg", "png"); which kinds a format needs is on its record
(``render.Format.images``: SVG for HTML and PDF, PNG for DOCX).
"""

from __future__ import annotations

import glob
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from .figures import FIGURE_KINDS, FigureData, FigureSpec
from .output import write_atomic
from .svgsafe import svg_problem
from .tree import Drawing, Figure, Node
from .workers import tell

if TYPE_CHECKING:
    from concurrent.futures import Executor

log = logging.getLogger("crsreport")
IMAGE_TYPES = ("svg", "png")
"""The figure file kinds a format may ask for."""
SWEEP_AGE = 3600
"""Seconds before a figure's superseded cache files are removed."""
DrawTask = tuple[Drawing, dict[str, Path]]
"""A drawing and the files to draw it into (file kind -> path; SVG first)."""
FIGURE_URL = "crsreport-figure:"
"""URL scheme of a drawn figure's cache file in print pages (the PDF fetcher serves it)."""


@dataclass
class Assets:
    """Drawn figure files by figure id and format, and what this build drew or reused."""

    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    drawn: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    late: Callable[[str], bytes | None] | None = None
    """Reads a cache file by name once it is drawn, for renderers that fetch figures late."""

    def by_name(self, name: str) -> bytes | None:
        """A figure file by its cache name (``ID-KEY.svg``): in memory, or once drawn."""
        figure_id, _, rest = name.rpartition("-")
        data = self.files.get(figure_id, {}).get(rest.rpartition(".")[2])
        if data is None and self.late is not None:
            return self.late(name)
        return data


def figure_url(node: Figure) -> str:
    """How a print page names a drawn figure's SVG: by its cache file, so by content."""
    return FIGURE_URL + _paths(node, ["svg"], Path())["svg"].name


def cache_key(node: Figure) -> str:
    """The drawing's key, fixed in resolve from everything that changes the picture."""
    assert node.drawing is not None and node.drawing.key, "figure drawn without a key"
    return node.drawing.key


def draw_figures(
    doc: Node,
    kinds: Iterable[str],
    cache_dir: Path,
    pool: Executor | None = None,
    drawn_one: Callable[[], None] | None = None,
) -> Assets:
    """Draw (or reuse) every data figure in the file ``kinds`` the outputs need.

    Missing files are drawn here, or as jobs of ``pool`` (one per figure: its SVG, which
    the PDF waits for, then its PNG, from one layout), calling ``drawn_one`` as each
    figure's files are in the cache.
    """
    assets = Assets()
    wanted = _wanted(kinds)
    nodes = figure_nodes(doc) if wanted else []
    missing = {node.id: _missing(node, wanted, cache_dir) for node in nodes}
    tasks = [task for task in missing.values() if task[1]]
    drawn = {figure_id for figure_id, task in missing.items() if task[1]}
    told = drawn_one or (lambda: None)
    if pool is None:
        for task in tasks:
            _draw(task, told)
    else:
        futures = [pool.submit(_draw, task) for task in tasks]
        for future in futures:
            future.add_done_callback(lambda _: told())
        for future in futures:
            future.result()
    for node in nodes:
        _collect(node, wanted, cache_dir, assets, drawn)
    return assets


def undrawn(model: BaseModel, kinds: Iterable[str], cache_dir: Path) -> bool:
    """Whether a figure of the loaded report ``model`` that is drawn has, of some file
    ``kinds``, no file at all in ``cache_dir`` (whatever its key): known before the
    report is resolved, so that drawing can get ready meanwhile (a cold build)."""
    wanted = _wanted(kinds)
    return any(
        not any(cache_dir.glob(f"{glob.escape(spec.id)}-*.{kind}"))
        for spec in _specs(model)
        if spec.drawn
        for kind in wanted
    )


def _specs(value: object) -> Iterator[FigureSpec]:
    """Every figure spec in a model, at any depth."""
    if isinstance(value, FigureSpec):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _specs(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _specs(item)


def figure_nodes(doc: Node) -> list[Figure]:
    """The figures drawn from data (not tables or images)."""
    return [n for n in doc.walk() if isinstance(n, Figure) and n.drawing is not None]


def figure_files(doc: Node, kinds: Iterable[str], cache_dir: Path) -> list[Path]:
    """Where the cached files of every data figure, of the ``kinds`` given, are (or will be)."""
    wanted = _wanted(kinds)
    return [p for node in figure_nodes(doc) for p in _paths(node, wanted, cache_dir).values()]


def read_figures(doc: Node, kinds: Iterable[str], cache_dir: Path) -> dict[str, dict[str, bytes]]:
    """The cached files of every data figure, in the file ``kinds`` given."""
    wanted = _wanted(kinds)
    nodes = figure_nodes(doc) if wanted else []
    return {
        node.id: {fmt: checked(path) for fmt, path in _paths(node, wanted, cache_dir).items()}
        for node in nodes
    }


def _wanted(kinds: Iterable[str]) -> list[str]:
    wanted = sorted(set(kinds))
    unknown = [kind for kind in wanted if kind not in IMAGE_TYPES]
    if unknown:
        raise ValueError(f"unknown figure file kind '{', '.join(unknown)}'")
    return wanted


def _paths(node: Figure, wanted: list[str], cache_dir: Path) -> dict[str, Path]:
    key = cache_key(node)
    return {fmt: cache_dir / f"{node.id}-{key}.{fmt}" for fmt in wanted}


def _missing(node: Figure, wanted: list[str], cache_dir: Path) -> DrawTask:
    """The figure's drawing and those of its ``wanted`` files that must be drawn."""
    assert node.drawing is not None
    paths = _paths(node, wanted, cache_dir)
    return node.drawing, {kind: path for kind, path in paths.items() if _bad(path)}


def _problem(data: bytes, fmt: str) -> str | None:
    """Why a figure file's bytes may not be used, or None."""
    if fmt == "png":
        return None if data.startswith(b"\x89PNG\r\n\x1a\n") else "is not a PNG image"
    digest = hashlib.sha256(data).digest()
    if digest in _SAFE_SVG:
        return None
    problem = svg_problem(data)
    if problem is None:
        if len(_SAFE_SVG) >= MAX_SAFE_SVG:
            _SAFE_SVG.clear()
        _SAFE_SVG.add(digest)
    return problem


_SAFE_SVG: set[bytes] = set()
"""SHA-256 of the SVG files this process found safe: a ``--watch`` rebuild reads every
cached figure twice per format and checking one costs milliseconds per chart (a fifth of
a 50-page report's HTML rebuild), while hashing its bytes costs microseconds."""
MAX_SAFE_SVG = 4096


def _bad(path: Path) -> bool:
    """Whether a cache file is missing, unreadable or fails ``_problem`` (so is drawn)."""
    try:
        return _problem(path.read_bytes(), path.suffix.lstrip(".")) is not None
    except OSError:
        return True


def checked(path: Path) -> bytes:
    """A cache file's bytes, read once and checked (between a check and a second read
    another process could swap the file)."""
    data = path.read_bytes()
    problem = _problem(data, path.suffix.lstrip("."))
    if problem is not None:
        raise RuntimeError(f"figure cache file {path} {problem} after it was drawn")
    return data


def ready(path: Path) -> bool:
    """Whether a cache file is there and passes the checks (else it is still being drawn)."""
    return not _bad(path)


def _draw(task: DrawTask, told: Callable[[], None] = tell) -> None:
    """Draw a figure's files in turn (an SVG before a PNG), telling ``told`` of each (in
    a worker: whatever waits on its shared state, ``workers.tell``)."""
    drawing, files = task
    data = FigureData.model_validate(drawing.data)
    for kind, drawn in figure_spec(drawing).drawings(data, sorted(files, key=IMAGE_TYPES.index)):
        write_atomic(files[kind], drawn)
        told()


def figure_spec(drawing: Drawing) -> FigureSpec:
    """The figure spec again from its plain data. A text the resolve stage emptied of
    characters no document may hold (a title of control characters) draws as a blank."""
    cls = FIGURE_KINDS[drawing.figure_kind]
    try:
        return cls.model_validate(drawing.spec)
    except ValidationError as exc:
        emptied = {
            e["loc"][0]: " "
            for e in exc.errors()
            if e["type"] == "string_too_short" and len(e["loc"]) == 1
        }
        if not emptied:
            raise
        return cls.model_validate({**drawing.spec, **emptied})


def _collect(node: Figure, wanted: list[str], cache_dir: Path, assets: Assets, drawn: set) -> None:
    paths = _paths(node, wanted, cache_dir)
    assets.files[node.id] = {fmt: checked(path) for fmt, path in paths.items()}
    fresh = node.id in drawn
    if fresh:
        _sweep(node, cache_dir)
    (assets.drawn if fresh else assets.reused).append(node.id)
    state = "drawn" if fresh else "unchanged, not redrawn"
    log.info("figure %s: %s (%s)", node.id, state, ", ".join(wanted))


def _sweep(node: Figure, cache_dir: Path) -> None:
    """Remove the figure's files drawn from an older spec or data, once they are an hour
    old (a build running beside this one may still read its own): the cache keeps one
    version of each figure, not one per edit."""
    figure_id = node.id
    current = set(_paths(node, list(IMAGE_TYPES), cache_dir).values())
    pattern = re.compile(re.escape(figure_id) + r"-[0-9a-f]{24}\.(svg|png)")
    old = time.time() - SWEEP_AGE
    for path in cache_dir.glob(glob.escape(figure_id) + "-*"):
        if path not in current and pattern.fullmatch(path.name):
            with suppress(OSError):
                if path.stat().st_mtime < old:
                    path.unlink()
