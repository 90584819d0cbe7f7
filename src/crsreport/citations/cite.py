"""The citation pass over the document tree (run after the Markdown footnotes are attached).

In a Report each citation becomes a footnote (a ``note_ref`` node) numbered with the
Markdown footnotes in reading order; inside a footnote it is written in place. In an
In Focus or Insight, which carry no footnotes, it becomes the CRS in-text form, linked
to the source's URL when it has one. ``[cited words](@key)`` puts the link (or the note
call) on the writer's own words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import Collector, Location
from ..tree import Node, Source
from . import bibliography, syntax
from .syntax import Item

if TYPE_CHECKING:
    from ..resolve import Context
    from .style import Formatter

END_PUNCTUATION = (".", "?", "!")
PUNCTUATION = re.compile(r"^[.,;:!?]+")
Form = Callable[[Item], list[Node]]


def cite(ctx: Context, doc: Node) -> None:
    """Resolve every citation in ``doc``; unknown keys are errors, unused sources warnings."""
    name = ctx.report.bibliography
    entries = bibliography.load(ctx.report.roots, name, ctx.where("bibliography")) if name else {}
    state = _Pass(entries, name, notes=doc.attrs["product"] == "report")
    _walk(doc, False, state)
    state.problems.check()
    for key, entry in entries.items():
        if key not in state.used:
            ctx.warnings.warn(entry.where, f"bibliography entry '{key}' is never cited")
    if state.made_notes:
        _renumber(doc)


def _walk(node: Node, in_note: bool, state: _Pass) -> None:
    """Rewrite ``node``'s inline children in reading order (nested nodes in their turn)."""
    out: list[Node] = []
    run: list[Node] = []
    for child in node.children:
        if child.kind in ("text", "softbreak"):
            run.append(child)
            continue
        out += state.run(run, in_note)
        run = []
        key = syntax.link_key(child.attrs.get("href", "")) if child.kind == "link" else None
        if key is not None:
            out += state.words(child, key, in_note)
            continue
        if not child.attrs.get("citation"):
            _walk(child, in_note or child.kind == "note_ref", state)
        out.append(child)
    node.children = _calls_after_punctuation(out + state.run(run, in_note))


def _calls_after_punctuation(nodes: list[Node]) -> list[Node]:
    """A citation's note call follows the punctuation and the word it closes (as pandoc does)."""
    out: list[Node] = []
    for i, node in enumerate(nodes):
        if node.kind == "note_ref" and node.attrs.get("citation"):
            if out and out[-1].kind == "text":
                out[-1].text = out[-1].text.rstrip(" ")
            after = nodes[i + 1] if i + 1 < len(nodes) else None
            match = PUNCTUATION.match(after.text) if after and after.kind == "text" else None
            if match:
                out.append(Node("text", text=match.group(), src=after.src))
                after.text = after.text[match.end() :]
        out.append(node)
    return [n for n in out if n.kind != "text" or n.text]


def _renumber(doc: Node) -> None:
    """Footnote numbers in reading order, citations and Markdown notes together."""
    count = 0
    for node in doc.walk():
        if node.kind == "note_ref":
            count += 1
            node.attrs["n"] = count


