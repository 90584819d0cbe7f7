"""Typesetting decisions made once on the resolved tree, so no writer makes them.

- Punctuation as CRS prints it: curly quotes and apostrophes (Markdown's own smart quotes
  in prose, captions, source and note lines and cells, which keep a backslash-escaped
  ``\\"`` straight; the rule below in titles), ``--`` and ``---`` as en and em dashes,
  ``...`` as an ellipsis. Code is never touched, nor a web address.
- Run-in leads: bold words opening a body paragraph (``**China.** During…``) are a lead.
- Alignment by content: a table column whose cells are numbers as people write them
  (``1,150``, ``$8,547``, ``(0)``, ``12.5%``, ``NA``) is right-aligned unless the writer
  chose an alignment.
"""

from __future__ import annotations

import re

from .tree import (
    Document,
    Lead,
    Node,
    Paragraph,
    Section,
    Strong,
    Summary,
    Table,
    TableCell,
    Text,
)

BODY = (Document, Section, Summary)
"""Containers whose paragraphs are body text (not list items, quotes, cells or notes)."""

NUMBER = re.compile(
    r"""^[(]?[-+−–]?                        # ( for negatives, or a sign
    [$€£¥]?\s?                              # currency
    (\d{1,3}(,\d{3})+|\d+)(\.\d+)?          # 1,150  225  8.5
    \s?(%|percent)?[)]?                     # percent, closing parenthesis
    (\s?[a-z*†‡]{1,2})?$                    # a footnote letter or mark
    """,
    re.X,
)
PLACEHOLDER = re.compile(r"^(NA|N/A|n\.a\.|n/a|—|–|-|\.\.|\.\.\.|…|\*|\(?[ZXS]\)?)$")
"""What a numeric column prints where it has no number."""


DASHES = ((re.compile(r"(?<!-)---(?!-)"), "—"), (re.compile(r"(?<!-)--(?!-)"), "–"))
ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
ADDRESS = re.compile(r"\S*(?:://|www\.)\S*")
OPENS = " \t\n([{‘“—–/-"
"""Characters after which a quote opens."""


def dashes(text: str) -> str:
    """``--`` → –, ``---`` → —, ``...`` → …, except inside web addresses."""
    if "--" not in text and "..." not in text:
        return text
    parts = ADDRESS.split(text)
    addresses = ADDRESS.findall(text)
    out = []
    for i, part in enumerate(parts):
        for pattern, dash in DASHES:
            part = pattern.sub(dash, part)
        out.append(ELLIPSIS.sub("…", part))
        if i < len(addresses):
            out.append(addresses[i])
    return "".join(out)


def smart_quotes(text: str) -> str:
    """Straight quotes in a plain text field made curly by what precedes them."""
    if '"' not in text and "'" not in text:
        return text
    out = []
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        if char == '"':
            char = "“" if before in OPENS else "”"
        elif char == "'":
            char = "‘" if before in OPENS else "’"
        out.append(char)
    return "".join(out)


def punctuate(text: str) -> str:
    """A plain text field as CRS prints it."""
    return dashes(smart_quotes(text))


def punctuate_tree(doc: Document) -> None:
    """Dashes and ellipses in all text (prose, captions, cells); quotes and dashes in the
    plain titles from report.yaml (Markdown set the other quotes already)."""
    doc.title = punctuate(doc.title)
    for node in doc.walk():
        if isinstance(node, Text):
            node.text = dashes(node.text)
        elif isinstance(node, Section) and node.title:
            node.title = punctuate(node.title)


def mark_leads(doc: Document) -> None:
    """A body paragraph that opens with bold text opens with a run-in lead."""
    for node in doc.walk():
        if not isinstance(node, BODY):
            continue
        for block in node.children:
            if isinstance(block, Paragraph) and block.children:
                first = block.children[0]
                if isinstance(first, Strong):
                    block.children[0] = Lead(children=first.children, src=first.src)


def align_by_content(doc: Node) -> None:
    """Right-align numeric columns of every table, cells the writer aligned aside."""
    for node in doc.walk():
        if isinstance(node, Table):
            _align_table(node)


def _align_table(table: Table) -> None:
    """Right-align every cell of a numeric column, its header included (a spanning group
    header keeps its own alignment)."""
    rows = [_by_column(r) for r in table.children]
    body = [
        row for r, row in zip(table.children, rows, strict=True) if not getattr(r, "header", False)
    ]
    width = max((max(row, default=-1) + 1 for row in rows), default=0)
    for col in range(width):
        cells = [row[col] for row in body if col in row]
        if not cells or not is_numeric([_text(c) for c in cells]):
            continue
        for row in rows:
            cell = row.get(col)
            if cell is not None and cell.colspan == 1 and cell.align is None:
                cell.align = "right"


def _by_column(row: Node) -> dict[int, TableCell]:
    """A row's cells by the column each starts in."""
    out, col = {}, 0
    for cell in _cells(row):
        out[col] = cell
        col += cell.colspan
    return out


def is_numeric(texts: list[str]) -> bool:
    """Whether a column's texts are numbers (at least one), blanks and placeholders."""
    values = [t.strip() for t in texts if t.strip()]
    numbers = [v for v in values if NUMBER.match(v)]
    return bool(numbers) and all(NUMBER.match(v) or PLACEHOLDER.match(v) for v in values)


def _cells(row: Node) -> list[TableCell]:
    return [c for c in row.children if isinstance(c, TableCell)]


def _text(cell: Node) -> str:
    """A cell's words, table-note letters left out (they are set apart as superscripts)."""
    return "".join(c.plain() for c in cell.children if c.kind != "sup")
