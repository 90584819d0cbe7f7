"""What changed between two versions of a report: a structural diff of two resolved trees.

Both versions are resolved by the same code, so the diff compares what a reader sees, not
the sources. Sections are matched by id, other blocks are aligned by ``difflib`` on their
text, paired blocks are compared inside (a word diff for text, recursion for lists, notes,
tables and figures), and a deleted block whose text reappears elsewhere is a move. The
result is the new tree with ``Change``/``Inserted``/``Deleted`` nodes where things changed,
so each writer renders a redline the way it renders anything else, plus the list of
changes for the summary and for other tools.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from .resolve import number_notes
from .tree import (
    Change,
    ChangeEntry,
    ChangeSummary,
    Cover,
    Deleted,
    Document,
    Element,
    Figure,
    Inserted,
    ListItem,
    Node,
    NoteRef,
    Section,
    TableRow,
    Text,
    node_fields,
)

WORD = re.compile(r"\w+|\s+|[^\w\s]")
SIMILAR = 0.5  # two blocks of a kind sharing this share of words are one block edited


@dataclass
class Changed:
    """One change, for the summary and ``--format json``."""

    change: str  # insert, delete, move_from, move_to, modify
    what: str  # paragraph, section, figure, note, table cell, ...
    section: str
    old: str
    new: str
    where: str
    anchor: str = ""

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass
class Redline:
    """The new tree marked with the changes, and the changes in reading order."""

    doc: Document
    changes: list[Changed]

    @property
    def summary(self) -> str:
        return summary_text(self.changes)


def redline(old: Document, new: Document, base: str = "") -> Redline:
    """Mark ``new`` with what changed since ``old`` (neither is modified)."""
    differ = _Differ()
    doc = copy.copy(new)
    doc.children = differ.blocks(old.children, new.children, "")
    _find_moves(doc, differ.changes)
    number_notes(doc)  # deleted notes included, in reading order, as Word numbers them
    items = [ChangeEntry(_entry(c), c.anchor) for c in differ.changes if c.anchor]
    said = ChangeSummary(text=summary_text(differ.changes), base=base, changes=items)
    covers = [i for i, n in enumerate(doc.children) if isinstance(n, Cover)]
    doc.children.insert(covers[0] + 1 if covers else 0, said)  # after a Report's cover
    return Redline(doc, differ.changes)


# ---- blocks ----------------------------------------------------------------------------


class _Differ:
    def __init__(self) -> None:
        self.changes: list[Changed] = []

    def blocks(self, old: list[Node], new: list[Node], section: str) -> list[Node]:
        """``new`` with the differences from ``old`` marked, block by block."""
        matcher = SequenceMatcher(None, [_key(n) for n in old], [_key(n) for n in new], False)
        out: list[Node] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                pairs = zip(old[i1:i2], new[j1:j2], strict=True)
                out += [self.pair(a, b, section) for a, b in pairs]
            else:
                out += self.replace(old[i1:i2], new[j1:j2], section)
        return out

    def replace(self, old: list[Node], new: list[Node], section: str) -> list[Node]:
        """Pair each old block with a similar new one (in order); the rest were deleted or
        inserted."""
        out: list[Node] = []
        j = 0
        for a in old:
            match = next((k for k in range(j, len(new)) if _similar(a, new[k])), None)
            if match is None:
                out.append(self.mark(a, "delete", section))
                continue
            out += [self.mark(b, "insert", section) for b in new[j:match]]
            out.append(self.pair(a, new[match], section))
            j = match + 1
        out += [self.mark(b, "insert", section) for b in new[j:]]
        return out

    def pair(self, a: Node, b: Node, section: str) -> Node:
        """``b`` with what changed since ``a`` marked inside it (the same block, edited)."""
        if isinstance(b, Section):
            section = b.title or b.id
            if isinstance(a, Section) and a.title != b.title:
                old_title, new_title = a.title or "", b.title or ""
                self.record("modify", "section title", section, old_title, new_title, b, False)
        if isinstance(a, Figure) and isinstance(b, Figure):
            return self.figure(a, b, section)
        if _plain_key(a) == _plain_key(b) or (b.furniture and not isinstance(b, Element)):
            return b  # furniture (contents, footers) is the new version's, unmarked
        if isinstance(a, TableRow) and isinstance(b, TableRow):
            return self.row(a, b, section)
        if isinstance(a, Element) and isinstance(b, Element) and b.children:
            if all(c.inline for c in b.children):
                return self.words(a, b, section)
            return _with_children(b, self.blocks(a.children, b.children, section))
        what = _what(b)
        change = self.record("modify", what, section, a.plain(), b.plain(), b)
        gone = Change(change="delete", id=f"{change.anchor}-old", what=what, children=[a])
        return Change(change="modify", id=change.anchor, what=what, children=[gone, b])

    def words(self, a: Node, b: Node, section: str) -> Node:
        """A block of text with a word diff inside it; a changed paragraph gets a bar."""
        children = self.inline(a.children, b.children, section)  # type: ignore[attr-defined]
        node = _with_children(b, children)
        if not _marked(node):
            return node  # only a note inside changed: its change is marked there
        what = _what(b)
        if b.kind in ("table_cell", "heading"):  # marked in place: no block to link to
            self.record("modify", what, section, a.plain(), b.plain(), b, linked=False)
            return node
        change = self.record("modify", what, section, a.plain(), b.plain(), b)
        return Change(change="modify", id=change.anchor, what=what, children=[node], src=b.src)

    def row(self, a: TableRow, b: TableRow, section: str) -> Node:
        if len(a.children) != len(b.children):
            return self.mark(b, "insert", section)
        cells = [self.pair(x, y, section) for x, y in zip(a.children, b.children, strict=True)]
        return _with_children(b, cells)

    def figure(self, a: Figure, b: Figure, section: str) -> Node:
        reasons = []
        if _caption(a) != _caption(b):
            reasons.append("caption")
        data_a = a.drawing.key if a.drawing else a.file
        data_b = b.drawing.key if b.drawing else b.file
        content_a = [_words(c) for c in a.children]
        if data_a != data_b or content_a != [_words(c) for c in b.children]:
            reasons.append("data")
        if not reasons:
            return b
        node = _with_children(b, self.blocks(a.children, b.children, section))
        for name in ("title", "unit", "source"):  # the caption's words marked where they are
            old_part, new_part = getattr(a, name), getattr(b, name)
            if old_part is not None and new_part is not None:
                marked = self.inline(old_part.children, new_part.children, section)
                setattr(node, name, _with_children(new_part, marked))
        what = f"{b.label} {b.number}".strip()
        old, new = _caption(a), _caption(b)
        change = self.record("modify", f"{what} ({', '.join(reasons)})", section, old, new, b)
        return Change(change="modify", id=change.anchor, what=change.what, children=[node])

    def mark(self, node: Node, change: str, section: str) -> Node:
        """``node`` shown whole as inserted or deleted."""
        what = _what(node)
        if isinstance(node, Section):
            section = node.title or node.id
        old, new = (node.plain(), "") if change == "delete" else ("", node.plain())
        record = self.record(change, what, section, old, new, node)
        if isinstance(node, ListItem):
            inner = Change(change=change, id=record.anchor, what=what, children=node.children)
            return _with_children(node, [inner])
        if isinstance(node, TableRow):
            wrap = Deleted if change == "delete" else Inserted
            cells = [_with_children(c, [wrap(children=c.children)]) for c in node.children]
            return _with_children(node, cells)
        return Change(change=change, id=record.anchor, what=what, children=[node], src=node.src)

    def record(
        self,
        change: str,
        what: str,
        section: str,
        old: str,
        new: str,
        node: Node,
        linked: bool = True,
    ) -> Changed:
        anchor = f"change-{len(self.changes) + 1}" if linked else ""
        item = Changed(change, what, section, old.strip(), new.strip(), str(node.src or ""), anchor)
        self.changes.append(item)
        return item

    # ---- words ------------------------------------------------------------------------

    def inline(self, old: list[Node], new: list[Node], section: str) -> list[Node]:
        """The new inline nodes with words inserted and deleted marked, formatting kept."""
        a, b = list(_tokens(old)), list(_tokens(new))
        matcher = SequenceMatcher(None, [t.key for t in a], [t.key for t in b], False)
        marked: list[tuple[_Token, str]] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                    marked.append((self.note(x, y, section), ""))
                continue
            olds, news = a[i1:i2], b[j1:j2]
            if _one_note_each(olds, news):  # the same call, its note edited
                marked += [(t, "del") for t in olds if not isinstance(t.atom, NoteRef)]
                marked += [(t, "ins") for t in news if not isinstance(t.atom, NoteRef)]
                x = next(t for t in olds if isinstance(t.atom, NoteRef))
                y = next(t for t in news if isinstance(t.atom, NoteRef))
                marked.append((self.note(x, y, section), ""))
                continue
            marked += [(t, "del") for t in olds] + [(t, "ins") for t in news]
            for token, change in [(t, "delete") for t in olds] + [(t, "insert") for t in news]:
                if isinstance(token.atom, NoteRef):
                    text = " ".join(c.plain() for c in token.atom.children)
                    old, new = (text, "") if change == "delete" else ("", text)
                    self.changes.append(
                        Changed(change, "note", section, old, new, str(token.atom.src or ""))
                    )
        return _build_marked(marked)

    def note(self, x: _Token, y: _Token, section: str) -> _Token:
        """``y`` with its note's changes marked inside the note."""
        if not (isinstance(x.atom, NoteRef) and isinstance(y.atom, NoteRef)):
            return y
        if _note_text(x.atom) == _note_text(y.atom):
            return y
        start = len(self.changes)
        note = _with_children(y.atom, self.blocks(x.atom.children, y.atom.children, section))
        for change in self.changes[start:]:
            change.what = "note"
        return _Token(y.path, y.text, note)


