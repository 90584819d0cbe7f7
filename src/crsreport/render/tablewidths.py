"""Table column widths from content, as a browser's automatic table layout sets them.

Word and LibreOffice give every column of a new table the same width, so a twelve-column
table breaks the words of its label column ("Massachus/etts"). The PDF's layout instead
gives each column at least its longest unbreakable word and, room allowing, its longest
line; this module computes those widths for the DOCX from the tree alone (text measured
with Arial's metrics, the DOCX table font), so the output is the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..tree import Node, Table, TableCell, TableRow

# Advance widths of Arial (metric-compatible with Helvetica and Liberation Sans) in
# thousandths of an em, for the characters tables mostly hold; others count as WIDE.
_NARROW = dict.fromkeys("ijl|'", 222) | dict.fromkeys(" ,./:;!ftI[]\\", 278)
_WIDTHS: dict[str, int] = {
    **dict.fromkeys("abdeghnopqu0123456789$#?_L", 556),
    **dict.fromkeys("ckszvxyJ", 500),
    **dict.fromkeys("r-()`", 333),
    **dict.fromkeys("mM", 833),
    **dict.fromkeys("wCDHNRU", 722),
    **dict.fromkeys("ABEKPSVXY&", 667),
    **dict.fromkeys("FTZ", 611),
    **dict.fromkeys("GOQ", 778),
    **dict.fromkeys("%", 889),
    **dict.fromkeys("W", 944),
    **dict.fromkeys('*"', 389),
    **_NARROW,
}
WIDE = 1000
BOLD = 1.1
"""Bold Arial runs up to a tenth wider than regular."""


@dataclass(frozen=True)
class Metrics:
    """The table's type and spacing, in points."""

    size: float = 9.0  # Table Text
    padding: float = 8.6  # left and right cell margins (86 twips each)
    indent: float = 10.8  # one level of a sub-row's indent (0.15 in)
    slack: float = 2.0  # rounding and kerning: a word that just fits must still fit


def text_width(text: str, metrics: Metrics, bold: bool = False) -> float:
    """How wide ``text`` is set in the table font, in points."""
    units = sum(_WIDTHS.get(c, WIDE) for c in text)
    return units * metrics.size / 1000 * (BOLD if bold else 1)


def column_widths(
    table: Table, room: float, fill: bool, metrics: Metrics | None = None
) -> list[float]:
    """Each column's width in points, together at most ``room``: the longest word of
    every column first, then the rest shared by how much more each column's longest
    line wants (all of ``room`` when ``fill``, as a data table's ``width: 100%``). When
    even the words do not fit, the first (label) column keeps its longest word whole,
    up to half the room, and the others share what is left."""
    metrics = metrics or Metrics()
    least, most = _needs(table, metrics)
    if not least:
        return []
    low, high = sum(least), sum(most)
    if low >= room:  # even the words do not fit: the label column keeps its words whole
        label = min(least[0], room / 2)
        rest = sum(least[1:])
        return [label, *((room - label) * w / rest for w in least[1:])] if rest else [room]
    if high <= room:
        extra = room - high if fill else 0.0
        return [w + extra * w / high for w in most]
    share = (room - low) / (high - low)
    return [lo + (hi - lo) * share for lo, hi in zip(least, most, strict=True)]


def _needs(table: Table, metrics: Metrics) -> tuple[list[float], list[float]]:
    """Per column: the width of its longest word, and of its longest cell on one line."""
    rows = [r for r in table.children if isinstance(r, TableRow)]
    count = max((sum(c.colspan for c in _cells(r)) for r in rows), default=0)
    least, most = [0.0] * count, [0.0] * count
    for row in rows:
        col = 0
        for cell in _cells(row):
            if cell.colspan == 1:
                bold = cell.header or row.bold or row.total
                text = " ".join(cell.plain().split())
                extra = metrics.padding + metrics.slack
                if col == 0:
                    extra += metrics.indent * row.indent
                words = [text_width(w, metrics, bold) for w in text.split()] or [0.0]
                least[col] = max(least[col], max(words) + extra)
                most[col] = max(most[col], text_width(text, metrics, bold) + extra)
            col += cell.colspan
    return least, most


def _cells(row: Node) -> list[TableCell]:
    return [c for c in row.children if isinstance(c, TableCell)]
