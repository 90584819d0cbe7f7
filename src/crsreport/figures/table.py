"""``table``: data shown as a real table (never an image), with lettered notes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import groupby
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from ..tree import Node, Sup, Table, TableCell, TableRow, Text
from . import FigureData, FigureSpec, Model, figure_kind

MAX_TABLE_ROWS = 2_000
"""Rows one table may print (about 50 pages)."""
FORMAT = re.compile(r"^[^{}]*\{(:(?P<spec>[^{}]*))?\}[^{}]*$")
"""A column format: text around one ``{:spec}`` field; no names, attributes or indexes."""
_SPEC = re.compile(r"^(.?[<>=^])?[+\- ]?z?#?0?(\d{1,3})?[,_]?(\.\d{1,2})?[bcdeEfFgGnosxX%]?$")


class TableColumn(Model):
    """One column: the data column, its header, an optional spanning group header."""

    column: str
    header: str | None = None
    group: str | None = Field(None, description="Spanning header above this column.")
    format: str | None = Field(None, description='Python format, e.g. "{:,}" or "{:.1f}".')
    align: Literal["left", "right", "center"] | None = None
    note: str | None = Field(None, description="A lettered note keyed on this header.")

    @field_validator("format")
    @classmethod
    def _safe_format(cls, value: str | None) -> str | None:
        match = FORMAT.match(value) if value is not None else None
        if value is not None and not (match and _SPEC.match(match["spec"] or "")):
            raise ValueError(
                f"'{value}' is not a number format; write one field like '{{:,}}' or "
                "'{:.1f}' (width at most 999)"
            )
        return value


class RowNote(Model):
    """A lettered note keyed on the cell of ``column`` in rows where it equals ``value``."""

    column: str
    value: str | int | float
    note: str


@figure_kind
class TableSpec(FigureSpec):
    """A data table with multi-row headers, a total row and lettered notes."""

    kind: Literal["table"] = "table"
    columns: list[TableColumn] = Field(min_length=1)
    total: str | None = Field(None, description='Label of a total row, e.g. "Total".')
    row_style: str | None = Field(
        None,
        description="A data column whose words style each row: bold, indent (or indent 2, "
        "indent 3), total (a total the data supplies, set as a computed one is).",
    )
    cell_notes: list[RowNote] = Field(default_factory=list)
    caption_label: ClassVar[str] = "Table"
    drawn: ClassVar[bool] = False

    def content(self, data: FigureData) -> tuple[list[Node], list[tuple[str, str]]]:
        """The table as tree nodes, and its lettered notes."""
        table = _Table(self, data.rows)
        rows = [*table.header_rows(), *table.body_rows(), *table.total_row()]
        return [Table(children=rows)], table.notes

    def columns_used(self) -> list[str]:
        return [
            *super().columns_used(),
            *([self.row_style] if self.row_style else []),
            *(c.column for c in self.columns),
            *(n.column for n in self.cell_notes),
        ]

    def check(self, data: FigureData) -> str | None:
        """More rows than a printed table should hold, or a row style it cannot print."""
        if len(data.rows) > MAX_TABLE_ROWS:
            return f"{len(data.rows):,} table rows; at most {MAX_TABLE_ROWS:,} are printed"
        for number, row in enumerate(data.rows, start=2):
            text = str(row.get(self.row_style) or "") if self.row_style else ""
            if text and style_words(text) is None:
                return (
                    f"row {number} of '{self.data}': row style '{text}' is not one of bold, "
                    "indent, indent 2, indent 3, total (separate several with commas)"
                )
        return None


def _cell(
    text: str, *, header: bool = False, colspan: int = 1, align: str | None = None
) -> TableCell:
    children: list[Node] = [Text(text=text)] if text else []
    return TableCell(children=children, header=header, colspan=colspan, align=align)


def _letters() -> Iterator[str]:
    return (chr(97 + i) for i in range(26))


class _Table:
    """Builds the tree table for a TableSpec from its rows."""

    def __init__(self, spec: TableSpec, rows: list[dict[str, Any]]) -> None:
        self.spec, self.rows = spec, rows
        self.letters = _letters()
        self.notes: list[tuple[str, str]] = []

    def letter(self, note: str) -> str:
        letter = next(self.letters)
        self.notes.append((letter, note))
        return letter

    def mark(self, cell: Node, note: str) -> Node:
        cell.children.append(Sup(text=self.letter(note)))
        return cell

    def header_rows(self) -> list[Node]:
        cols = self.spec.columns
        rows = []
        if any(c.group for c in cols):
            group_row = TableRow(header=True)
            for group, members in groupby(cols, key=lambda c: c.group):
                span = len(list(members))
                group_row.children.append(
                    _cell(group or "", header=True, colspan=span, align="center" if group else None)
                )
            rows.append(group_row)
        header = TableRow(header=True)
        for col in cols:
            cell = _cell(col.header or col.column, header=True, align=col.align)
            header.children.append(self.mark(cell, col.note) if col.note else cell)
        return [*rows, header]

    def body_rows(self) -> list[Node]:
        out = []
        for row in self.rows:
            style = row.get(self.spec.row_style) if self.spec.row_style else None
            tr = _styled_row(str(style or ""))
            for col in self.spec.columns:
                cell = _cell(_format(row.get(col.column, ""), col.format), align=_align(col, row))
                for note in self.spec.cell_notes:
                    if note.column == col.column and str(row.get(col.column)) == str(note.value):
                        self.mark(cell, note.note)
                tr.children.append(cell)
            out.append(tr)
        return out

    def total_row(self) -> list[Node]:
        if not self.spec.total:
            return []
        tr = TableRow(total=True)
        for i, col in enumerate(self.spec.columns):
            values = [r.get(col.column) for r in self.rows]
            numeric = values and all(isinstance(v, int | float) for v in values)
            text = (
                self.spec.total if i == 0 else (_format(sum(values), col.format) if numeric else "")
            )
            tr.children.append(_cell(text, align=col.align or ("right" if numeric else None)))
        return [tr]


STYLE_WORD = re.compile(r"bold|total|indent(?: ?[1-3])?")


def style_words(text: str) -> list[str] | None:
    """A row style's words (``bold``, ``total``, ``indent``, ``indent 2``), or None when it
    holds anything else."""
    words = [w.strip() for w in text.lower().replace(",", " , ").split(",")]
    words = [" ".join(w.split()) for w in words if w.strip()]
    return words if all(STYLE_WORD.fullmatch(w) for w in words) else None


def _styled_row(text: str) -> TableRow:
    """A body row styled by its style column's words."""
    words = style_words(text) or []
    indent = max((int(w[-1]) if w[-1].isdigit() else 1 for w in words if w.startswith("indent")),
                 default=0)  # fmt: skip
    return TableRow(bold="bold" in words, total="total" in words, indent=indent)


def _align(col: TableColumn, row: dict[str, Any]) -> str | None:
    return col.align or ("right" if isinstance(row.get(col.column), int | float) else None)


def _format(value: Any, fmt: str | None) -> str:
    if fmt and isinstance(value, int | float):
        try:
            return fmt.format(value)
        except (ValueError, OverflowError):  # a spec that does not suit it (2.5 as d)
            return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value)
