"""Append one section of a crsreport project to an existing Word document.

    .venv/bin/python examples/append_to_docx.py OUT.docx [IN.docx]

Without IN.docx a small memo is made with python-docx to stand for the caller's
document. The section keeps its figure, table and footnote; the document's own styles
are left as they are, and the house styles it lacks are added.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx

import crsreport

PROJECT = Path(__file__).resolve().parent / "report"


def memo() -> docx.document.Document:
    """A caller's document: its own heading and text before the section."""
    document = docx.Document()
    document.add_heading("Briefing Memo", level=1)
    document.add_paragraph("The section below comes from CRS Report R99001.")
    return document


def main(out: str, source: str | None = None) -> None:
    document = docx.Document(source) if source else memo()
    report = crsreport.load_report(PROJECT)
    added = crsreport.append_section(report, "trends", document)
    document.save(out)
    print(f"{out}: appended section 'trends'; styles added: {', '.join(added) or 'none'}")


if __name__ == "__main__":
    if not 2 <= len(sys.argv) <= 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
