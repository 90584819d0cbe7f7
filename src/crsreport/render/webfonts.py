"""The bundled fonts for the web page: subset to the page's characters, inlined as WOFF2."""

from __future__ import annotations

import base64
import io
import logging
import re
from functools import lru_cache

from ..resources import fonts_dir

FACES = (
    ("Liberation Serif", "normal", "normal", "LiberationSerif-Regular.ttf"),
    ("Liberation Serif", "bold", "normal", "LiberationSerif-Bold.ttf"),
    ("Liberation Serif", "normal", "italic", "LiberationSerif-Italic.ttf"),
    ("Liberation Serif", "bold", "italic", "LiberationSerif-BoldItalic.ttf"),
    ("Liberation Sans", "normal", "normal", "LiberationSans-Regular.ttf"),
    ("Liberation Sans", "bold", "normal", "LiberationSans-Bold.ttf"),
    ("Liberation Sans", "normal", "italic", "LiberationSans-Italic.ttf"),
    ("Liberation Sans", "bold", "italic", "LiberationSans-BoldItalic.ttf"),
)


def font_faces(html: str) -> str:
    """@font-face rules for every bundled face, subset to the characters in ``html``."""
    text = re.sub(r"<[^>]*>", "", html)
    chars = "".join(sorted(set(text) | set(" .,;:!?()[]-–—'\"’“”0123456789")))
    return "\n".join(
        _face(family, weight, style, file, chars) for family, weight, style, file in FACES
    )


def _face(family: str, weight: str, style: str, file: str, chars: str) -> str:
    data = base64.b64encode(_subset(file, chars)).decode("ascii")
    return (
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}'
    )


@lru_cache(maxsize=32)
def _subset(file: str, chars: str) -> bytes:
    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.ERROR)

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["kern", "liga"]
    font = subset.load_font(str(fonts_dir() / file), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()
