"""Incremental builds: a manifest of content hashes, so an unchanged format is not rendered again.

``<out>/.cache/manifest-<ID>.json`` records, per format, the hash of everything its
output depends on (the resolved tree, the figure cache keys, image files, the code and
templates that shape outputs as ``codebase.py`` defines them: crsreport's modules, the
house templates, loaded plugins' packages, the libraries' versions; and the date stamp),
the hash of the output written, and the warnings its renderer gave. A format is skipped
when both hashes still match; its warnings are given again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assets import cache_key
from .codebase import fingerprint
from .errors import Location, Problem
from .output import write_atomic
from .tree import Figure, Node, to_dict

log = logging.getLogger("crsreport")
SCHEMA = 1


def digest(data: bytes) -> str:
    """A short content hash."""
    return hashlib.sha256(data).hexdigest()[:32]


def tree_inputs(doc: Node, root: Path, epoch: int) -> str:
    """Hash of what every format reads: the tree, figure keys, image files, and the
    code and templates that shape outputs (``codebase.fingerprint``)."""
    figures = {}
    files = {}
    for node in doc.walk():
        if isinstance(node, Figure) and node.drawing is not None:
            figures[node.id] = cache_key(node)
        if isinstance(node, Figure) and node.file:
            files[node.file] = digest(Path(node.file).read_bytes())
    payload = {
        "schema": SCHEMA,
        "tree": to_dict(doc),
        "figures": figures,
        "files": files,
        "code": fingerprint(),
        "root": str(root),
        "epoch": epoch,
    }
    return digest(json.dumps(payload, sort_keys=True, default=str).encode())


def format_inputs(base: str, name: str, target: str) -> str:
    """The input hash of one format: the shared hash plus the format and its renderer."""
    return digest(f"{base}\0{name}\0{target}".encode())


@dataclass
class Manifest:
    """What the last build wrote, per format."""

    path: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, out: Path, report_id: str) -> Manifest:
        """The manifest of ``report_id`` in ``out`` (empty when missing or unreadable)."""
        path = out / ".cache" / f"manifest-{report_id}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        formats = data.get("formats") if isinstance(data, dict) else None
        if not isinstance(formats, dict) or data.get("schema") != SCHEMA:
            return cls(path)  # any other shape: every format is built again
        return cls(path, {k: v for k, v in formats.items() if _well_formed(v)})

    def fresh(self, name: str, inputs: str, output: Path) -> bool:
        """Whether ``output`` was built from ``inputs`` and is unchanged since."""
        entry = self.entries.get(name)
        if not entry or entry.get("inputs") != inputs or not output.is_file():
            return False
        return entry.get("output") == digest(output.read_bytes())

    def warnings(self, name: str) -> list[Problem]:
        """The warnings the format's renderer gave when it was built."""
        return [_problem(w) for w in self.entries.get(name, {}).get("warnings", [])]

    def record(self, name: str, inputs: str, data: bytes, warnings: list[Problem]) -> None:
        """Note a freshly rendered output."""
        self.entries[name] = {
            "inputs": inputs,
            "output": digest(data),
            "warnings": [_plain(p) for p in warnings],
        }

    def save(self) -> None:
        """Write the manifest atomically."""
        text = json.dumps({"schema": SCHEMA, "formats": self.entries}, indent=1, sort_keys=True)
        write_atomic(self.path, text.encode())


def _well_formed(entry: Any) -> bool:
    """Whether a format's entry has the shape ``record`` gives it (else it is rebuilt)."""
    if not isinstance(entry, dict):
        return False
    hashes = all(isinstance(entry.get(k), str) for k in ("inputs", "output"))
    warnings = entry.get("warnings")
    return hashes and isinstance(warnings, list) and all(map(_is_warning, warnings))


def _is_warning(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("file"), str)
        and isinstance(data.get("message"), str)
        and isinstance(data.get("line"), int | None)
        and isinstance(data.get("field"), str | None)
    )


def _plain(problem: Problem) -> dict[str, Any]:
    at = problem.where
    return {"file": at.file, "line": at.line, "field": at.field, "message": problem.message}


def _problem(data: dict[str, Any]) -> Problem:
    return Problem(Location(data["file"], data.get("line"), data.get("field")), data["message"])
