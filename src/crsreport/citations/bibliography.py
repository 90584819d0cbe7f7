"""Load a bibliography (CSL-JSON, BibTeX or CSL YAML) into checked CSL entries.

Every entry remembers the file and line it came from, so a missing field, a duplicate
id or an unused source is reported where the writer can fix it. CRS products are
recognised by their publisher (Congressional Research Service) and number.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import dates
from ..errors import Collector, Location, Problem, ReportError
from ..model import id_pattern
from ..sourcemap import parse_yaml
from ..sources import Roots, parse_json, read_text

Raw = list[tuple[Any, Location]]

CSL_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
    "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
    "personal_communication", "post", "post-weblog", "regulation", "report", "review",
    "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
})  # fmt: skip
FORMS = {
    **dict.fromkeys(("legislation", "bill", "regulation", "treaty"), "law"),
    **dict.fromkeys(("document", "dataset"), "document"),
    **dict.fromkeys(("article-newspaper", "article-magazine"), "news"),
    **dict.fromkeys(("article", "webpage", "post", "post-weblog"), "web"),
    "hearing": "congress",
}
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "crs": [("title",), ("number",)],
    "report": [("title",), ("author", "editor", "publisher")],
    "document": [("title",), ("author", "publisher")],
    "news": [("title",), ("container-title",), ("issued",)],
    "web": [("title",), ("URL", "container-title")],
    "law": [("number", "container-title")],
    "congress": [("title",), ("author",)],
}
CRS_PUBLISHERS = {"congressional research service", "crs"}
CRS_SERIES = {"IF": "CRS In Focus", "IN": "CRS Insight", "LSB": "CRS Legal Sidebar"}
NAME_PARTS = ("family", "given", "literal", "suffix", "dropping-particle", "non-dropping-particle")
NAME_FIELDS = ("author", "editor")
DATE_FIELDS = {"issued": "issued", "accessed": "accessed", "updated": "event-date"}
TEXT_FIELDS = (
    "title", "title-short", "collection-title", "container-title", "number", "publisher",
    "URL", "volume", "page", "section", "authority", "genre", "note", "edition",
    "chapter-number",
)  # fmt: skip
FIELD_SPELLINGS = {  # how each CSL field may be written in the file, for its line
    "issued": ("issued", "date", "year", "month"),
    "accessed": ("accessed", "urldate"),
    "URL": ("URL", "url"),
    "number": ("number",),
}
CSL_VARIABLES = frozenset({
    "abstract", "annote", "archive", "archive_collection", "archive_location",
    "archive-place", "authority", "call-number", "chapter-number", "citation-key",
    "citation-label", "citation-number", "collection-number", "collection-title",
    "container-title", "container-title-short", "dimensions", "division", "DOI", "edition",
    "event", "event-title", "event-place", "genre", "ISBN", "ISSN", "issue", "jurisdiction",
    "keyword", "language", "license", "locator", "medium", "note", "number",
    "number-of-pages", "number-of-volumes", "original-publisher", "original-publisher-place",
    "original-title", "page", "page-first", "part-number", "part-title", "PMCID", "PMID",
    "printing-number", "publisher", "publisher-place", "references", "reviewed-genre",
    "reviewed-title", "scale", "section", "source", "status", "supplement-number", "title",
    "title-short", "URL", "version", "volume", "volume-title", "volume-title-short",
    "year-suffix", "author", "chair", "collection-editor", "compiler", "composer",
    "container-author", "contributor", "curator", "director", "editor", "editorial-director",
    "editor-translator", "executive-producer", "guest", "host", "illustrator", "interviewer",
    "narrator", "organizer", "original-author", "performer", "producer", "recipient",
    "reviewed-author", "script-writer", "series-creator", "translator", "accessed",
    "available-date", "event-date", "issued", "original-date", "submitted", "id", "type",
    "categories", "custom", "journalAbbreviation", "shortTitle",
})  # fmt: skip
"""CSL 1.0.2's variables and CSL-JSON's own keys (Zotero's exports): known, even those
CRS's forms do not print; any other field is named in a warning (a typo, most likely)."""
READ_FIELDS = (*NAME_FIELDS, *DATE_FIELDS, *TEXT_FIELDS, "author-short")
"""The fields an entry is read from, offered as "did you mean"."""
MEANT = {
    "date": "issued", "year": "issued", "month": "issued", "urldate": "accessed",
    "journal": "container-title", "institution": "publisher", "shortauthor": "author-short",
    **{name.lower(): name for name in READ_FIELDS},
}  # fmt: skip
"""BibTeX's names and other spellings of the fields read, in a CSL file."""
PUBLIC_LAW = re.compile(r"^P\.L\. \d{1,3}-\d{1,4}$")
LAW_NUMBER = re.compile(r"^(?:P\.\s*L\.|Pub(?:lic|\.)\s*L(?:aw|\.)?)\s*(?P<n>.*)$", re.I)
URL = re.compile(r"^https?://[^\s/?#]+\.[^\s]*$|^https?://localhost\b\S*$")
ABBREVIATION = re.compile(r"^(?P<name>.+?)\s*\((?P<abbr>[A-Z][\w.&/-]*)\)$")


@dataclass
class Entry:
    """One source: its CSL fields, its form and where it is written."""

    id: str
    csl: dict[str, Any]
    form: str
    where: Location

    @property
    def url(self) -> str | None:
        return self.csl.get("URL")


def load(
    root: Roots, name: str, where: Location, warn: Callable[[Location, str], None] | None = None
) -> dict[str, Entry]:
    """The checked entries of bibliography file ``name`` by id; problems raised at once,
    unknown fields given to ``warn``."""
    reader = READERS.get(Path(name).suffix.lower())
    if reader is None:
        kinds = ", ".join(sorted(READERS))
        raise ReportError(Problem(where, f"'{name}': a bibliography must be one of {kinds}"))
    text = read_text(root, name, where)
    raw = reader(text, name)
    problems = Collector()
    starts = sorted({at.line for _, at in raw if at.line} | {text.count("\n") + 2})
    lines = text.split("\n")  # once: per entry it made 20,000 entries take minutes
    entries: dict[str, Entry] = {}
    folded: dict[str, Entry] = {}
    for data, at in raw:
        located = _field_lines(lines, at, starts)
        if warn is not None and isinstance(data, dict):
            for field_name, message in _unknown(data):
                warn(located(field_name), f"entry '{data.get('id')}': {message}")
        entry = _entry(data, at, problems, located)
        if entry is None:
            continue
        twin = folded.get(entry.id.lower())
        if twin is not None:
            problems.add(at, f"entry '{entry.id}' repeats the id of the entry at {twin.where}")
            continue
        entries[entry.id] = folded[entry.id.lower()] = entry
    problems.check()
    return entries


# ---- readers: text → [(mapping, location)] ------------------------------------------------


def _records(data: Any, name: str) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("references"), list):
        return data["references"]
    if isinstance(data, list):
        return data
    message = "a bibliography must be a list of entries (or a mapping with 'references:')"
    raise ReportError(Problem(Location(name, 1), message))


