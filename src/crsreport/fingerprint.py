"""Figure cache keys: a hash of everything that changes a figure's picture.

A figure's key covers its spec and rows, matplotlib's version and the code of the
package that defines its kind: crsreport's ``figures`` package for the built-in kinds, the
plugin's own package for a kind registered from an installed distribution. Those parts
are defined, and hashed, in ``codebase.py``, which the manifest and the stamp share; the
key takes only the kind's part, so a change elsewhere (the HTML writer) redraws nothing.
"""

from __future__ import annotations

import hashlib
import json

from .codebase import Part, figures_code, package, part_hash, versions
from .figures import FIGURE_KINDS
from .tree import Drawing


def drawing_part(figure_kind: str) -> Part | None:
    """The code that draws ``figure_kind``: ``crsreport.figures`` for crsreport's own
    kinds, else the top-level package of the plugin that defines it (None if unknown)."""
    cls = FIGURE_KINDS.get(figure_kind)
    module = cls.__module__ if cls else "crsreport.figures"
    if module.split(".")[0] == "crsreport":
        return figures_code()
    return package(module.split(".")[0])


def drawing_code(figure_kind: str) -> str:
    """Hash of what draws ``figure_kind``: its package's code and matplotlib's version."""
    part = drawing_part(figure_kind)
    h = hashlib.sha256((versions()["matplotlib"] or "").encode() + b"\0")
    h.update((part_hash(part) if part is not None else "").encode())
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
