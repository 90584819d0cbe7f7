"""The citation syntax in prose (pandoc's): ``[@key]``, ``[see @key, p. 5]``, ``[@a; @b]``,
and the narrative ``@key`` or ``@key [p. 5]`` written into the sentence.

Keys start with a letter, digit or ``_`` and may hold ``:.#$%&+?<>~/-`` inside; keys
starting ``fig:``, ``tbl:`` or ``sec:`` are cross-references (numbering.py), never
citations. An ``@`` after a word character, ``.`` or ``/`` (an e-mail address, a
URL) starts no citation; whether a bare ``@word`` cites is decided against the bibliography
(cite.py), so a handle such as ``@CRSgov`` can stay text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

KEY = r"(?!(?:fig|tbl|sec):)\w(?:[\w:.#$%&+?<>~/-]*\w)?"
BRACKETS = re.compile(r"\[([^\[\]]*)\]")
ITEM = re.compile(rf"^\s*(?P<prefix>.*?)(?<![\w@])@(?P<key>{KEY})(?P<rest>.*?)\s*$", re.S)
LINK_KEY = re.compile(rf"^@(?P<key>{KEY})$")
NARRATIVE = re.compile(rf"(?<![\w@.\\/:+-])@(?P<key>{KEY})(?:[ \t]?\[(?P<locator>[^\[\]@]*)\])?")
LABELS = {
    "page": r"pp?\.|pages?",
    "section": r"§§?|secs?\.|sections?",
    "chapter": r"chaps?\.|chapters?",
    "paragraph": r"¶¶?|paras?\.|paragraphs?",
    "figure": r"figs?\.|figures?",
    "note": r"nn?\.|notes?",
}
_LABEL = "|".join(f"(?P<{name}>{rx})" for name, rx in LABELS.items())
_MORE = r"(?:\s*(?:,|&|and)\s*\d[\w().–-]*)*"
_VALUE = rf"[\w§().–-]+{_MORE}"
_NUMBER = rf"\d[\w().–-]*{_MORE}"
LABELED = re.compile(rf"^\s+(?:{'|'.join(LABELS.values())})\s*\d")
LOCATOR = re.compile(rf"^,\s*(?:(?:{_LABEL})\s*(?P<v1>{_VALUE})|(?P<v2>{_NUMBER}))(?P<suf>.*)$")


@dataclass(frozen=True)
class Item:
    """One cited source: its key, pinpoint, and the writer's words around it."""

    key: str
    prefix: str = ""
    label: str | None = None
    locator: str | None = None
    suffix: str = ""


@dataclass(frozen=True)
class Match:
    """A bracketed citation found in text: where it is and what it cites."""

    start: int
    end: int
    items: tuple[Item, ...]
    narrative: bool = False
    """``@key`` in the sentence (pandoc's author-in-text), not a bracketed citation."""
    bracketed: bool = False
    """A narrative citation followed by its ``[locator]``: surely meant as a citation."""


def find(text: str) -> Iterator[Match]:
    """Every bracketed and narrative citation in ``text``, in order."""
    if "@" not in text:
        return
    pos = 0
    for match in BRACKETS.finditer(text):
        items = parse(match.group(1))
        if items:
            yield from _narrative(text, pos, match.start())
            yield Match(match.start(), match.end(), items)
            pos = match.end()
    yield from _narrative(text, pos, len(text))


def _narrative(text: str, start: int, end: int) -> Iterator[Match]:
    """The ``@key`` and ``@key [locator]`` citations between ``start`` and ``end``."""
    for match in NARRATIVE.finditer(text, start, end):
        key, body = match["key"], match["locator"]
        item = Item(key) if body is None else _item(ITEM.match(f"@{key}, {body.strip()}"))
        yield Match(match.start(), match.end(), (item,), True, body is not None)


def parse(body: str) -> tuple[Item, ...]:
    """The items of a citation's bracket body; empty if any part is not a citation."""
    items = []
    for part in body.split(";"):
        match = ITEM.match(part)
        if match is None:
            return ()
        items.append(_item(match))
    return tuple(items)


def link_key(href: str) -> str | None:
    """The key of a ``[cited words](@key)`` link, else None."""
    match = LINK_KEY.match(href.strip())
    return match.group("key") if match else None


def _item(match: re.Match[str]) -> Item:
    prefix, key, rest = match["prefix"].strip(), match["key"], match["rest"]
    prefix = prefix.removesuffix("-").rstrip()  # pandoc's [-@key]: no author to leave out
    if LABELED.match(rest):  # pandoc reads "[@key p. 5]" as "[@key, p. 5]"
        rest = "," + rest
    loc = LOCATOR.match(rest)
    if loc is None:
        return Item(key, prefix, suffix=rest.rstrip())
    label = next((name for name in LABELS if loc[name]), "page")
    value = (loc["v1"] or loc["v2"]).strip()
    return Item(key, prefix, label, value, loc["suf"].rstrip())
