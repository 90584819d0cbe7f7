"""BibTeX → CSL fields, read with bibtexparser (v2), which keeps each entry's line.

LaTeX in values is decoded with pylatexenc; URLs are kept as written.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from ..errors import Location, Problem, ReportError

TYPES = {
    "article": "article",
    "book": "book",
    "booklet": "book",
    "manual": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "techreport": "report",
    "report": "report",
    "thesis": "thesis",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "unpublished": "manuscript",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "legislation": "legislation",
    "law": "legislation",
}
FIELDS = {
    "title": "title",
    "shorttitle": "title-short",
    "shortauthor": "author-short",
    "institution": "publisher",
    "organization": "publisher",
    "publisher": "publisher",
    "number": "number",
    "journal": "container-title",
    "journaltitle": "container-title",
    "booktitle": "container-title",
    "volume": "volume",
    "pages": "page",
    "series": "collection-title",
    "note": "note",
    "url": "URL",
    "section": "section",
}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
AND = re.compile(r"\s+and\s+", re.I)


def entries(text: str, name: str) -> list[tuple[dict[str, Any], Location]]:
    """Each BibTeX entry as a CSL mapping with its line; a broken block is an error."""
    import bibtexparser

    quiet = logging.getLogger("bibtexparser")  # it logs failed blocks; we report them
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        library = bibtexparser.parse_string(text)
    finally:
        quiet.setLevel(level)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        reason = getattr(block.error, "abort_reason", None) or str(block.error)
        where = Location(name, (block.start_line or 0) + 1)
        raise ReportError(Problem(where, f"BibTeX cannot be parsed: {reason.strip().lower()}"))
    found = []
    for entry in library.entries:
        where = Location(name, (entry.start_line or 0) + 1)
        try:
            found.append((_csl(entry), where))
        except RecursionError:  # pylatexenc recurses once per brace
            raise ReportError(Problem(where, "BibTeX braces nested too deeply to read")) from None
    return found


def _csl(entry: Any) -> dict[str, Any]:
    fields = {f.key.lower(): str(f.value) for f in entry.fields}
    kind = entry.entry_type.lower()
    csl: dict[str, Any] = {"id": entry.key, "type": TYPES.get(kind, "document")}
    if kind == "misc":
        csl["type"] = "webpage" if "url" in fields else "document"
    if fields.get("entrysubtype", "").lower() in ("newspaper", "magazine"):
        csl["type"] = f"article-{fields['entrysubtype'].lower()}"
    for key, target in FIELDS.items():
        if key in fields and target not in csl:
            csl[target] = fields[key].strip("{}") if key == "url" else _text(fields[key])
    for key in ("author", "editor"):
        if key in fields:
            csl[key] = [_name(part) for part in _split_names(fields[key])]
    issued = fields.get("date") or _year_month_day(fields)
    if issued:
        csl["issued"] = issued
    return csl


def _text(value: str) -> str:
    from pylatexenc.latexwalker import LatexWalker

    decoder, macros = _decoder()
    nodes = LatexWalker(value, latex_context=macros).get_latex_nodes()[0]
    return decoder.nodelist_to_text(nodes).strip()


@functools.cache
def _decoder() -> tuple[Any, Any]:
    """One LaTeX decoder and one parser macro table, made once: ``latex_to_text`` builds
    both for every value (~4 ms), which made 20 000 entries take minutes."""
    from pylatexenc.latex2text import LatexNodes2Text
    from pylatexenc.latexwalker import get_default_latex_context_db

    return LatexNodes2Text(), get_default_latex_context_db()


def _split_names(value: str) -> list[str]:
    """Names split at ``and`` outside braces."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value, re.I):
        token = match.group(0)
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth == 0 and AND.fullmatch(token):
            parts.append(value[start : match.start()])
            start = match.end()
    parts.append(value[start:])
    return [p.strip() for p in parts if p.strip()]


def _name(value: str) -> dict[str, str]:
    """ "{Agency (ABBR)}" → literal; "Family, Given" or "Given Family" → parts."""
    if value.startswith("{") and value.endswith("}"):
        return {"literal": _text(value[1:-1])}
    family, comma, given = value.partition(",")
    if not comma:
        given, _, family = value.rpartition(" ")
    name = {"family": _text(family)}
    if given.strip():
        name["given"] = _text(given)
    return name


def _year_month_day(fields: dict[str, str]) -> str | None:
    year = fields.get("year", "").strip()
    if not year:
        return None
    month = fields.get("month", "").strip().lower()[:3]
    number = MONTHS.get(month) or (int(month) if _digits(month) else None)
    if number is None:
        return year
    day = fields.get("day", "").strip()
    return f"{year}-{number:02d}" + (f"-{int(day):02d}" if _digits(day) else "")


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also admits ``²``, which ``int`` refuses."""
    return text.isascii() and text.isdigit()
