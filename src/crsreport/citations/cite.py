"""The citation pass over the document tree (run after the Markdown footnotes are attached).

In a Report each citation becomes a footnote (a ``note_ref`` node) numbered with the
Markdown footnotes in reading order; inside a footnote it is written in place. In an
In Focus or Insight, which carry no footnotes, it becomes the CRS in-text form, linked
to the source's URL when it has one, set off in parentheses. ``[cited words](@key)`` puts
the link (or the note call) on the writer's own words.

A narrative ``@key`` names the source in the sentence: in a Report its author (short after
the first time) with the note call after it; in an In Focus or Insight the in-text form
itself. A bare ``@word`` that is no key is a misspelled citation when it has a ``[locator]``
or a bibliography key close to it; otherwise it is left as written (a handle, ``@CRSgov``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import Collector, Location
from ..products import product_for
from ..tree import Element, Link, Node, NoteRef, Paragraph, SoftBreak, Source, Text
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
    where = ctx.where("bibliography")
    entries = bibliography.load(ctx.report.roots, name, where, ctx.warnings.warn) if name else {}
    state = _Pass(entries, name, notes=product_for(doc.product).footnotes)
    _walk(doc, False, state)
    state.problems.check()
    for key, entry in entries.items():
        if key not in state.used:
            ctx.warnings.warn(entry.where, f"bibliography entry '{key}' is never cited")


def _walk(node: Node, in_note: bool, state: _Pass) -> None:
    """Rewrite ``node``'s inline children in reading order (nested nodes in their turn)."""
    out: list[Node] = []
    run: list[Node] = []
    for child in node.children:
        if isinstance(child, Text | SoftBreak):
            run.append(child)
            continue
        out += state.run(run, in_note)
        run = []
        key = syntax.link_key(child.href) if isinstance(child, Link) else None
        if key is not None:
            out += state.words(child, key, in_note)
            continue
        citation = isinstance(child, NoteRef) and child.citation
        if isinstance(child, Element) and not citation:
            _walk(child, in_note or isinstance(child, NoteRef), state)
        out.append(child)
    node.children = _calls_after_punctuation(out + state.run(run, in_note))


def _calls_after_punctuation(nodes: list[Node]) -> list[Node]:
    """A citation's note call follows the punctuation and the word it closes (as pandoc does)."""
    out: list[Node] = []
    for i, node in enumerate(nodes):
        if isinstance(node, NoteRef) and node.citation:
            if out and isinstance(out[-1], Text):
                out[-1].text = out[-1].text.rstrip(" ")
            after = nodes[i + 1] if i + 1 < len(nodes) else None
            match = PUNCTUATION.match(after.text) if isinstance(after, Text) else None
            if match and isinstance(after, Text):
                out.append(Text(text=match.group(), src=after.src))
                after.text = after.text[match.end() :]
        out.append(node)
    return [n for n in out if not isinstance(n, Text) or n.text]


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
        joined = "".join(n.text if isinstance(n, Text) else "\n" for n in nodes)
        matches = list(syntax.find(joined))
        if not matches:
            return nodes
        src = next((n.src for n in nodes if n.src), None)
        out: list[Node] = []
        pos = 0
        for match in matches:
            if match.narrative and not self.cites(match):
                continue
            out += _plain(joined[pos : match.start], src)
            where = _where(src, joined.count("\n", 0, match.start))
            cite = self.narrative if match.narrative else self.citation
            out += cite(match.items, in_note, where, src)
            pos = match.end + _close_quote(out, joined[match.end : match.end + 1])
        return out + _plain(joined[pos:], src)

    def cites(self, match: syntax.Match) -> bool:
        """Whether a bare ``@word`` is meant as a citation (else it is text, a handle)."""
        key = match.items[0].key
        return match.bracketed or key in self.entries or bool(self.close(key, 0.6))

    def citation(
        self, items: tuple[Item, ...], in_note: bool, where: Location, src: Source | None
    ) -> list[Node]:
        """One bracketed citation as a note call, or written in place (set off in text)."""
        if not self.known(items, where):
            return []
        if self.notes and not in_note:
            return [self.note_ref(items, src)]
        if self.notes:
            return self.join(items, self.formatter.note)
        return [Text(text="("), *self.join(items, self.formatter.in_text), Text(text=")")]

    def narrative(
        self, items: tuple[Item, ...], in_note: bool, where: Location, src: Source | None
    ) -> list[Node]:
        """``@key``: the source named in the sentence (with its note call in a Report)."""
        (item,) = items
        later = item.key in self.used
        if not self.known(items, where):
            return []
        if not self.notes:
            return self.join(items, self.formatter.in_text)
        if in_note:
            return self.join(items, self.formatter.note)
        name = Text(text=_name(self.entries[item.key], later), src=src)
        return [name, self.note_ref(items, src)]

    def words(self, link: Node, key: str, in_note: bool) -> list[Node]:
        """``[cited words](@key)``: the words, then the note call, link or in-text form."""
        where = _where(link.src, 0)
        if not self.known((Item(key),), where):
            return []
        words = link.children
        if self.notes and not in_note:
            return [*words, self.note_ref((Item(key),), link.src)]
        url = self.entries[key].url
        if not self.notes:
            return [Link(children=words, href=url, src=link.src)] if url else words
        return [*words, Text(text=" ("), *self.formatter.note(Item(key)), Text(text=")")]

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
        close = self.close(key, 0.5)
        hint = " or ".join(f"'@{k}'" for k in close)
        return f"unknown citation key '@{key}' (not in {self.file})" + (
            f"; did you mean {hint}?" if hint else ""
        )

    def close(self, key: str, cutoff: float) -> list[str]:
        """Bibliography keys like ``key``, closest first (case does not count)."""
        folded = {k.lower(): k for k in self.entries}
        close = difflib.get_close_matches(key.lower(), list(folded), n=3, cutoff=cutoff)
        return [folded[k] for k in close]

    def note_ref(self, items: tuple[Item, ...], src: Source | None) -> NoteRef:
        """A footnote holding the citation in the CRS note form, capitalised and closed."""
        self.made_notes = True
        body = _sentence(self.join(items, self.formatter.note))
        label = "@" + ";".join(i.key for i in items)
        paragraph = Paragraph(children=body, src=src)
        return NoteRef(children=[paragraph], label=label, citation=True, src=src)

    def join(self, items: tuple[Item, ...], form: Form) -> list[Node]:
        """Cites joined by "; ", each with the writer's prefix and suffix."""
        out: list[Node] = []
        for i, item in enumerate(items):
            if i:
                out.append(Text(text="; "))
            if item.prefix:
                out.append(Text(text=item.prefix + " "))
            out += form(item)
            suffix = item.suffix.strip()
            if suffix:
                space = "" if suffix[0] in ",.;:)" else " "
                out.append(Text(text=space + suffix))
        return out


