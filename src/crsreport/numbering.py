"""Figure and table numbers, fixed once for the whole report, and the cross-references to them.

Figures and tables count separately; in an appendix they restart as A-1, A-2….
``@fig:id``, ``@tbl:id`` and ``@sec:id`` in prose become links with the fixed text.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import Any

from .errors import Collector, Location
from .tree import Element, Figure, Node, Section, Text, XRef

XREF = re.compile(r"@(fig|tbl|sec):([A-Za-z][\w-]*(?:\.[\w-]+)*)")
PREFIX = {"Figure": "fig", "Table": "tbl"}
KIND_WORDS = {"fig": "a figure", "tbl": "a table", "sec": "a section"}


def unknown_reference(key: str, known: Any) -> str:
    """Why ``@key`` names nothing, with the reference meant: the same id under its own
    prefix (``@fig:x`` where x is a table), else a close id of the same kind, else the list."""
    prefix, _, ident = key.partition(":")
    for other in KIND_WORDS:
        if other != prefix and f"{other}:{ident}" in known:
            return f"'@{key}': '{ident}' is {KIND_WORDS[other]}; write @{other}:{ident}"
    same = [k for k in known if k.startswith(f"{prefix}:")]
    close = difflib.get_close_matches(key, same, n=1, cutoff=0.6)
    if close:
        return f"unknown reference '@{key}'; did you mean '@{close[0]}'?"
    return f"unknown reference '@{key}'; known: {', '.join(same) or 'none'}"


def number(doc: Node) -> dict[str, dict[str, Any]]:
    """Number every figure node; return the cross-reference targets by ``prefix:id``."""
    targets: dict[str, dict[str, Any]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for top in doc.children:
        letter = getattr(top, "letter", None) or ""
        for node in top.walk():
            if isinstance(node, Section) and node.title:
                targets[f"sec:{node.id}"] = {"text": node.title, "anchor": node.id}
            if not isinstance(node, Figure):
                continue
            counts[(letter, node.label)] += 1
            n = counts[(letter, node.label)]
            node.number = f"{letter}-{n}" if letter else str(n)
            targets[f"{PREFIX[node.label]}:{node.id}"] = {
                "text": f"{node.label} {node.number}",
                "anchor": node.anchor,
            }
    return targets


def link(doc: Node, targets: dict[str, dict[str, Any]]) -> None:
    """Replace ``@fig:id`` style references in text with xref nodes; unknown ones are errors."""
    problems = Collector()
    for node in list(doc.walk()):
        if isinstance(node, Element) and any(
            isinstance(c, Text) and "@" in c.text for c in node.children
        ):
            node.children = [part for c in node.children for part in _split(c, targets, problems)]
    problems.check()


def _split(node: Node, targets: dict[str, dict[str, Any]], problems: Collector) -> list[Node]:
    if not isinstance(node, Text) or "@" not in node.text:
        return [node]
    out: list[Node] = []
    pos = 0
    for match in XREF.finditer(node.text):
        key = f"{match.group(1)}:{match.group(2)}"
        target = targets.get(key)
        if target is None:
            where = Location(node.src.file, node.src.line) if node.src else Location("<prose>")
            problems.add(where, unknown_reference(key, targets))
            continue
        if match.start() > pos:
            out.append(Text(text=node.text[pos : match.start()], src=node.src))
        out.append(XRef(text=target["text"], target=key, anchor=target["anchor"], src=node.src))
        pos = match.end()
    if pos < len(node.text):
        out.append(Text(text=node.text[pos:], src=node.src))
    return out