@dataclass
class _Pass:
    """What the pass knows and gathers while it walks."""

    entries: dict[str, bibliography.Entry]
    file: str | None
    notes: bool
    problems: Collector = field(default_factory=Collector)
    used: set[str] = field(default_factory=set)
    made_notes: bool = False
    _formatter: Formatter | None = None

    @property
    def formatter(self) -> Formatter:
        if self._formatter is None:
            from .style import Formatter

            self._formatter = Formatter(self.entries)
        return self._formatter

    def run(self, nodes: list[Node], in_note: bool) -> list[Node]:
        """A run of text and soft breaks with its citations replaced."""
        joined = "".join(n.text if n.kind == "text" else "\n" for n in nodes)
        matches = list(syntax.find(joined))
        if not matches:
            return nodes
        src = next((n.src for n in nodes if n.src), None)
        out: list[Node] = []
        pos = 0
        for match in matches:
            out += _plain(joined[pos : match.start], src)
            where = _where(src, joined.count("\n", 0, match.start))
            out += self.citation(match.items, in_note, where, src)
            pos = match.end
        return out + _plain(joined[pos:], src)

    def citation(
        self, items: tuple[Item, ...], in_note: bool, where: Location, src: Source | None
    ) -> list[Node]:
        """One bracketed citation as a note call, or written in place."""
        if not self.known(items, where):
            return []
        if self.notes and not in_note:
            return [self.note_ref(items, src)]
        form = self.formatter.note if self.notes else self.in_text
        return self.join(items, form)

    def words(self, link: Node, key: str, in_note: bool) -> list[Node]:
        """``[cited words](@key)``: the words, then the note call, link or in-text form."""
        where = _where(link.src, 0)
        if not self.known((Item(key),), where):
            return []
        words = link.children
        if self.notes and not in_note:
            return [*words, self.note_ref((Item(key),), link.src)]
        url = self.entries[key].url
        if not self.notes and url:
            return [Node("link", words, attrs={"href": url}, src=link.src)]
        form = self.formatter.note if self.notes else self.formatter.in_text
        return [*words, Node("text", text=" ("), *form(Item(key)), Node("text", text=")")]

    def known(self, items: tuple[Item, ...], where: Location) -> bool:
        """Whether every key is in the bibliography; an unknown one is a located problem."""
        unknown = [i.key for i in items if i.key not in self.entries]
        for key in unknown:
            self.problems.add(where, self.unknown_message(key))
        self.used.update(i.key for i in items)
        return not unknown

    def unknown_message(self, key: str) -> str:
        if self.file is None:
            return (
                f"unknown citation key '@{key}': the report declares no bibliography; "
                "add 'bibliography: refs.yaml' (or .json, .bib) to report.yaml"
            )
        close = difflib.get_close_matches(key, list(self.entries), n=3, cutoff=0.5)
        hint = " or ".join(f"'@{k}'" for k in close)
        return f"unknown citation key '@{key}' (not in {self.file})" + (
            f"; did you mean {hint}?" if hint else ""
        )

    def note_ref(self, items: tuple[Item, ...], src: Source | None) -> Node:
        """A footnote holding the citation in the CRS note form, capitalised and closed."""
        self.made_notes = True
        body = _sentence(self.join(items, self.formatter.note))
        label = "@" + ";".join(i.key for i in items)
        attrs = {"label": label, "citation": True}
        return Node("note_ref", [Node("paragraph", body, src=src)], attrs=attrs, src=src)

    def in_text(self, item: Item) -> list[Node]:
        """The in-text form, its leading words linked to the source's URL when it has one.

        The link stops before an italic title ("CRS Report R41609, *Title*"), so the title
        stays italic in DOCX, where a hyperlink run carries only the Hyperlink style.
        """
        nodes = self.formatter.in_text(item)
        url = self.entries[item.key].url
        if not url:
            return nodes
        cut = next((i for i, n in enumerate(nodes) if n.kind != "text"), 0) or len(nodes)
        head, tail = nodes[:cut], nodes[cut:]
        if tail and head[-1].text.endswith(", "):
            head[-1].text = head[-1].text[:-2]
            tail.insert(0, Node("text", text=", "))
        return [Node("link", head, attrs={"href": url}), *tail]

    def join(self, items: tuple[Item, ...], form: Form) -> list[Node]:
        """Cites joined by "; ", each with the writer's prefix and suffix."""
        out: list[Node] = []
        for i, item in enumerate(items):
            if i:
                out.append(Node("text", text="; "))
            if item.prefix:
                out.append(Node("text", text=item.prefix + " "))
            out += form(item)
            if item.suffix:
                space = "" if item.suffix[0] in ",.;:)" else " "
                out.append(Node("text", text=space + item.suffix))
        return out


def _where(src: Source | None, lines_in: int) -> Location:
    if src is None:
        return Location("<prose>")
    return Location(src.file, src.line + lines_in if src.line else None)


def _plain(text: str, src: Source | None) -> list[Node]:
    """Text with its line breaks back as soft breaks."""
    out: list[Node] = []
    for i, part in enumerate(text.split("\n")):
        if i:
            out.append(Node("softbreak", src=src))
        if part:
            out.append(Node("text", text=part, src=src))
    return out


def _sentence(nodes: list[Node]) -> list[Node]:
    """A note's text as a sentence: first letter capital, final period (inside quotes)."""
    first = next((n for n in _texts(nodes)), None)
    if first is not None and first.text[:1].islower():
        first.text = first.text[0].upper() + first.text[1:]
    last = nodes[-1] if nodes else None
    if last is None or last.plain().rstrip("”").endswith(END_PUNCTUATION):
        return nodes
    if last.kind == "text" and last.text.endswith("”"):
        last.text = last.text[:-1] + ".”"
    else:
        nodes.append(Node("text", text="."))
    return nodes


def _texts(nodes: list[Node]):
    for node in nodes:
        for inner in node.walk():
            if inner.kind == "text" and inner.text:
                yield inner
