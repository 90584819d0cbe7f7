"""Put one section of a crsreport project into a web page of your own.

    .venv/bin/python examples/section_in_page.py OUT.html

The fragment brings its own styles, scoped to its wrapper, so the host page's look is
untouched; the figure is inline SVG, so the page is a single file.
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

import crsreport

PROJECT = Path(__file__).resolve().parent / "insight"

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 50rem; }}
  h2 {{ color: darkgreen; }}
</style>
</head>
<body>
<h1>Our Newsletter</h1>
<p class="host">This page is ours; the section below comes from {id}.</p>
{fragment}
<h2>More from us</h2>
</body>
</html>
"""


def main(out: str) -> None:
    report = crsreport.load_report(PROJECT)
    fragment = crsreport.render_section(report, "what-happened")
    html = PAGE.format(title=escape(report.title), id=escape(report.id), fragment=fragment)
    Path(out).write_text(html, encoding="utf-8")
    print(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
