"""Captions, unit, Source and Note lines, lettered notes and table cells are inline Markdown
in every format (issue 13): written ``*Title*`` prints italics, never its asterisks, and a
cross-reference inside a caption resolves. Read back with lxml, pdftotext and pandoc."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

import crsreport
from crsreport.errors import ReportError

pytestmark = pytest.mark.e2e

REPORT = """\
id: R10001
title: Captions
date: 2024-01-02
sections:
  - title: Counts
    id: counts
    prose: [sections/counts.md]
    figures:
      - id: shares
        kind: table
        title: "Shares Cited in *Foreign Affairs*, after @tbl:counts"
        unit: "(area in km^2^)"
        data: data/rows.csv
        columns:
          - {column: place, header: "*Place*"}
          - {column: n, header: Count, note: "As printed in *The Economist*."}
        source: "CRS, from [the *Almanac*](https://example.gov/almanac)."
        notes: ["See @sec:counts -- and \\"quoted\\" words."]
        alt: A table of two places.
"""
PROSE = """\
See @tbl:shares.

| Year | Count |
|---|---|
| 2020 | 1,150 |

Table: Counts in *Time* {#tbl:counts}

Source: *Gazette* data.
"""
ROWS = "place,n\n*Massachusetts*,1\nConnecticut,2\n"
ITALIC = ["Foreign Affairs", "The Economist", "Almanac", "Place", "Massachusetts", "Time",
          "Gazette"]  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("captions")
    for name, text in (("report.yaml", REPORT), ("sections/counts.md", PROSE),
                       ("data/rows.csv", ROWS)):  # fmt: skip
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    report = crsreport.load_report(folder)
    paths = crsreport.build(report, ["html", "pdf", "docx", "json"], folder / "out", jobs=1)
    return {p.suffix: p for p in paths}


def _run(*cmd: Any) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def test_html_sets_caption_markdown_as_markup(built):
    page = lxml.html.fromstring(built[".html"].read_bytes())
    main = page.xpath("//main")[0]
    assert "*" not in main.text_content()
    italic = {" ".join(e.text_content().split()) for e in main.xpath(".//figure//em")}
    assert set(ITALIC) <= italic, set(ITALIC) - italic
    (caption,) = page.xpath("//figure[@id='tbl-shares']//caption")
    assert [a.get("href") for a in caption.xpath(".//a")] == ["#tbl-counts"]
    assert "after Table 1" in caption.text_content()
    assert caption.xpath(".//sup")[0].text == "2"  # km^2^
    (source,) = page.xpath("//figure[@id='tbl-shares']//p[@class='figure-source']")
    assert source.xpath(".//a/@href") == ["https://example.gov/almanac"]
    (notes,) = page.xpath("//figure[@id='tbl-shares']//p[@class='figure-notes']")
    assert notes.xpath(".//a/@href") == ["#counts"]
    assert "See Counts – and “quoted” words." in notes.text_content()


def test_pdf_prints_no_asterisks_and_resolves_the_caption_reference(built, require):
    text = " ".join(_run(require("pdftotext"), built[".pdf"], "-").split())
    assert "*" not in text
    assert "Table 2. Shares Cited in Foreign Affairs, after Table 1" in text
    assert "Notes: See Counts – and “quoted” words." in text
    assert "a. As printed in The Economist." in text
    assert "Table 1. Counts in Time" in text and "Source: Gazette data." in text


def _emphasised(value: Any, inside: bool = False) -> Iterator[str]:
    """The words pandoc's JSON sets in Emph."""
    if isinstance(value, dict):
        if value.get("t") == "Str" and inside:
            yield value["c"]
        inside = inside or value.get("t") == "Emph"
        for item in value.values():
            yield from _emphasised(item, inside)
    elif isinstance(value, list):
        for item in value:
            yield from _emphasised(item, inside)


def test_docx_sets_caption_markdown_as_runs_pandoc_reads(built, require):
    pandoc = require("pandoc")
    plain = " ".join(_run(pandoc, "-f", "docx", "-t", "plain", built[".docx"]).split())
    assert "Table 2. Shares Cited in Foreign Affairs, after Table 1" in plain
    assert "*" not in plain.replace("_", "")
    words = set(_emphasised(json.loads(_run(pandoc, "-f", "docx", "-t", "json", built[".docx"]))))
    wanted = {w for phrase in ITALIC for w in phrase.split()}
    assert wanted <= words, wanted - words
    native = _run(pandoc, "-f", "docx", "-t", "native", built[".docx"])
    assert '"https://example.gov/almanac"' in native


def test_json_carries_caption_nodes(built):
    tree = json.loads(built[".json"].read_text(encoding="utf-8"))
    assert tree["version"] == 3

    def figures(node: dict) -> Iterator[dict]:
        if node.get("kind") == "figure":
            yield node
        for child in node.get("children", []):
            yield from figures(child)

    shares = next(f for f in figures(tree["document"]) if f["id"] == "shares")
    kinds = [c["kind"] for c in shares["title"]["children"]]
    assert kinds == ["text", "emph", "text", "xref"], kinds
    assert shares["title"]["children"][-1]["target"] == "tbl:counts"
    assert shares["lettered"][0]["kind"] == "lettered_note"


def test_a_footnote_call_or_unknown_reference_in_a_caption_is_located(make_project):
    for title, message in (("A note[^1] here", "calls a footnote ([^1])"),
                           ("See @fig:nope", "unknown reference '@fig:nope'")):  # fmt: skip
        report = REPORT.replace(
            '"Shares Cited in *Foreign Affairs*, after @tbl:counts"', f'"{title}"'
        )
        project = make_project({"report.yaml": report, "sections/counts.md": PROSE,
                                "data/rows.csv": ROWS})  # fmt: skip
        with pytest.raises(ReportError) as error:
            crsreport.resolve(crsreport.load_report(project))
        assert "report.yaml:11:" in str(error.value) and message in str(error.value)
