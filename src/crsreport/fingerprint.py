"""Fingerprints of the code that shapes an output, so caches notice a change of code too.

A figure's cache key covers its spec and rows, matplotlib's version and the code of the
package that defines its kind: crsreport's ``figures`` package for the built-in kinds, the
plugin's own package for a kind registered from an installed distribution.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache
from importlib.metadata import version
from pathlib import Path

from .figures import FIGURE_KINDS
from .tree import Drawing


def files_hash(files: list[Path], base: Path) -> str:
    """One hash over ``files`` (names relative to ``base``, and contents)."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@cache
def package_code(module: str) -> str:
    """Hash of the Python files of the top-level package holding ``module`` (or of the
    ``crsreport.figures`` package for crsreport's own kinds)."""
    top = "crsreport.figures" if module.startswith("crsreport.") else module.split(".")[0]
    loaded = sys.modules.get(top)
    file = getattr(loaded, "__file__", None)
    if file is None:
        return ""
    path = Path(file)
    if path.name != "__init__.py":  # a single-module plugin
        return files_hash([path], path.parent)
    return files_hash(list(path.parent.rglob("*.py")), path.parent)


@cache
def drawing_code(figure_kind: str) -> str:
    """Hash of what draws ``figure_kind``: its package's code and matplotlib's version."""
    cls = FIGURE_KINDS.get(figure_kind)
    module = cls.__module__ if cls else "crsreport.figures"
    h = hashlib.sha256(version("matplotlib").encode() + b"\0")
    h.update(package_code(module).encode())
    return h.hexdigest()


def drawing_key(drawing: Drawing) -> str:
    """Hash of everything that changes the picture."""
    cls = FIGURE_KINDS.get(drawing.figure_kind)
    payload = {
        "code": drawing_code(drawing.figure_kind),
        "kind": drawing.figure_kind,
        "version": getattr(cls, "version", 1),
        "spec": drawing.spec,
        "data": drawing.data,
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]