def read_json(text: str, name: str) -> Raw:
    """CSL-JSON, as Zotero exports it; each entry is located by its ``"id"`` line."""
    records = _records(parse_json(text, name), name)
    return [(r, Location(name, _json_line(text, r))) for r in records]


def _json_line(text: str, record: Any) -> int | None:
    if not isinstance(record, dict) or "id" not in record:
        return None
    match = re.search(rf'"id"\s*:\s*"?{re.escape(str(record["id"]))}\b', text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def read_yaml(text: str, name: str) -> Raw:
    """CSL YAML: a list of entries, or pandoc's ``references:`` list."""
    data, lines = parse_yaml(text, name)
    records = _records(data, name)
    base = ("references",) if isinstance(data, dict) else ()
    return [(r, Location(name, lines.get((*base, i)))) for i, r in enumerate(records)]


def read_bibtex(text: str, name: str) -> Raw:
    """BibTeX through bibtexparser; a block that does not parse is an error at its line."""
    from .bibtex import entries

    return entries(text, name)


READERS: dict[str, Callable[[str, str], Raw]] = {
    ".json": read_json,
    ".bib": read_bibtex,
    ".yaml": read_yaml,
    ".yml": read_yaml,
}


# ---- one entry: normalise, then check ---------------------------------------------------


def _field_lines(
    lines: list[str], at: Location, starts: list[int]
) -> Callable[[str | None], Location]:
    """Where a field of the entry at ``at`` is written (its line, else the entry's)."""

    def where(field_name: str | None) -> Location:
        if field_name is None or at.line is None:
            return at
        end = starts[bisect.bisect_right(starts, at.line)]  # the next entry's first line
        names = "|".join(re.escape(n) for n in FIELD_SPELLINGS.get(field_name, (field_name,)))
        pattern = re.compile(rf'(?:^|[\s{{,"])"?(?:{names})"?\s*[:=]', re.I)
        for number in range(at.line, end):
            if pattern.search(lines[number - 1]):
                return Location(at.file, number)
        return at

    return where


Messages = list[tuple[str | None, str]]


def _entry(
    data: Any, at: Location, problems: Collector, where: Callable[[str | None], Location]
) -> Entry | None:
    if not isinstance(data, dict):
        problems.add(at, "a bibliography entry must be a mapping of CSL fields")
        return None
    ident, kind = data.get("id"), data.get("type")
    if ident in (None, "") or kind in (None, ""):
        problems.add(at, f"entry {ident or '(no id)'}: needs both 'id' and 'type'")
        return None
    ident = str(ident)
    if kind not in CSL_TYPES:
        problems.add(at, f"entry '{ident}': unknown CSL type '{kind}'{_close(str(kind))}")
        return None
    messages: Messages = []
    csl = _normalise(data, messages)
    form = _form(csl, messages)
    named = {field_name for field_name, _ in messages}  # a bad value is not also missing
    messages += [(None, m) for m in _missing(csl, form, named)] + _values(csl)
    for field_name, message in messages:
        problems.add(where(field_name), f"entry '{ident}' ({kind}): {message}")
    return None if messages else Entry(ident, csl, form, at)


def _close(kind: str, choices: Iterable[str] = CSL_TYPES, cutoff: float = 0.6) -> str:
    import difflib

    close = difflib.get_close_matches(kind, sorted(choices), n=3, cutoff=cutoff)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def _unknown(data: dict[str, Any]) -> Messages:
    """Fields no CSL (or, in a .bib file, no BibTeX) style knows: left out, and said."""
    from .bibtex import UNKNOWN, names

    found: Messages = []
    for key in data.get(UNKNOWN, []):
        found.append((key, f"unknown BibTeX field '{key}' is left out{_close(key, names(), 0.75)}"))
    known = {*CSL_VARIABLES, *READ_FIELDS, UNKNOWN}
    for key in data:
        if isinstance(key, str) and key not in known:
            meant = MEANT.get(key.lower())
            hint = f"; write {meant}" if meant else _close(key, READ_FIELDS, 0.75)
            hint = hint or "; CSL has no such field"
            found.append((key, f"unknown field '{key}' is left out{hint}"))
    return found


def _normalise(data: dict[str, Any], messages: Messages) -> dict[str, Any]:
    csl: dict[str, Any] = {"id": str(data["id"]), "type": data["type"]}
    for key in NAME_FIELDS:
        if data.get(key):
            csl[key] = _names(data[key], key, messages)
    for key, variable in DATE_FIELDS.items():
        if data.get(key) not in (None, ""):
            csl[variable] = _date(data[key], key, messages)
    for key in TEXT_FIELDS:
        if data.get(key) not in (None, ""):
            csl[key] = str(data[key]).strip()
    short = data.get("author-short")
    if short:
        csl["authority"] = str(short)
    return csl


def _names(value: Any, key: str, messages: Messages) -> list[dict[str, str]]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, str):
            family, comma, given = item.partition(",")
            names.append(
                {"family": family.strip(), "given": given.strip()}
                if comma
                else {"literal": item.strip()}
            )
        elif isinstance(item, dict) and any(item.get(p) for p in NAME_PARTS):
            names.append({p: str(item[p]) for p in NAME_PARTS if item.get(p)})
        else:
            message = f"{key}: {item!r} is not a name; write 'Family, Given' or a mapping"
            messages.append((key, message))
    return names