# ---- tokens ----------------------------------------------------------------------------


@dataclass
class _Token:
    """A word, a space, or an atom (a code span, a note call...), with its formatting."""

    path: tuple[Node, ...]  # the inline elements around it, outermost first
    text: str | None
    atom: Node | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        shape = tuple(_shape(p) for p in self.path)
        if self.atom is None:
            return (shape, self.text)
        if isinstance(self.atom, NoteRef):
            return (shape, "note", _note_text(self.atom))
        return (shape, self.atom.kind, _shape(self.atom), self.atom.plain())


def _tokens(nodes: list[Node], path: tuple[Node, ...] = ()) -> Iterator[_Token]:
    for node in nodes:
        if isinstance(node, Text):
            for word in WORD.findall(node.text):
                yield _Token(path, word)
        elif isinstance(node, Element) and not isinstance(node, NoteRef | Inserted | Deleted):
            yield from _tokens(node.children, (*path, node))
        else:
            yield _Token(path, None, node)


def _build_marked(marked: list[tuple[_Token, str]]) -> list[Node]:
    """Inline nodes from marked tokens: each run of one mark wrapped, formatting rebuilt."""
    out: list[Node] = []
    i = 0
    while i < len(marked):
        mark = marked[i][1]
        j = i
        while j < len(marked) and marked[j][1] == mark:
            j += 1
        nodes = _build([t for t, _ in marked[i:j]])
        if mark:
            out.append((Inserted if mark == "ins" else Deleted)(children=nodes))
        else:
            out += nodes
        i = j
    return out


