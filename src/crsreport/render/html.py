"""HTML renderer: a standalone, accessible page that works as a single file."""

from __future__ import annotations

from ..tree import Document
from . import RenderContext
from .page import css, page
from .webfonts import font_faces

_FONTS = "/*@font-face*/"
"""A CSS comment the font subset is computed with (its characters were always counted)."""


def render(doc: Document, ctx: RenderContext) -> bytes:
    """The page, with its styles and fonts (subset to its characters) inlined."""
    text = page(
        doc,
        print_mode=False,
        stylesheet=css("base.css", "screen.css"),
        figures=ctx.assets.files,
        epoch=ctx.epoch,
        fonts=lambda draft: font_faces(_FONTS + draft),
    )
    return text.encode("utf-8")
