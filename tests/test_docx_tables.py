"""DOCX tables: built in linear work, columns as wide as their content wants (issue 14)."""

from __future__ import annotations

import cProfile
import io
import pstats
import zipfile

import pytest
from docx import Document as DocxDocument
from lxml import etree

import crsreport
from crsreport.errors import ReportError
from crsreport.render.docx import DocxWriter
from crsreport.render.tablewidths import Metrics, text_width
from crsreport.resources import templates_dir
from crsreport.tree import Table, TableCell, TableRow, Text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
LABELS = ["Massachusetts", "Highway Program", "Connecticut", "Pennsylvania"]


def _table(rows: int, columns: int = 2) -> Table:
    def row(cells: list[str], header: bool = False) -> TableRow:
        return TableRow(
            header=header,
            children=[TableCell(header=header, children=[Text(text=c)]) for c in cells],
        )

    head = row(["State", *(str(2010 + i) for i in range(columns - 1))], header=True)
    body = [
        row([LABELS[r % len(LABELS)], *(f"{r * c:,}" for c in range(1, columns))])
        for r in range(rows)
    ]
    return Table(children=[head, *body])


def _docx(table: Table) -> tuple[bytes, int]:
    """The table written by the DOCX walker into the reference document, and the number
    of Python function calls that took (a measure of work that no machine load changes)."""
    document = DocxDocument(str(templates_dir() / "docx" / "reference.docx"))
    writer = DocxWriter(document, ctx=None)  # type: ignore[arg-type]
    profile = cProfile.Profile()
    profile.enable()
    writer.visit(table, document, 0)
    profile.disable()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


def _grid(docx: bytes) -> list[int]:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    table = root.find(f".//{W}tbl")
    return [int(c.get(f"{W}w")) for c in table.iter(f"{W}gridCol")]


@pytest.mark.e2e  # renders two DOCX tables of 1,000 and 2,000 rows under cProfile
def test_a_long_table_costs_the_same_work_per_row():
    # Issue 18, item 9: table.cell(r, c) rebuilt the whole grid on each call, so a
    # 2,000-row table (the limit) took 503 s. Work per row must not grow with the rows.
    _, small = _docx(_table(20))
    _, medium = _docx(_table(200))
    docx, large = _docx(_table(2_000))
    per_row_small = (medium - small) / 180
    per_row_large = (large - medium) / 1_800
    assert per_row_large < 1.3 * per_row_small, (per_row_small, per_row_large)
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        assert package.read("word/document.xml").count(b"<w:tr>") == 2_001


def test_a_wide_table_gives_its_label_column_room_for_its_longest_word():
    # Issue 14: twelve equal columns broke "Massachus/etts" in the label column.
    docx, _ = _docx(_table(5, columns=12))
    grid = _grid(docx)
    text = 9360  # twips: letter, 1 in margins
    assert len(grid) == 12
    assert sum(grid) <= text
    metrics = Metrics()
    word = max(text_width(w, metrics) for label in LABELS for w in label.split())
    assert grid[0] / 20 >= word + metrics.padding, (grid[0], word)
    assert grid[0] > text / 12 * 1.5, "the label column is no wider than an equal share"
    year = text_width("2020", metrics, bold=True) + metrics.padding
    assert all(g / 20 >= year for g in grid[1:]), grid


def test_a_table_too_wide_for_its_words_keeps_its_labels_and_never_overflows():
    grid = _grid(_docx(_table(3, columns=40))[0])
    assert sum(grid) <= 9360
    metrics = Metrics()
    assert grid[0] / 20 >= text_width("Massachusetts", metrics) + metrics.padding


def test_a_pipe_table_has_the_data_table_row_limit(make_project):
    rows = "".join(f"| r{i} | {i} |\n" for i in range(2_001))
    project = make_project(
        {
            "report.yaml": "id: R10001\ntitle: T\ndate: 2024-01-02\nsections:\n"
            "  - {title: A, prose: [sections/a.md]}\n",
            "sections/a.md": f"Rows.\n\n| a | n |\n|---|---|\n{rows}",
        }
    )
    with pytest.raises(ReportError) as error:
        crsreport.resolve(crsreport.load_report(project))
    message = str(error.value)
    assert "sections/a.md:3:" in message
    assert "2,001 table rows; at most 2,000 are printed" in message