def _build(tokens: list[_Token]) -> list[Node]:
    out: list[Node] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.path:
            node = token.atom if token.atom is not None else Text(text=token.text or "")
            if isinstance(node, Text) and out and isinstance(out[-1], Text):
                out[-1] = Text(text=out[-1].text + node.text, src=out[-1].src)  # type: ignore[attr-defined]
            else:
                out.append(node)
            i += 1
            continue
        head, j = token.path[0], i
        while j < len(tokens) and tokens[j].path and _shape(tokens[j].path[0]) == _shape(head):
            j += 1
        inner = [_Token(t.path[1:], t.text, t.atom) for t in tokens[i:j]]
        out.append(_with_children(head, _build(inner)))
        i = j
    return out


# ---- moves, notes, summary --------------------------------------------------------------


def _find_moves(doc: Node, changes: list[Changed]) -> None:
    """A deleted block whose text was inserted elsewhere is a move (both ends marked)."""
    by_anchor = {c.anchor: c for c in changes}
    inserted: dict[str, list[Change]] = {}
    for node in doc.walk():
        if isinstance(node, Change) and node.change == "insert" and node.plain().strip():
            inserted.setdefault(_norm(node.plain()), []).append(node)
    for node in doc.walk():
        if not (isinstance(node, Change) and node.change == "delete"):
            continue
        targets = inserted.get(_norm(node.plain()))
        if not targets:
            continue
        target = targets.pop(0)
        node.change, target.change = "move_from", "move_to"
        node.move = target.move = f"move{node.id.removeprefix('change-')}"
        by_anchor[node.id].change, by_anchor[target.id].change = "move_from", "move_to"


def summary_text(changes: list[Changed]) -> str:
    """ "2 sections changed, Figure 1 updated (data), 3 notes added" — or "no changes"."""
    if not changes:
        return "no changes"
    parts: list[str] = []
    sections = {c.section for c in changes if c.what != "section" and c.section}
    counts = _counts(changes)
    if sections:
        parts.append(_plural(len(sections), "section") + " changed")
    for what, verb in (("section", "added"), ("section", "removed")):
        if counts.get((what, verb)):
            parts.append(f"{_plural(counts[(what, verb)], what)} {verb}")
    parts += [
        f"{c.what.split(' (')[0]} updated ({c.what.partition('(')[2].rstrip(')')})"
        for c in changes
        if c.what.startswith(("Figure ", "Table ")) and "(" in c.what
    ]
    titles = sum(c.what == "section title" for c in changes)
    if titles:
        parts.append(f"{_plural(titles, 'section title')} changed")
    for verb in ("added", "removed", "changed", "moved"):
        if counts.get(("note", verb)):
            parts.append(f"{_plural(counts[('note', verb)], 'note')} {verb}")
    for verb in ("added", "removed", "changed", "moved"):
        if counts.get(("paragraph", verb)):
            parts.append(f"{_plural(counts[('paragraph', verb)], 'paragraph')} {verb}")
    return ", ".join(parts)