def _date(value: Any, key: str, messages: Messages) -> dict[str, Any]:
    """A CSL date from ``2022-03-01``, CSL-JSON's date-parts or raw; no impossible day."""
    if isinstance(value, dict) and value.get("date-parts"):
        with contextlib.suppress(TypeError, ValueError, IndexError):
            value = "-".join(str(int(p)) for p in value["date-parts"][0])
    parts = dates.parts(value.get("raw", "") if isinstance(value, dict) else value)
    if parts:
        return {"date-parts": [parts]}
    if isinstance(value, dict) and value.get("literal"):
        return {"literal": str(value["literal"])}
    shown = value.isoformat() if hasattr(value, "isoformat") else value
    messages.append((key, f"{key}: '{shown}' is not a date; write {dates.FORMS}"))
    return {}


def _form(csl: dict[str, Any], messages: Messages) -> str:
    """The CRS form the entry takes; CRS products get their series label."""
    publisher = csl.get("publisher", "").lower()
    if csl["type"] == "report" and publisher in CRS_PUBLISHERS:
        match = id_pattern().match(csl.get("number", ""))
        if csl.get("number") and not match:
            number = csl["number"]
            messages.append(
                ("number", f"number: '{number}' is not a CRS product number (R41746, IF10472)")
            )
        elif match:
            csl.setdefault("collection-title", CRS_SERIES.get(match.group(1), "CRS Report"))
        csl["archive"] = "Congressional Research Service"  # the CRS form's mark in crs.csl
        return "crs"
    _short_author(csl)
    if csl["type"] == "hearing":
        csl.setdefault("genre", "hearing")
    return FORMS.get(csl["type"], "report")


