"""Output formats: a registry of renderers, each a thin walker over the document tree.

A renderer is named by module path and imported only when its format is built,
so ``import crsreport`` stays free of WeasyPrint and python-docx.

Each format's record also carries what the rest of the pipeline needs to know about
it, so a format registered by a plugin is drawn for and scheduled like a built-in
one: the figure file kinds it embeds, its rough cost, whether it fetches figures as
it lays out, and the libraries its worker imports early.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..assets import IMAGE_TYPES, Assets
from ..errors import Warnings
from ..tree import Node


@dataclass
class RenderContext:
    """What every renderer may use besides the tree."""

    root: Path
    warnings: Warnings
    epoch: int
    assets: Assets
    printed: Callable[[], bytes | None] | None = None
    """This build's output of the format this one ``follows`` (the DOCX: the PDF, whose
    page numbers it reads instead of laying the pages out again), once it is rendered;
    None (or a call giving None) when the build has no such output."""


@dataclass(frozen=True)
class Format:
    """An output format: its name, file suffix, where its renderer lives, and its needs."""

    name: str
    suffix: str
    target: str  # "module:function", imported on first use
    images: tuple[str, ...] = ()
    """Figure file kinds the renderer reads from ``ctx.assets`` ("svg", "png")."""
    cost: float = 1.0
    """Rough relative render time: the costliest format starts first, at normal priority."""
    late: bool = False
    """Fetches each figure (``ctx.assets.by_name``) as it lays it out, so it starts before
    the figures are drawn instead of waiting for them."""
    follows: str | None = None
    """A format whose output this one may read (``ctx.printed``) when the build renders
    both: it waits for it only if it asks."""
    preload: tuple[str, ...] = ()
    """Libraries its renderer needs: its worker imports them while the figures are being
    drawn, and one that another format of the build needs too is imported before the fork
    (once for both processes)."""
    warm: tuple[str, ...] = ()
    """Unused, kept so that plugins that set it still register: the early start it asked
    for (a worker forked before the report was loaded) cost CPU and saved no time
    (docs/benchmarks.md), and is gone."""

    def renderer(self) -> Callable[[Node, RenderContext], bytes]:
        module, _, func = self.target.partition(":")
        return getattr(importlib.import_module(module), func)


FORMATS: dict[str, Format] = {}


def register_format(
    name: str,
    suffix: str,
    target: str,
    *,
    images: Iterable[str] = (),
    cost: float = 1.0,
    late: bool = False,
    follows: str | None = None,
    preload: Iterable[str] = (),
    warm: Iterable[str] = (),
) -> Format:
    """Add an output format; a duplicate name is refused with its owner named."""
    if name in FORMATS:
        raise ValueError(f"output format '{name}' is already registered by {FORMATS[name].target}")
    kinds = tuple(dict.fromkeys(images))
    unknown = [kind for kind in kinds if kind not in IMAGE_TYPES]
    if unknown:
        raise ValueError(
            f"output format '{name}': unknown figure file kind '{', '.join(unknown)}'; "
            f"choose from {', '.join(IMAGE_TYPES)}"
        )
    record = Format(
        name,
        suffix,
        target,
        kinds,
        float(cost),
        bool(late),
        follows=follows,
        preload=tuple(preload),
        warm=tuple(warm),
    )
    FORMATS[name] = record
    return record


def unregister_format(name: str) -> None:
    """Remove a format (tests register one for a while)."""
    FORMATS.pop(name, None)


def images_for(names: Iterable[str]) -> list[str]:
    """The figure file kinds the formats ``names`` need, sorted (each once)."""
    return sorted({kind for name in names if name in FORMATS for kind in FORMATS[name].images})


def by_cost(names: Iterable[str]) -> list[str]:
    """``names`` costliest first (ties keep their order)."""
    return sorted(names, key=lambda name: -(FORMATS[name].cost if name in FORMATS else 0.0))


register_format(
    "html",
    ".html",
    "crsreport.render.html:render",
    images=("svg",),
    cost=2.0,  # fontTools is imported only for text the shipped web fonts lack
)
register_format(
    "pdf",
    ".pdf",
    "crsreport.render.pdf:render",
    images=("svg",),
    cost=3.0,
    late=True,
    preload=("fontTools.subset", "crsreport.render.weasy"),  # WeasyPrint subsets with it
)
register_format(
    "docx",
    ".docx",
    "crsreport.render.docx:render",
    images=("png", "svg"),  # the SVGs lay out the PDF's pages for the Contents' numbers
    cost=1.0,
    follows="pdf",  # the Contents' page numbers, read from the PDF when it is built too
    preload=("docx",),
)
register_format(  # drawn so the paths its figure nodes name exist
    "json", ".json", "crsreport.render.jsontree:render", images=("svg", "png"), cost=0.0
)
