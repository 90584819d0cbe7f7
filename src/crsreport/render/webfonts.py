"""The bundled fonts for the web page, inlined as WOFF2.

Each face ships pre-subset to ``REPERTOIRE`` (Latin letters with Western and Central
European accents, punctuation, common signs) in ``templates/fonts/web/``, written by
``tools/make_webfonts.py``. A page using only those characters inlines these files as
they are; a page with others (Greek, Vietnamese…) gets faces subset to its own text.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from functools import lru_cache
from itertools import groupby
from pathlib import Path

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


REPERTOIRE = "".join(
    chr(c)
    for c in (
        *range(0x20, 0x7F),  # ASCII
        *range(0xA0, 0x180),  # Latin-1 Supplement, Latin Extended-A
        *range(0x2010, 0x2027),  # dashes, quotes, daggers, bullet, ellipsis
        *(0x2030, 0x2032, 0x2033, 0x2039, 0x203A, 0x20AC, 0x2122, 0x2212),
    )
)
"""The characters of the shipped web faces."""


def font_faces(html: str) -> str:
    """@font-face rules for every bundled face, covering the characters in ``html``. A
    character no bundled face has (the notes' back-link arrow ↩) is in no subset either,
    so it does not ask for one: the reader's fonts show it either way."""
    text = set(re.sub(r"<[^>]*>", "", html)) - set("\n\t\r")
    shipped = not (text - set(REPERTOIRE)) & coverage()
    chars = "".join(sorted(text | set(" .,;:!?()[]-–—'\"’“”0123456789")))
    return "\n".join(
        _face(
            family, weight, style, web_font(file).read_bytes() if shipped else _subset(file, chars)
        )
        for family, weight, style, file in FACES
    )


@lru_cache(maxsize=1)
def coverage() -> frozenset[str]:
    """Every character some bundled face has, read from ``web/coverage.txt`` (ranges of
    code points, written by ``tools/make_webfonts.py``): no font is opened for it."""
    found: set[str] = set()
    for line in (fonts_dir() / "web" / COVERAGE).read_text("ascii").split():
        first, _, last = line.partition("-")
        found.update(chr(c) for c in range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(found)


COVERAGE = "coverage.txt"


def coverage_ranges(points: set[int]) -> str:
    """``points`` as the lines of ``web/coverage.txt``: ``0020-007E``, or one code point."""
    lines = []
    for _, run in groupby(enumerate(sorted(points)), lambda item: item[1] - item[0]):
        first, *rest = (point for _, point in run)
        lines.append(f"{first:04X}-{rest[-1]:04X}" if rest else f"{first:04X}")
    return "\n".join(lines) + "\n"


def web_font(file: str) -> Path:
    """Where the shipped WOFF2 of a bundled TrueType file lives."""
    return fonts_dir() / "web" / file.replace(".ttf", ".woff2")


def _face(family: str, weight: str, style: str, woff2: bytes) -> str:
    data = base64.b64encode(woff2).decode("ascii")
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
