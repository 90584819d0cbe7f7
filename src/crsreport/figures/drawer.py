"""Imported by a worker that only draws: matplotlib, less its property tables.

matplotlib writes a table of every artist class's settable properties into that
class's docstrings as it imports them (``matplotlib.artist.kwdoc``): about a fifth of
its import's CPU, spent on text that a drawing worker never reads. Here those tables
are left empty; what is drawn does not change (docstrings only). Imported only in a
worker of crsreport's own, never in a process that a user of the library owns.
"""

from __future__ import annotations

import importlib

from .style import LIBRARIES


def _no_table(_artist: object) -> str:
    return ""


def _import() -> None:
    from ..workers import lower_priority

    lower_priority()  # the PDF's worker, the longest path, gets the cores first
    from matplotlib import artist

    if callable(getattr(artist, "kwdoc", None)):
        artist.kwdoc = _no_table
    for module in LIBRARIES:
        importlib.import_module(module)


_import()
