"""The three formats print the same words in the same order.

The resolved tree is the reference: each block of the body (titles, paragraphs, list
items, code, captions, cells, source lines) must appear, in order, in the text poppler
reads from the PDF, in the text pandoc reads from the DOCX, and in the HTML. Page furniture
(headers, footers, contents) may sit between them; footnote texts must appear somewhere.
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

import crsreport
from crsreport import tree as t

REPO = Path(__file__).resolve().parents[1]
PROJECTS = {"flagship": REPO, "insight": REPO / "examples" / "insight",
            "report": REPO / "examples" / "report"}  # fmt: skip
WORD = re.compile(r"[^\W_]+", re.UNICODE)
SLACK = 60
"""Words of furniture, notes or figure labels that may come between two words of a block."""

pytestmark = pytest.mark.e2e


def words(text: str) -> list[str]:
    """Lower-case words (the house styles never hyphenate, so a hyphen is the writer's)."""
    return WORD.findall(text.lower())


def body_blocks(doc: t.Document) -> tuple[list[list[str]], list[list[str]]]:
    """The body's blocks as word lists in reading order, and the notes' texts."""
    blocks: list[list[str]] = []
    notes: list[list[str]] = []

    def visit(node: t.Node) -> None:
        if isinstance(node, t.NoteRef):
            notes.append(words(" ".join(c.plain() for c in node.children)))
            return
        if isinstance(node, t.Section) and node.title:
            blocks.append(words(f"{node.label or ''} {node.title}"))
        elif isinstance(node, t.Figure):
            blocks.append(words(f"{node.label} {node.number}. {node.title.plain()}"))
        elif isinstance(node, t.Paragraph | t.Heading | t.TableCell | t.CodeBlock):
            blocks.append(words(_spaced(node)))
        for child in node.children:
            visit(child)
        if isinstance(node, t.Figure):
            blocks.append(words(f"{node.source_label} {node.source.plain()}"))

    main = next(n for n in doc.children if isinstance(n, t.Main))
    visit(main)
    return [b for b in blocks if b], [n for n in notes if n]


def _spaced(node: t.Node) -> str:
    """The node's text, a superscript letter set apart from the word it follows."""
    if isinstance(node, t.Sup):
        return " "  # a table-note letter: set against its word in PDF text (launchesa)
    if isinstance(node, t.NoteRef):
        return " "
    if isinstance(node, t.Leaf):
        return node.plain()
    return node.plain() if not node.children else "".join(_spaced(c) for c in node.children)


def missing_in_order(blocks: list[list[str]], stream: list[str]) -> list[str]:
    """Blocks not found in ``stream`` after the previous block, each word within SLACK words
    of the one before it."""
    lost, pos = [], 0
    for block in blocks:
        found = _find(block, stream, pos)
        if found is None:
            lost.append(" ".join(block))
        else:
            pos = found
    return lost


def _same(expected: str, found: str) -> bool:
    """A word, or one with a note number or a table-note letter run into it by the PDF's
    text (``201612``, ``launchesa``)."""
    if not found.startswith(expected):
        return False
    rest = found[len(expected) :]
    return rest == "" or rest.isdigit() or (len(expected) > 3 and len(rest) == 1)


def _find(block: list[str], stream: list[str], start: int) -> int | None:
    for first in (i for i in range(start, len(stream)) if _same(block[0], stream[i])):
        pos = first
        for word in block[1:]:
            window = stream[pos + 1 : pos + 2 + SLACK]
            hit = next((i for i, w in enumerate(window) if _same(word, w)), None)
            if hit is None:
                break
            pos += 1 + hit
        else:
            return pos + 1
    return None


def _html_text(markup: str) -> str:
    markup = re.sub(r"<(svg|style|script)\b.*?</\1>", " ", markup, flags=re.S)
    markup = re.sub(r"<[^>]+>", " ", markup)
    return html.unescape(markup)


@pytest.fixture(scope="module", params=list(PROJECTS))
def built(request, tmp_path_factory) -> tuple[t.Document, dict[str, str]]:
    """A project's tree, and the text each format shows, read by a real client."""
    project = PROJECTS[request.param]
    out = tmp_path_factory.mktemp(request.param)
    report = crsreport.load_report(project)
    paths = {p.suffix: p for p in crsreport.build(report, ["html", "pdf", "docx"], out_dir=out)}
    # -raw: the content stream's order, which is the document's (not a guess from positions)
    pdf = subprocess.run(["pdftotext", "-raw", paths[".pdf"], "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    docx = subprocess.run(["pandoc", "-f", "docx", "-t", "html", paths[".docx"]],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    # pandoc gives the first table of the file (the Report's summary layout) the first
    # table caption: captions it moved into <caption> are checked for presence, not order
    moved = " ".join(re.findall(r"<caption>(.*?)</caption>", docx, flags=re.S))
    docx = re.sub(r"<caption>.*?</caption>", " ", docx, flags=re.S)
    texts = {
        "pdf": pdf,
        "docx": _html_text(docx),
        "docx-captions": _html_text(moved),
        "html": _html_text(paths[".html"].read_text(encoding="utf-8")),
    }
    return crsreport.resolve(report), texts


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_every_format_shows_the_body_in_the_trees_order(built, fmt, require):
    require("pdftotext"), require("pandoc")
    doc, texts = built
    blocks, notes = body_blocks(doc)
    stream = words(texts[fmt])
    if fmt == "docx":  # captions pandoc moved are checked for presence only
        moved = " ".join(words(texts["docx-captions"]))
        assert [
            b for b in blocks if b[0] == "table" and " ".join(b) not in moved + " ".join(stream)
        ] == []
        blocks = [b for b in blocks if " ".join(b) not in moved]
    assert missing_in_order(blocks, stream) == []
    text = " ".join(stream)
    assert [n for n in notes if " ".join(n) not in text] == []


def test_the_order_check_can_fail():
    stream = words("alpha beta gamma delta")
    assert missing_in_order([["gamma"], ["alpha"]], stream) == ["alpha"]
    assert missing_in_order([["alpha", "gamma"], ["delta"]], stream) == []
