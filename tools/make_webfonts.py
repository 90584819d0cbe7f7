"""Write templates/fonts/web/*.woff2: each bundled face subset to the web repertoire.

The HTML renderer inlines these files as they are whenever a page uses only those
characters, which spares it subsetting eight faces on every build. Re-run after
changing a font or ``REPERTOIRE`` (the output is deterministic).

    .venv/bin/python tools/make_webfonts.py
"""

from __future__ import annotations

from crsreport.render.webfonts import FACES, REPERTOIRE, _subset, web_font


def main() -> None:
    for *_, file in FACES:
        path = web_font(file)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(_subset(file, REPERTOIRE))
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