_VERBS = {"insert": "added", "delete": "removed", "modify": "changed", "move_to": "moved"}


def _counts(changes: list[Changed]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for c in changes:
        verb = _VERBS.get(c.change)
        if verb:
            what = c.what if c.what in ("note", "section") else "paragraph"
            if c.what in ("table cell", "section title") or (
                c.what.startswith(("Figure ", "Table ")) and c.change == "modify"
            ):
                continue  # counted as the figure's or the section's change
            counts[(what, verb)] = counts.get((what, verb), 0) + 1
    return counts


def _entry(c: Changed) -> str:
    verb = {
        "insert": "Added",
        "delete": "Removed",
        "modify": "Changed",
        "move_from": "Moved from here",
        "move_to": "Moved here",
    }[c.change]
    where = f" in {c.section}" if c.section else ""
    text = (c.new or c.old)[:60]
    return f"{verb}: {c.what}{where} — “{text}{'…' if len(c.new or c.old) > 60 else ''}”"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ---- keys ------------------------------------------------------------------------------


def _key(node: Node) -> tuple[Any, ...]:
    """What aligns blocks: sections and figures by id, furniture by kind, the rest by text."""
    if isinstance(node, Section | Figure):
        return (node.kind, node.id)
    if node.furniture:
        return (node.kind,)
    return _plain_key(node)


def _plain_key(node: Node) -> tuple[Any, ...]:
    return (node.kind, _shape(node), _norm(node.plain()), _notes_of(node))


def _similar(a: Node, b: Node) -> bool:
    if a.kind != b.kind:
        return False
    if isinstance(a, Section) and isinstance(b, Section):
        return a.id == b.id or (a.title is not None and a.title == b.title)
    if isinstance(a, Figure) and isinstance(b, Figure):
        return a.id == b.id or _norm(a.title.plain()) == _norm(b.title.plain())
    if a.furniture:
        return _key(a) == _key(b)
    words_a, words_b = _words(a), _words(b)
    return SequenceMatcher(None, words_a, words_b, False).ratio() >= SIMILAR


def _shape(node: Node) -> tuple[Any, ...]:
    """A node's kind and own fields (not its children): what formatting it applies."""
    fields = []
    for f in node_fields(type(node)):
        if f.name in ("n", "id", "anchor", "drawing", "changes"):
            continue
        value = getattr(node, f.name)
        if isinstance(value, Node):  # a caption part: its words, not where it was written
            value = value.plain()
        elif isinstance(value, list) and value and isinstance(value[0], Node):
            value = [v.plain() for v in value]
        fields.append((f.name, repr(value)))
    return (node.kind, tuple(fields))


def _words(node: Node) -> list[str]:
    """The words of a block, cell by cell (``plain`` runs a table's cells together)."""
    leaves = [n.plain() for n in node.walk() if not isinstance(n, Element)]
    return " ".join(leaves).split()


def _marked(node: Node) -> bool:
    """Whether words are marked in ``node`` outside its notes (whose changes show there)."""
    if isinstance(node, Inserted | Deleted):
        return True
    if isinstance(node, NoteRef) or not isinstance(node, Element):
        return False
    return any(_marked(c) for c in node.children)


def _notes_of(node: Node) -> tuple[str, ...]:
    return tuple(_note_text(n) for n in node.walk() if isinstance(n, NoteRef))


def _notes_differ(a: Node, b: Node) -> bool:
    return _notes_of(a) != _notes_of(b)


def _note_text(note: NoteRef) -> str:
    return _norm(" ".join(c.plain() for c in note.children))


def _one_note_each(olds: list[_Token], news: list[_Token]) -> bool:
    count = lambda ts: sum(isinstance(t.atom, NoteRef) for t in ts)  # noqa: E731
    return count(olds) == 1 and count(news) == 1


def _caption(fig: Figure) -> str:
    parts = (fig.title, fig.unit, fig.source, *fig.notes, *fig.lettered)
    return _norm(" ".join(p.plain() for p in parts if p is not None))


def _norm(text: str) -> str:
    return " ".join(text.split())


def _what(node: Node) -> str:
    if isinstance(node, Section):
        return "section"
    if isinstance(node, Figure):
        return f"{node.label} {node.number}".strip()
    names = {
        "table_cell": "table cell",
        "table_row": "table row",
        "list_item": "list item",
        "blockquote": "quotation",
        "heading": "heading",
    }
    return names.get(node.kind, "paragraph")


def _with_children(node: Node, children: list[Node]) -> Any:
    clone = copy.copy(node)
    clone.children = children  # type: ignore[misc]
    return clone
