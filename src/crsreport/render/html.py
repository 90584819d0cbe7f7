"""HTML renderer: a standalone, accessible page that works as a single file."""

from __future__ import annotations

from ..tree import Document
from . import RenderContext
from .page import css, page
from .webfonts import font_faces

_FONTS = "/*@font-face*/"


def render(doc: Document, ctx: RenderContext) -> bytes:
    """The page, with its styles and fonts (subset to its characters) inlined."""
    stylesheet = _FONTS + css("base.css", "screen.css")
    text = page(
        doc, print_mode=False, stylesheet=stylesheet, figures=ctx.assets.files, epoch=ctx.epoch
    )
    return text.replace(_FONTS, font_faces(text), 1).encode("utf-8")
