"""The format-neutral document tree every renderer walks.

One node class keeps the tree simple to build, compare and serialise: ``kind``
names the node type, ``attrs`` holds its few typed facts, ``src`` where it came
from. Block kinds: document, section, heading, paragraph, bullet_list,
ordered_list, list_item, blockquote, table, table_row, table_cell, code_block,
rule, figure, note. Inline kinds: text, emph, strong, link, code, softbreak,
hardbreak, note_ref, xref.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """The file and line a node came from."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass
class Node:
    """One node of the document tree."""

    kind: str
    children: list[Node] = field(default_factory=list)
    text: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    src: Source | None = None

    def walk(self) -> Iterator[Node]:
        """This node and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def plain(self) -> str:
        """The node's text with all markup (and any footnote it calls) dropped."""
        if self.kind in ("softbreak", "hardbreak"):
            return " "
        return self.text + "".join(c.plain() for c in self.children if c.kind != "note_ref")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the subtree (private ``_`` attrs left out)."""
        return {
            "kind": self.kind,
            "text": self.text,
            "attrs": {k: v for k, v in self.attrs.items() if not k.startswith("_")},
            "src": asdict(self.src) if self.src else None,
            "children": [child.to_dict() for child in self.children],
        }


def text(value: str, src: Source | None = None) -> Node:
    """A text leaf."""
    return Node("text", text=value, src=src)
