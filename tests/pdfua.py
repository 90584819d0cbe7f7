"""A PDF/UA-1 structure checker on pikepdf: the machine-checkable rules for what crsreport
prints (docs/accessibility.md lists them). No maintained PDF/UA validator installs from
the package registries this project can reach (veraPDF ships outside them), so the tests
read the structure tree themselves, independently of the code that writes it.

``check(path)`` returns the failures, each "rule: what, where"; an empty list passes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary

STANDARD = {
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI",
    "Index", "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L",
    "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span",
    "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT",
    "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form",
}  # fmt: skip
"""ISO 32000-1 §14.8.4 standard structure types (PDF/UA-1 7.1: no other without a role map)."""

ALLOWED_KIDS = {
    "L": {"LI", "L", "Caption"},
    "LI": {"Lbl", "LBody"},
    "TOC": {"TOCI", "TOC", "Caption"},
    "TOCI": {"Lbl", "Reference", "NonStruct", "P", "TOC"},
    "Reference": {"Link", "Span", "NonStruct", "Lbl"},
    "Table": {"TR", "THead", "TBody", "TFoot", "Caption"},
    "THead": {"TR"},
    "TBody": {"TR"},
    "TFoot": {"TR"},
    "TR": {"TH", "TD"},
}
"""Which elements each container may hold (ISO 32000-1 Tables 336-337; PDF/UA-1 7.2, 7.5)."""

CAPTION_PARENTS = {"Figure", "Table", "L", "TOC", "Formula"}
TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
MACHINE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$|^https?://")


def check(path: Path) -> list[str]:
    """Every PDF/UA-1 failure this checker finds in the PDF at ``path``."""
    with pikepdf.open(path) as pdf:
        failures = list(_document(pdf))
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return [*failures, "7.1 tagged: no structure tree"]
        elems = list(_walk(root))
        failures += _types(elems) + _containment(elems) + _headings(elems)
        failures += _figures(elems) + _tables(elems) + _notes(elems)
        failures += _content(pdf, root) + _links(pdf) + _fonts(pdf)
        return failures


def structure(path: Path) -> list[tuple[int, str]]:
    """The structure tree as (depth, type) pairs in reading order."""
    with pikepdf.open(path) as pdf:
        return [(depth, _tag(e)) for e, depth in _walk_depth(pdf.Root.StructTreeRoot, -1)]


def _kids(elem: Dictionary) -> list:
    k = elem.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def _is_elem(obj: object) -> bool:
    return isinstance(obj, Dictionary) and "/S" in obj


def _tag(elem: Dictionary) -> str:
    return str(elem.S).lstrip("/")


def _walk(root: Dictionary) -> Iterator[Dictionary]:
    for elem, _ in _walk_depth(root, -1):
        yield elem


def _walk_depth(node: Dictionary, depth: int) -> Iterator[tuple[Dictionary, int]]:
    for kid in _kids(node):
        if _is_elem(kid):
            yield kid, depth + 1
            yield from _walk_depth(kid, depth + 1)


def _where(elem: Dictionary, pdf_pages: dict | None = None) -> str:
    return f"{_tag(elem)} object {elem.objgen[0]}"


def _document(pdf: pikepdf.Pdf) -> Iterator[str]:
    """7.1 marked, 7.2 language, 7.1 title shown, 5 PDF/UA identifier."""
    if not pdf.Root.get("/MarkInfo", {}).get("/Marked", False):
        yield "7.1 MarkInfo: /Marked is not true"
    if not str(pdf.Root.get("/Lang", "")).strip():
        yield "7.2 language: the catalog has no /Lang"
    if not pdf.Root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False):
        yield "7.1 title: DisplayDocTitle is not true"
    meta = pdf.open_metadata()
    if not str(meta.get("dc:title", "")).strip():
        yield "7.1 title: no dc:title in the XMP metadata"
    if str(meta.get("pdfuaid:part", "")) != "1":
        yield "5 identification: no pdfuaid:part 1 in the XMP metadata"


def _types(elems: list[Dictionary]) -> list[str]:
    return [f"7.1 standard types: {_where(e)} is not one" for e in elems if _tag(e) not in STANDARD]


def _containment(elems: list[Dictionary]) -> list[str]:
    """Lists, Contents and tables hold only what they may; captions sit in what they caption."""
    failures = []
    for elem in elems:
        allowed = ALLOWED_KIDS.get(_tag(elem))
        for kid in _kids(elem):
            if allowed is not None and _is_elem(kid) and _tag(kid) not in allowed:
                failures.append(f"7.2 structure: {_tag(kid)} inside {_where(elem)}")
            elif allowed is not None and not _is_elem(kid) and _tag(elem) in ("L", "TOC"):
                failures.append(f"7.2 structure: content directly inside {_where(elem)}")
        if _tag(elem) == "LI" and not any(_is_elem(k) and _tag(k) == "LBody" for k in _kids(elem)):
            failures.append(f"7.2 lists: {_where(elem)} has no LBody")
        if _tag(elem) == "Caption" and _tag(elem.P) not in CAPTION_PARENTS:
            failures.append(f"7.3 captions: {_where(elem)} is inside {_tag(elem.P)}")
    return failures


def _headings(elems: list[Dictionary]) -> list[str]:
    """7.4.2: numbered headings never skip a level going down, and the first is H1."""
    levels = [int(_tag(e)[1]) for e in elems if re.fullmatch(r"H[1-6]", _tag(e))]
    failures = [] if not levels or levels[0] == 1 else [f"7.4.2 headings: first is H{levels[0]}"]
    for before, after in itertools.pairwise(levels):
        if after > before + 1:
            failures.append(f"7.4.2 headings: H{before} is followed by H{after}")
    return failures


def _figures(elems: list[Dictionary]) -> list[str]:
    """7.3: every figure has alternative text."""
    return [
        f"7.3 figures: {_where(e)} has no /Alt"
        for e in elems
        if _tag(e) == "Figure" and not str(e.get("/Alt", "")).strip()
    ]


def _tables(elems: list[Dictionary]) -> list[str]:
    """7.5: every data cell is tied to its headers (/Headers), or every header has /Scope."""
    failures = []
    for table in (e for e in elems if _tag(e) == "Table"):
        cells = [e for e in _walk(table) if _tag(e) in ("TD", "TH")]
        headers = [c for c in cells if _tag(c) == "TH"]
        scoped = all("/Scope" in c.get("/A", {}) for c in headers) and headers
        for cell in (c for c in cells if _tag(c) == "TD"):
            if not scoped and not len(cell.get("/A", {}).get("/Headers", [])):
                failures.append(f"7.5 tables: {_where(cell)} has no /Headers and no scoped TH")
    return failures


def _notes(elems: list[Dictionary]) -> list[str]:
    """7.9: every note has a unique /ID."""
    notes = [e for e in elems if _tag(e) == "Note"]
    ids = [str(n.get("/ID", "")) for n in notes]
    failures = [
        f"7.9 notes: {_where(n)} has no /ID" for n, i in zip(notes, ids, strict=True) if not i
    ]
    if len(set(ids)) != len(ids):
        failures.append("7.9 notes: two notes share an /ID")
    return failures


def _content(pdf: pikepdf.Pdf, root: Dictionary) -> list[str]:
    """7.1: all content is tagged or an artifact; every MCID belongs to an element of the tree
    that lists it (the parent tree agrees), so nothing hangs off the side of the tree."""
    owners = _parent_tree(root)
    reachable = {e.objgen for e in _walk(root)}
    failures = []
    for number, page in enumerate(pdf.pages, start=1):
        key = page.obj.get("/StructParents")
        table = owners.get(int(key), []) if key is not None else []
        depth_marked, seen = 0, set()
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in ("BDC", "BMC"):
                depth_marked += 1
                props = operands[1] if op == "BDC" and len(operands) > 1 else None
                if isinstance(props, Dictionary) and "/MCID" in props:
                    seen.add(int(props.MCID))
            elif op == "EMC":
                depth_marked -= 1
            elif op in TEXT_OPERATORS and depth_marked <= 0:
                failures.append(f"7.1 content: untagged text on page {number}")
                break
        for mcid in sorted(seen):
            owner = table[mcid] if mcid < len(table) else None
            if not _is_elem(owner) or owner.objgen not in reachable:
                failures.append(f"7.1 content: MCID {mcid} on page {number} is in no element")
            elif mcid not in _mcids(owner):
                failures.append(f"7.1 content: {_where(owner)} does not list MCID {mcid}")
    return failures


def _parent_tree(root: Dictionary) -> dict[int, list]:
    nums = list(root.ParentTree.get("/Nums", []))
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


def _mcids(elem: Dictionary) -> set[int]:
    found = set()
    for kid in _kids(elem):
        if isinstance(kid, int):
            found.add(kid)
        elif isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR":
            found.add(int(kid.MCID))
    return found


def _links(pdf: pikepdf.Pdf) -> list[str]:
    """7.18.5: every link annotation is inside a Link element and says in /Contents where it
    leads, in words (not a machine id or a raw URL)."""
    owners = _parent_tree(pdf.Root.StructTreeRoot)
    failures = []
    for number, page in enumerate(pdf.pages, start=1):
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            owner = owners.get(int(annot.get("/StructParent", -1)))
            if not _is_elem(owner) or _tag(owner) != "Link":
                failures.append(f"7.18.5 links: a link on page {number} is in no Link element")
            text = str(annot.get("/Contents", "")).strip()
            if not text or MACHINE_ID.match(text):
                failures.append(f"7.18.5 links: link on page {number} is described as {text!r}")
    return failures


def _fonts(pdf: pikepdf.Pdf) -> list[str]:
    """7.21: every font is embedded and maps its glyphs to Unicode."""
    failures, seen = [], set()
    for page in pdf.pages:
        for name, font in page.obj.get("/Resources", {}).get("/Font", {}).items():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor", {})
            if font.get("/Subtype") != "/Type3" and not any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            ):
                failures.append(f"7.21 fonts: {name} is not embedded")
            if "/ToUnicode" not in font:
                failures.append(f"7.21 fonts: {name} has no ToUnicode map")
    return failures