def _short_author(csl: dict[str, Any]) -> None:
    """The author's short form for later citations: "NTSB" from "… (NTSB)"."""
    if "authority" in csl:
        return
    authors = csl.get("author", [])
    if len(authors) == 1 and "literal" in authors[0]:
        match = ABBREVIATION.match(authors[0]["literal"])
        if match:
            csl["authority"] = match["abbr"]
    elif not authors and csl.get("publisher"):
        match = ABBREVIATION.match(csl["publisher"])
        csl["authority"] = match["abbr"] if match else csl["publisher"]


def _missing(csl: dict[str, Any], form: str, named: set[str | None]) -> list[str]:
    needs = [
        " or ".join(group)
        for group in REQUIRED[form]
        if not any(map(csl.get, group)) and named.isdisjoint(group)
    ]
    if form == "law" and csl.get("container-title"):
        if not csl.get("volume"):
            needs.append("volume (the title of the code, or the Register volume)")
        if not (csl.get("section") or csl.get("page")):
            needs.append("section or page")
    return [f"needs {need}" for need in needs]


def _values(csl: dict[str, Any]) -> Messages:
    """Values that cannot be right: a URL a reader cannot open, a P.L. number out of form."""
    messages: Messages = []
    url = csl.get("URL")
    if url and not URL.match(url):
        messages.append(("URL", f"URL: '{url}' is not a web address; write https://…"))
    law = LAW_NUMBER.match(csl.get("number", "")) if FORMS.get(csl["type"]) == "law" else None
    if law and not PUBLIC_LAW.match(csl["number"]):
        fix = re.sub(r"\s*[-–—]\s*", "-", law["n"].strip())
        messages.append(
            ("number", f"number: '{csl['number']}' is not a public law number; write 'P.L. {fix}'")
        )
    return messages
