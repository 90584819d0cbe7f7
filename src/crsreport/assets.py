"""Assets stage: figures drawn from data, cached by a hash of spec, data and kind version.

An unchanged figure is read back from the cache, never redrawn. SVG serves HTML
and PDF, PNG serves DOCX.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .output import write_atomic
from .tree import Node

log = logging.getLogger("crsreport")
FORMATS_NEEDED = {"html": "svg", "pdf": "svg", "docx": "png"}


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


def draw_figures(doc: Node, formats: list[str], cache_dir: Path) -> Assets:
    """Draw (or reuse) every data figure in the formats the outputs need."""
    assets = Assets()
    wanted = sorted({FORMATS_NEEDED[f] for f in formats if f in FORMATS_NEEDED})
    for node in doc.walk():
        if node.kind == "figure" and "_draw" in node.attrs and wanted:
            _one(node, wanted, cache_dir, assets)
    return assets


def _one(node: Node, wanted: list[str], cache_dir: Path, assets: Assets) -> None:
    spec, data = node.attrs["_draw"]
    key = cache_key(node)
    files = {}
    fresh = False
    for fmt in wanted:
        path = cache_dir / f"{spec.id}-{key}.{fmt}"
        if not path.is_file():
            write_atomic(path, spec.draw(data, fmt))
            fresh = True
        files[fmt] = path.read_bytes()
    assets.files[spec.id] = files
    (assets.drawn if fresh else assets.reused).append(spec.id)
    state = "drawn" if fresh else "unchanged, not redrawn"
    log.info("figure %s: %s (%s)", spec.id, state, ", ".join(wanted))
