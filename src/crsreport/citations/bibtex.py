"""BibTeX → CSL fields, read with bibtexparser (v2), which keeps each entry's line.

LaTeX in values is decoded with pylatexenc; URLs are kept as written.
"""

from __future__ import annotations

import functools
import logging
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
    "edition": "edition",
    "type": "genre",
    "urldate": "accessed",
}
READ = {"author", "editor", "date", "year", "month", "day", "entrysubtype"}
"""BibTeX fields read besides ``FIELDS``."""
QUIET = {
    "doi", "isbn", "issn", "abstract", "keywords", "file", "language", "langid", "address",
    "location", "eprint", "eprinttype", "eprintclass", "archiveprefix", "primaryclass",
    "howpublished", "annote", "annotation", "crossref", "key", "organization", "school",
    "chapter", "issue", "edition", "editor", "pagetotal", "subtitle", "titleaddon",
    "pubstate", "version", "addendum", "mrnumber", "timestamp", "owner", "biburl",
    "bibsource", "lccn", "copyright", "pmid", "pmcid",
}  # fmt: skip
"""BibTeX fields CRS's citation forms do not print: read as known, and left out."""
UNKNOWN = "crsreport-unknown"
"""Where an entry lists the fields no BibTeX style knows (a typo, most likely)."""


def entries(text: str, name: str) -> list[tuple[dict[str, Any], Location]]:
    """Each BibTeX entry as a CSL mapping with its line; a broken block is an error."""
    import bibtexparser

    quiet = logging.getLogger("bibtexparser")  # it logs failed blocks; we report them
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        library = bibtexparser.parse_string(text, append_middleware=_middleware())
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


def _middleware() -> list[Any]:
    """bibtexparser's own readers of names ("and", "von", "Jr.") and months ("mar" → 3)."""
    from bibtexparser import middlewares

    class Months(middlewares.MonthIntMiddleware):
        """bibtexparser's month reader, but a value ``int`` cannot read (``²`` passes
        ``isdigit``) stays as written, for the date check to name at its line."""

        def resolve_month_field_val(self, month_field: Any) -> tuple[str | int, str]:
            try:
                return super().resolve_month_field_val(month_field)
            except ValueError:
                return month_field.value, "month field unchanged"

    return [
        middlewares.SeparateCoAuthors(),
        middlewares.SplitNameParts(),
        Months(allow_inplace_modification=True),
    ]


def _csl(entry: Any) -> dict[str, Any]:
    values = {f.key.lower(): f.value for f in entry.fields}
    fields = {key: str(value) for key, value in values.items()}
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
            csl[key] = [_name(parts) for parts in values[key]]
    issued = fields.get("date") or _year_month_day(fields)
    if issued:
        csl["issued"] = issued
    unknown = sorted(set(fields) - FIELDS.keys() - READ - QUIET)
    if unknown:
        csl[UNKNOWN] = unknown
    return csl


def names() -> list[str]:
    """The BibTeX fields read, for "did you mean" (a ``QUIET`` one is never meant)."""
    return sorted(FIELDS.keys() | READ)


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


def _name(parts: Any) -> dict[str, str]:
    """bibtexparser's name parts → CSL; a wholly braced name ("{Agency (ABBR)}") is literal."""
    if not (parts.first or parts.von or parts.jr) and len(parts.last) == 1:
        last = parts.last[0]
        if last.startswith("{") and last.endswith("}"):
            return {"literal": _text(last[1:-1])}
    name = {
        "given": " ".join(parts.first),
        "non-dropping-particle": " ".join(parts.von),
        "family": " ".join(parts.last),
        "suffix": " ".join(parts.jr),
    }
    return {key: _text(value) for key, value in name.items() if value}


def _year_month_day(fields: dict[str, str]) -> str | None:
    year = fields.get("year", "").strip()
    if not year:
        return None
    month = fields.get("month", "").strip()
    if not month:
        return year
    if not _digits(month):
        return f"{year}-{month}"  # not a month bibtexparser knows: the date check names it
    number = int(month)
    day = fields.get("day", "").strip()
    return f"{year}-{number:02d}" + (f"-{int(day):02d}" if _digits(day) else "")


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also admits ``²``, which ``int`` refuses."""
    return text.isascii() and text.isdigit()