def _close_quote(out: list[Node], after: str) -> int:
    """A period or comma after a citation ending in a quoted title goes inside the quotes,
    as CRS (American) punctuation has it; returns how many characters were moved."""
    last = out[-1] if out else None
    if after in (".", ",") and isinstance(last, Text) and last.text.endswith("”"):
        last.text = last.text[:-1] + after + "”"
        return 1
    return 0


def _name(entry: bibliography.Entry, later: bool) -> str:
    """Who a narrative citation names: the author (short when named before), a CRS
    product's series and number, a law's title."""
    csl = entry.csl
    if entry.form == "crs":
        return f"{csl['collection-title']} {csl['number']}"
    if entry.form == "law":
        title = csl.get("title-short") if later else None
        return title or csl.get("title") or csl.get("number") or _law(csl)
    if later and csl.get("authority"):
        return csl["authority"]
    people = csl.get("author") or csl.get("editor")
    if people:
        return _and([_person(name, later) for name in people])
    return csl.get("publisher") or csl.get("container-title") or csl["title"]


def _law(csl: dict[str, str]) -> str:
    section = csl.get("section")
    return " ".join(filter(None, (csl.get("volume"), csl["container-title"]))) + (
        f" §{section}" if section else ""
    )


def _person(name: dict[str, str], short: bool) -> str:
    """A name as the notes print it: "John Doe Jr.", or "Doe" when short."""
    long = ("given", "dropping-particle", "non-dropping-particle", "family", "suffix")
    parts = ("non-dropping-particle", "family") if short else long
    return name.get("literal") or " ".join(name[p] for p in parts if name.get(p))


def _and(names: list[str]) -> str:
    if len(names) < 3:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _where(src: Source | None, lines_in: int) -> Location:
    if src is None:
        return Location("<prose>")
    return Location(src.file, src.line + lines_in if src.line else None)


def _plain(text: str, src: Source | None) -> list[Node]:
    """Text with its line breaks back as soft breaks."""
    out: list[Node] = []
    for i, part in enumerate(text.split("\n")):
        if i:
            out.append(SoftBreak(src=src))
        if part:
            out.append(Text(text=part, src=src))
    return out


def _sentence(nodes: list[Node]) -> list[Node]:
    """A note's text as a sentence: first letter capital, final period (inside quotes)."""
    first = next((n for n in _texts(nodes)), None)
    if first is not None and first.text[:1].islower():
        first.text = first.text[0].upper() + first.text[1:]
    last = nodes[-1] if nodes else None
    if last is None or last.plain().rstrip("”").endswith(END_PUNCTUATION):
        return nodes
    if isinstance(last, Text) and last.text.endswith("”"):
        last.text = last.text[:-1] + ".”"
    else:
        nodes.append(Text(text="."))
    return nodes


def _texts(nodes: list[Node]) -> Iterator[Text]:
    for node in nodes:
        for inner in node.walk():
            if isinstance(inner, Text) and inner.text:
                yield inner
