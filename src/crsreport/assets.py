"""Assets stage: figures drawn from data, cached by a hash of spec, data and kind version.

An unchanged figure is read back from the cache, never redrawn. SVG serves HTML
and PDF, PNG serves DOCX.
"""

from __future__ import annotations

import hashlib
import json
import logging
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .output import write_atomic
from .tree import Node
from .workers import run

log = logging.getLogger("crsreport")
FORMATS_NEEDED = {"html": "svg", "pdf": "svg", "docx": "png"}
DrawTask = tuple[Any, Any, dict[str, Path]]
"""A figure spec, its data, and the files still to draw (format -> path)."""


@dataclass
class Assets:
    """Drawn figure files by figure id and format, and what this build drew or reused."""

    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    drawn: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


def cache_key(node: Node) -> str:
    """Hash of everything that changes the picture."""
    spec, data = node.attrs["_draw"]
    payload = {
        "kind": spec.kind,
        "version": spec.version,
        "spec": spec.model_dump(mode="json"),
        "data": data.model_dump(mode="json"),
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def draw_figures(
    doc: Node, formats: list[str], cache_dir: Path, jobs: int = 1, executor: Executor | None = None
) -> Assets:
    """Draw (or reuse) every data figure in the formats the outputs need.

    Missing files are drawn first, in ``executor`` or up to ``jobs`` worker processes.
    """
    assets = Assets()
    wanted = sorted({FORMATS_NEEDED[f] for f in formats if f in FORMATS_NEEDED})
    nodes = [n for n in doc.walk() if n.kind == "figure" and "_draw" in n.attrs] if wanted else []
    todo = [task for node in nodes if (task := _missing(node, wanted, cache_dir))]
    run(_draw, todo, jobs, executor=executor)
    drawn = {spec.id for spec, _data, _paths in todo}
    for node in nodes:
        _collect(node, wanted, cache_dir, assets, drawn)
    return assets


def read_figures(doc: Node, formats: list[str], cache_dir: Path) -> dict[str, dict[str, bytes]]:
    """The cached files of every data figure, in the file types ``formats`` need."""
    wanted = sorted({FORMATS_NEEDED[f] for f in formats if f in FORMATS_NEEDED})
    nodes = [n for n in doc.walk() if n.kind == "figure" and "_draw" in n.attrs] if wanted else []
    return {
        node.attrs["_draw"][0].id: {
            fmt: path.read_bytes() for fmt, path in _paths(node, wanted, cache_dir).items()
        }
        for node in nodes
    }


def _paths(node: Node, wanted: list[str], cache_dir: Path) -> dict[str, Path]:
    key = cache_key(node)
    return {fmt: cache_dir / f"{node.attrs['_draw'][0].id}-{key}.{fmt}" for fmt in wanted}


def _missing(node: Node, wanted: list[str], cache_dir: Path) -> DrawTask | None:
    spec, data = node.attrs["_draw"]
    paths = {fmt: p for fmt, p in _paths(node, wanted, cache_dir).items() if not p.is_file()}
    return (spec, data, paths) if paths else None


def _draw(task: DrawTask) -> None:
    spec, data, paths = task
    for fmt, path in paths.items():
        write_atomic(path, spec.draw(data, fmt))


def _collect(node: Node, wanted: list[str], cache_dir: Path, assets: Assets, drawn: set) -> None:
    spec = node.attrs["_draw"][0]
    paths = _paths(node, wanted, cache_dir)
    assets.files[spec.id] = {fmt: path.read_bytes() for fmt, path in paths.items()}
    fresh = spec.id in drawn
    (assets.drawn if fresh else assets.reused).append(spec.id)
    state = "drawn" if fresh else "unchanged, not redrawn"
    log.info("figure %s: %s (%s)", spec.id, state, ", ".join(wanted))
