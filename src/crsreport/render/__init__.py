"""Output formats: a registry of renderers, each a thin walker over the document tree.

A renderer is named by module path and imported only when its format is built,
so ``import crsreport`` stays free of WeasyPrint and python-docx.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..assets import Assets
from ..errors import Warnings
from ..tree import Node


@dataclass
class RenderContext:
    """What every renderer may use besides the tree."""

    root: Path
    warnings: Warnings
    epoch: int
    assets: Assets


@dataclass(frozen=True)
class Format:
    """An output format: its name, file suffix and where its renderer lives."""

    name: str
    suffix: str
    target: str  # "module:function", imported on first use

    def renderer(self) -> Callable[[Node, RenderContext], bytes]:
        module, _, func = self.target.partition(":")
        return getattr(importlib.import_module(module), func)


FORMATS: dict[str, Format] = {}


def register_format(name: str, suffix: str, target: str) -> None:
    """Add an output format; a duplicate name is refused with its owner named."""
    if name in FORMATS:
        raise ValueError(f"output format '{name}' is already registered by {FORMATS[name].target}")
    FORMATS[name] = Format(name, suffix, target)


register_format("html", ".html", "crsreport.render.html:render")
register_format("pdf", ".pdf", "crsreport.render.pdf:render")
register_format("docx", ".docx", "crsreport.render.docx:render")
register_format("json", ".json", "crsreport.render.jsontree:render")
