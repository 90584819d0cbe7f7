"""SVG that may reach a page: no script, no foreign content, nothing fetched from elsewhere.

Drawn figures are inlined into the HTML, so a file in the figure cache (which a CI cache
restored from another branch may have written) is checked before it is used; one that
fails is drawn again, never cleaned up into something else. (A writer's SVG image is
placed as an ``<img>`` data URL, where no script runs, and the PDF fetcher refuses what
it links to.)
"""

from __future__ import annotations

import re

from lxml import etree

UNSAFE_ELEMENTS = frozenset(
    {"script", "foreignObject", "iframe", "object", "embed", "handler", "listener"}
)
SAFE_LINKS = ("#", "data:image/png", "data:image/jpeg", "data:image/gif")
"""What an ``href`` in an SVG may point to: itself, or an image held in the file."""
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import", re.I)


def svg_problem(data: bytes) -> str | None:
    """Why ``data`` is not an SVG document safe to inline, or None when it is."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return f"is not well-formed SVG ({exc.msg})"
    if root is None or etree.QName(root).localname != "svg":
        return "is not an SVG document"
    for element in root.iter():
        if not isinstance(element.tag, str):  # a comment or processing instruction
            continue
        problem = _element_problem(element)
        if problem:
            return problem
    return None


def _element_problem(element: etree._Element) -> str | None:
    name = etree.QName(element).localname
    if name in UNSAFE_ELEMENTS:
        return f"holds a <{name}> element"
    if name == "style" and _CSS_URL.search(element.text or ""):
        return "has a style sheet that loads another file"
    for attribute, value in element.attrib.items():
        key = etree.QName(attribute).localname.lower()
        if key.startswith("on"):
            return f"holds an event handler ({key})"
        if key == "href" and not value.strip().startswith(SAFE_LINKS):
            return f"links to '{value[:60]}'; only '#…' and embedded images are allowed"
        if key == "style" and _CSS_URL.search(value):
            return "has a style that loads another file"
    return None
