"""Finish WeasyPrint's PDF structure tree for PDF/UA: what its tagging leaves generic.

WeasyPrint tags the page as it lays it out, box by box, and so cannot know what a box
means to a reader. This pass reopens the written PDF (pikepdf, over qpdf: a maintained
reader and writer that keeps every object it does not touch) and, knowing the document:
- makes the running heads, footers and page numbers pagination artifacts (WeasyPrint
  marks them as content but hangs them off no element of the tree);
- gives every list item an ``LBody``; turns the Contents lists into ``TOC``/``TOCI``;
- makes each footnote a ``Note`` (its number the ``Lbl``) that its call links to;
- merges the links WeasyPrint nests or splits over lines into one, described in
  ``/Contents`` by its text or its target's title (not a machine id or a raw URL);
- puts each figure's caption inside its ``Figure``;
then rebuilds the parent tree from the finished structure.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..tree import Contents, Document, Figure, Heading, Link, NoteRef, Section, XRef

NOTE_PREFIX = "note-"
"""The anchor a footnote call in the print page links to (``note-3``)."""


def finish(data: bytes, doc: Document, keys: list[list[int]] | None = None) -> bytes:
    """``data`` (WeasyPrint's tagged PDF) with the structure tree finished for PDF/UA;
    ``keys`` (``fragment_keys``) join the pieces of sections that breaks cut."""
    pdf = pikepdf.open(io.BytesIO(data))
    root = pdf.Root.StructTreeRoot
    document = root.K[0] if isinstance(root.K, Array) else root.K
    names = _destinations(pdf)
    toc_ids = _contents_ids(doc)
    dropped: set[tuple[int, int]] = set()
    pieces = _element_keys(pdf, document, keys or [])
    _walk_fix(pdf, document, names, toc_ids, dropped)
    _tag_notes(pdf, document, names)
    _join_fragments(document, pieces, {})
    _adopt_stray_links(pdf, document, names, dropped)
    _describe_links(pdf, document, names, _descriptions(doc))
    _rebuild_parent_tree(pdf, root)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


# ---------------------------------------------------------------- tree helpers


def _kids(elem: Dictionary) -> list:
    k = elem.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def _is_elem(obj: object) -> bool:
    return isinstance(obj, Dictionary) and "/S" in obj


def _elems(elem: Dictionary) -> Iterator[Dictionary]:
    """The structure elements below ``elem``, depth first."""
    for kid in _kids(elem):
        if _is_elem(kid):
            yield kid
            yield from _elems(kid)


def _new(pdf: pikepdf.Pdf, tag: str, parent: Dictionary, kids: list) -> Dictionary:
    elem = pdf.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name("/" + tag), P=parent, K=Array(kids))
    )
    if "/Pg" in parent:
        elem.Pg = parent.Pg
    for kid in kids:
        if _is_elem(kid):
            kid.P = elem
    return elem


def _annotations(elem: Dictionary) -> list[Dictionary]:
    return [k.Obj for k in _kids(elem) if isinstance(k, Dictionary) and k.get("/Type") == "/OBJR"]


def _target(annot: Dictionary, names: dict[tuple[int, int], str]) -> str | None:
    """A link annotation's target: its URI, or ``#name`` of its internal destination."""
    action = annot.get("/A")
    if action is not None and "/URI" in action:
        return str(action.URI)
    dest = annot.get("/Dest")
    if isinstance(dest, pikepdf.String | Name):
        return "#" + str(dest).lstrip("/")
    if isinstance(dest, Array) and len(dest) and isinstance(dest[0], Dictionary):
        return names.get(dest.objgen) and "#" + names[dest.objgen]
    return None


def _destinations(pdf: pikepdf.Pdf) -> dict[tuple[int, int], str]:
    """Explicit destination arrays by object, named by the anchor they came from."""
    found: dict[tuple[int, int], str] = {}
    tree = pdf.Root.get("/Names", Dictionary()).get("/Dests")
    if tree is not None:
        for name, dest in pikepdf.NameTree(tree).items():
            if isinstance(dest, Array):
                found[dest.objgen] = str(name)
    return found


# ---------------------------------------------------------------- structure fixes


def fragment_keys(pages: list[Any]) -> list[list[int]]:
    """Per page, in the order WeasyPrint tags them, which ``<section>`` or ``<main>`` each
    of its Sect or Part elements comes from (a number per element: equal numbers are one
    element cut by a page or column break). Read from the laid-out pages' boxes, which
    know their element; the PDF's structure tree does not."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    numbers: dict[Any, int] = {}

    def walk(box: Any, found: list[int]) -> None:
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if isinstance(box, boxes.MarginBox):
            return  # tagged apart, outside the tree
        if box.element is not None and box.element_tag in FRAGMENTED:
            found.append(numbers.setdefault(box.element, len(numbers)))
        for child in getattr(box, "children", ()):
            walk(child, found)

    keys = []
    for page in pages:
        found: list[int] = []
        walk(page._page_box, found)
        keys.append(found)
    return keys


FRAGMENTED = {"section": "/Sect", "main": "/Part"}
"""The elements joined again when a break cuts them, and the structure types they get."""


def _element_keys(pdf: pikepdf.Pdf, document: Dictionary, keys: list[list[int]]) -> dict:
    """Each Sect or Part element's number from ``fragment_keys`` (by object), or nothing
    at all if the tree and the pages disagree on how many there are on a page."""
    on_page: dict[int, list[Dictionary]] = {}
    for elem in _elems(document):
        if str(elem.S) in FRAGMENTED.values() and "/Pg" in elem:
            on_page.setdefault(elem.Pg.objgen[0], []).append(elem)
    found: dict[tuple[int, int], int] = {}
    for page, numbers in zip(pdf.pages, keys, strict=False):
        elems = on_page.get(page.objgen[0], [])
        if len(elems) != len(numbers):
            return {}
        found.update((e.objgen, n) for e, n in zip(elems, numbers, strict=True))
    return found


def _join_fragments(parent: Dictionary, keys: dict, first: dict, start: int = 0) -> None:
    """One element per section and per part, not one per page or column: a piece of an
    element seen before gives its kids to the first piece (after what it holds) and
    goes. A page's footnotes between two pieces of ``<main>`` then follow the whole part,
    as the HTML's notes follow its text."""
    kids = _kids(parent)
    kept = kids[:start]
    for kid in kids[start:]:
        key = keys.get(kid.objgen) if _is_elem(kid) else None
        original = first.get(key) if key is not None else None
        if original is None:
            if key is not None:
                first[key] = kid
            kept.append(kid)
            if _is_elem(kid):
                _join_fragments(kid, keys, first)
            continue
        held = len(_kids(original))
        original.K = Array(_kids(original) + [_moved(part, kid, original) for part in _kids(kid)])
        _join_fragments(original, keys, first, held)
    if "/K" in parent:
        parent.K = Array(kept)


def _moved(part: object, piece: Dictionary, parent: Dictionary) -> object:
    """A kid of ``piece`` given to ``parent``: an element re-parented, a bare content id
    kept on its own page (a marked-content reference)."""
    if _is_elem(part):
        part.P = parent
        return part
    if isinstance(part, int):
        return Dictionary(Type=Name.MCR, Pg=piece.Pg, MCID=part)
    return part


def _walk_fix(
    pdf: pikepdf.Pdf, elem: Dictionary, names: dict, toc_ids: set[str], dropped: set
) -> None:
    """Depth first: flatten nested links and captions, wrap list bodies, tag the Contents."""
    for kid in _kids(elem):
        if _is_elem(kid):
            _walk_fix(pdf, kid, names, toc_ids, dropped)
    tag = str(elem.S)
    if tag in ("/Link", "/Caption"):
        _flatten_same(elem)
    if tag == "/Link":
        _one_annotation(elem, dropped)
    if tag == "/L":
        _merge_split_links(elem, names)
        if _is_contents(elem, names, toc_ids):
            _as_toc(pdf, elem)
            return
    if tag == "/LI":
        _wrap_body(pdf, elem)
    if tag in ("/P", "/Span", "/LBody", "/TD", "/Caption"):
        _merge_split_links(elem, names)
    _caption_into_figure(elem)


def _flatten_same(elem: Dictionary) -> None:
    """A link inside a link (or caption inside caption) is one element: lift its kids."""
    kids: list = []
    for kid in _kids(elem):
        if _is_elem(kid) and kid.S == elem.S:
            for inner in _kids(kid):
                if _is_elem(inner):
                    inner.P = elem
                kids.append(inner)
        else:
            kids.append(kid)
    elem.K = Array(kids)


def _one_annotation(link: Dictionary, dropped: set) -> None:
    """WeasyPrint gives each box inside a link its own annotation: keep the link's own
    (those no other one covers) and drop the rest, so a reader meets one link, not five."""
    objrs = []
    for elem in [link, *_elems(link)]:
        kept = []
        for kid in _kids(elem):
            is_objr = isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR"
            (objrs if is_objr else kept).append(kid)
        elem.K = Array(kept)
    keep: list = []
    for objr in objrs:
        box = _box(objr.Obj)
        if not any(_covers(_box(o.Obj), box) for o in objrs) and box not in map(_box_of, keep):
            keep.append(objr)
    kept_ids = {o.Obj.objgen for o in keep}
    dropped.update(o.Obj.objgen for o in objrs if o.Obj.objgen not in kept_ids)
    link.K = Array([*keep, *_kids(link)])


def _box_of(objr: Dictionary) -> tuple[float, ...]:
    return _box(objr.Obj)


def _box(annot: Dictionary) -> tuple[float, ...]:
    x0, x1 = sorted((float(annot.Rect[0]), float(annot.Rect[2])))
    y0, y1 = sorted((float(annot.Rect[1]), float(annot.Rect[3])))
    return (x0, y0, x1, y1)


def _covers(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    """``outer`` holds ``inner`` and is larger (equal boxes are duplicates, kept once)."""
    inside = outer[0] <= inner[0] and outer[1] <= inner[1]
    return outer != inner and inside and outer[2] >= inner[2] and outer[3] >= inner[3]


def _merge_split_links(elem: Dictionary, names: dict) -> None:
    """Neighbouring links to one target (a URL broken over two lines) become one link."""
    kids: list = []
    for kid in _kids(elem):
        prev = kids[-1] if kids else None
        if (
            _is_elem(kid)
            and kid.S == "/Link"
            and _is_elem(prev)
            and prev.S == "/Link"
            and _link_target(prev, names) == _link_target(kid, names) is not None
        ):
            prev.K = Array(_kids(prev) + _kids(kid))
            continue
        kids.append(kid)
    elem.K = Array(kids)


def _link_target(elem: Dictionary, names: dict) -> str | None:
    annots = _annotations(elem)
    return _target(annots[0], names) if annots else None


def _wrap_body(pdf: pikepdf.Pdf, li: Dictionary) -> None:
    """PDF/UA lists: an item is ``Lbl`` then ``LBody``; WeasyPrint omits the body."""
    kids = _kids(li)
    if any(_is_elem(k) and k.S == "/LBody" for k in kids):
        return
    labels = [k for k in kids if _is_elem(k) and k.S == "/Lbl"]
    body = [k for k in kids if not (_is_elem(k) and k.S == "/Lbl")]
    li.K = Array([*labels, _new(pdf, "LBody", li, body)] if body else labels)


def _is_contents(elem: Dictionary, names: dict, toc_ids: set[str]) -> bool:
    """An unmarked list (no bullets) whose every link goes to a Contents entry is (part of)
    the Contents; a bulleted list of cross-references in the text is not."""
    if any(e.S == "/Lbl" for e in _elems(elem)):
        return False
    targets = [_link_target(e, names) for e in _elems(elem) if e.S == "/Link"]
    return bool(targets) and all(t and t.lstrip("#") in toc_ids for t in targets)


def _as_toc(pdf: pikepdf.Pdf, elem: Dictionary) -> None:
    """``L``/``LI``/``LBody`` → ``TOC``/``TOCI``/``Reference`` (a nested list: a nested TOC)."""
    elem.S = Name.TOC
    for kid in _kids(elem):
        if _is_elem(kid) and kid.S == "/L":
            _as_toc(pdf, kid)
        elif _is_elem(kid) and kid.S == "/LI":
            _as_toci(pdf, kid)


def _as_toci(pdf: pikepdf.Pdf, item: Dictionary) -> None:
    """An entry: its body the ``Reference``; a sub-list in its body moves up to the entry."""
    item.S = Name.TOCI
    parts = []
    for part in _kids(item):
        if not (_is_elem(part) and part.S == "/LBody"):
            parts.append(part)
            continue
        part.S = Name.Reference
        inner = _kids(part)
        lists = [k for k in inner if _is_elem(k) and k.S in ("/L", "/TOC")]
        ids = {k.objgen for k in lists}
        part.K = Array([k for k in inner if not (_is_elem(k) and k.objgen in ids)])
        parts += [part, *lists]
    for part in parts:
        if _is_elem(part) and part.S in ("/L", "/TOC"):
            part.P = item
            _as_toc(pdf, part)
    item.K = Array(parts)


def _caption_into_figure(elem: Dictionary) -> None:
    """A figure's caption sits beside its picture: move it into the ``Figure`` element."""
    kids = _kids(elem)
    captions = [k for k in kids if _is_elem(k) and k.S == "/Caption"]
    if len(captions) != 1:
        return
    figures = [e for e in _elems(elem) if e.S == "/Figure"]
    if len(figures) != 1:
        return
    caption, figure = captions[0], figures[0]
    elem.K = Array([k for k in kids if not (_is_elem(k) and k.objgen == caption.objgen)])
    caption.P = figure
    figure.K = Array([caption, *_kids(figure)])


# ---------------------------------------------------------------- notes


def _tag_notes(pdf: pikepdf.Pdf, document: Dictionary, names: dict) -> None:
    """Each page's footnote area holds its notes in call order: tag them ``Note``, the
    printed number ``Lbl``, and give each the id its calls point at."""
    calls: dict[int, list[str]] = {}  # page object number → note anchors called there
    for elem in _elems(document):
        if elem.S == "/Link":
            target = _link_target(elem, names) or ""
            if target.startswith("#" + NOTE_PREFIX) and "/Pg" in elem:
                calls.setdefault(elem.Pg.objgen[0], []).append(target[1:])
    for area in _kids(document):
        if not (_is_elem(area) and area.S == "/NonStruct" and "/Pg" in area):
            continue
        notes = [k for k in _kids(area) if _is_elem(k)]
        called = calls.get(area.Pg.objgen[0], [])
        if not notes or len(notes) != len(called) or any(n.S != "/Span" for n in notes):
            continue
        for note, anchor in zip(notes, called, strict=True):
            note.S = Name.Note
            note.ID = pikepdf.String(anchor)
            first = _kids(note)[0] if _kids(note) else None
            if _is_elem(first) and first.S == "/NonStruct":
                first.S = Name.Lbl
        area.S = Name.Div


# ---------------------------------------------------------------- link descriptions


def _descriptions(doc: Document) -> dict[str, str]:
    """What each link target is called: a heading's or figure's title, a note's number,
    a web link's text."""
    found: dict[str, str] = {}
    for node in doc.walk():
        if isinstance(node, Section) and node.title:
            found["#" + node.id] = " ".join(filter(None, [node.label, node.title]))
        elif isinstance(node, Heading):
            found["#" + node.id] = node.plain()
        elif isinstance(node, Figure):
            found["#" + node.anchor] = f"{node.label} {node.number}. {node.title}"
        elif isinstance(node, NoteRef):
            found[f"#{NOTE_PREFIX}{node.n}"] = f"Note {node.n}"
        elif isinstance(node, XRef):
            found.setdefault("#" + node.anchor, node.text)
        elif isinstance(node, Link) and node.plain().strip():
            found.setdefault(node.href.strip(), node.plain().strip())
        elif isinstance(node, Contents):
            for entry in [*node.entries, *node.figures, *node.tables, *node.contacts]:
                found.setdefault("#" + entry.id, entry.title)
    return found


def _adopt_stray_links(pdf: pikepdf.Pdf, document: Dictionary, names: dict, dropped: set) -> None:
    """A link box WeasyPrint lays out apart (a positioned part of a Contents entry) gets an
    annotation but no place in the tree: join it to the page's Link element with its target,
    or drop it when there is none (an untagged link is one a reader cannot reach)."""
    tagged: dict[tuple[int, str | None], Dictionary] = {}
    held: set[tuple[int, int]] = set()
    for elem in _elems(document):
        if elem.S == "/Link" and "/Pg" in elem:
            for annot in _annotations(elem):
                held.add(annot.objgen)
                tagged.setdefault((elem.Pg.objgen[0], _target(annot, names)), elem)
    for page in pdf.pages:
        kept = Array()
        for annot in page.obj.get("/Annots", Array()):
            if annot.objgen in dropped:
                continue
            if annot.get("/Subtype") != "/Link" or annot.objgen in held:
                kept.append(annot)
                continue
            elem = tagged.get((page.objgen[0], _target(annot, names)))
            if elem is not None:
                objr = Dictionary(Type=Name.OBJR, Obj=annot, Pg=page.obj)
                elem.K = Array([*_kids(elem), pdf.make_indirect(objr)])
                kept.append(annot)
        if "/Annots" in page.obj:
            page.obj.Annots = kept


def _describe_links(pdf: pikepdf.Pdf, document: Dictionary, names: dict, known: dict) -> None:
    """``/Contents`` on every link annotation: what the link leads to, in words."""
    for elem in _elems(document):
        if elem.S != "/Link":
            continue
        for annot in _annotations(elem):
            target = _target(annot, names) or ""
            text = known.get(target, target)
            if text == target:  # a bare URL printed as its own text
                text = _readable_url(target)
            annot.Contents = pikepdf.String(text)
            elem.Alt = pikepdf.String(text)


def _readable_url(target: str) -> str:
    """A URL with no link text of its own, said as its address without the scheme."""
    for scheme in ("https://", "http://", "mailto:", "#"):
        target = target.removeprefix(scheme)
    return "Link to " + target.rstrip("/") if target else "Link"


def _contents_ids(doc: Document) -> set[str]:
    found: set[str] = set()
    for node in doc.walk():
        if isinstance(node, Contents):
            for entry in [*node.entries, *node.figures, *node.tables, *node.contacts]:
                found.add(entry.id)
    return found


# ---------------------------------------------------------------- parent tree, artifacts


def _rebuild_parent_tree(pdf: pikepdf.Pdf, root: Dictionary) -> None:
    """The parent tree from the finished structure; marked content that no element owns
    (running heads, footers, page numbers) becomes a pagination artifact."""
    owner: dict[tuple[int, int], Dictionary] = {}  # (page objnum, mcid) → element
    annots: list[tuple[Dictionary, Dictionary]] = []
    for elem in _elems(root):
        for kid in _kids(elem):
            if isinstance(kid, int):
                owner[(elem.Pg.objgen[0], kid)] = elem
            elif isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR":
                page = kid.get("/Pg", elem.get("/Pg"))
                owner[(page.objgen[0], int(kid.MCID))] = elem
            elif isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR":
                annots.append((kid.Obj, elem))
    nums: list = []
    for index, page in enumerate(pdf.pages):
        mcids = _artifact_orphans(pdf, page, {m for (p, m) in owner if p == page.objgen[0]})
        page_array = Array([owner.get((page.objgen[0], m)) for m in range(mcids)])
        page.StructParents = index
        nums += [index, pdf.make_indirect(page_array)]
    for i, (annot, elem) in enumerate(annots, start=len(pdf.pages)):
        annot.StructParent = i
        nums += [i, elem]
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = len(pdf.pages) + len(annots)


MARKED = re.compile(rb"/(\w+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
"""Marked content opened with an MCID, as WeasyPrint writes it (its text is hex glyph ids,
so no string in the stream can look like this)."""


def _artifact_orphans(pdf: pikepdf.Pdf, page: pikepdf.Page, owned: set[int]) -> int:
    """Retag the page's marked content no element owns as a pagination artifact; return
    one past the highest MCID left. A byte-level rewrite: parsing every operator of the
    page would cost a second a Report."""
    if isinstance(page.obj.get("/Contents"), Array):
        page.contents_coalesce()
    data = page.obj.Contents.read_bytes() if "/Contents" in page.obj else b""
    top = max((m for m in owned), default=-1)

    def retag(match: re.Match[bytes]) -> bytes:
        if int(match[2]) in owned:
            return match[0]
        return b"/Artifact <</Type /Pagination>> BDC"

    changed = MARKED.sub(retag, data)
    if changed != data:
        page.obj.Contents = pdf.make_stream(changed)
    return top + 1
