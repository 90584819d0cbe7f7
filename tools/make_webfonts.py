"""Write templates/fonts/web/*.woff2: each bundled face subset to the web repertoire,
and web/coverage.txt: every character some bundled face has.

The HTML renderer inlines these files as they are whenever a page uses no character
beyond the repertoire that a face has, which spares it subsetting eight faces on every
build. Re-run after changing a font or ``REPERTOIRE`` (the output is deterministic).

    .venv/bin/python tools/make_webfonts.py
"""

from __future__ import annotations

from fontTools.ttLib import TTFont

from crsreport.render.webfonts import (
    COVERAGE,
    FACES,
    REPERTOIRE,
    _subset,
    coverage_ranges,
    web_font,
)
from crsreport.resources import fonts_dir


def main() -> None:
    points: set[int] = set()
    for *_, file in FACES:
        path = web_font(file)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(_subset(file, REPERTOIRE))
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
        points |= set(TTFont(fonts_dir() / file).getBestCmap())
    path = fonts_dir() / "web" / COVERAGE
    path.write_text(coverage_ranges(points), encoding="ascii")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
