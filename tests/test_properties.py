"""Property tests: random Markdown and random valid reports through every renderer.

Whatever the prose and the model hold, every renderer finishes within its deadline, the
HTML parses, and the DOCX is a well-formed package (a sample also opens in LibreOffice).
Example counts stay small so the file runs in well under two minutes; set
CRSREPORT_PROPERTY_SCALE (e.g. 20) for a longer hunt.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crsreport.assets import draw_figures
from crsreport.build import source_epoch
from crsreport.errors import ReportError, Warnings
from crsreport.model import Report
from crsreport.render import FORMATS, RenderContext, images_for
from crsreport.resolve import LOOKS_LIKE_A_FILE, resolve

SCALE = float(os.environ.get("CRSREPORT_PROPERTY_SCALE", "1"))  # e.g. 20 for a long hunt


def _n(examples: int) -> int:
    return max(1, round(examples * SCALE))


FAST = settings(
    max_examples=_n(25),
    deadline=dt.timedelta(seconds=20),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=_n(10), deadline=dt.timedelta(seconds=40))
SAMPLES: list[bytes] = []  # DOCX packages kept for the LibreOffice check
ROWS = "year,n,label\n2019,3,alpha\n2020,5,beta\n2021,4,gamma & delta\n"

# ---------------------------------------------------------------- strategies

PIECES = [
    "alpha", "Beta", "North Korea", "2022", "café", "中文", "😀", "a&b", "<tag>", "x<y>z",
    '"quoted"', "it's", "--", "...", "\\", "&amp;", "&#x41;", "&#0;", "\x01", "\x0b", "\ufffe",
    "\u200b", "\t", "*", "_", "`", "#", "|", "[", "]", "(", ")", "!", "<", ">", "~", "1.",
]  # fmt: skip
URLS = [
    "https://example.com/a?b=1&c=2", "http://x.y/", "javascript:alert(1)", "mailto:a@b.c",
    "#top", "data:text/html,x", "../rel", "file:///etc/passwd", "", "<spaced url>",
]  # fmt: skip
TEXT_ALPHABET = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="{}@", max_codepoint=0x1FFFF
)

words = st.lists(st.sampled_from(PIECES) | st.text(TEXT_ALPHABET, max_size=8), max_size=6).map(
    " ".join
)


@st.composite
def inline(draw: st.DrawFn, depth: int = 0) -> str:
    """A line of inline Markdown: text, emphasis, code, links, breaks."""
    text = draw(words)
    if depth > 2:
        return text
    inner = draw(inline(depth + 1))
    url = draw(st.sampled_from(URLS))
    shapes = [
        text,
        f"*{inner}*",
        f"**{inner}**",
        f"`{text}`",
        f"[{inner}]({url})",
        f"<{url}>",
        f"![{text}]({url})",
        f"{text}  \n{inner}",
        f"{text}\n{inner}",
        f"{text}[^n{depth}]",
    ]
    return draw(st.sampled_from(shapes))


@st.composite
def block(draw: st.DrawFn, depth: int = 0) -> str:
    """One Markdown block; lists and quotes nest a little."""
    line = draw(inline())
    kinds = ["para", "heading", "table", "fence", "rule", "note"]
    if depth < 3:
        kinds += ["bullets", "numbers", "quote"]
    kind = draw(st.sampled_from(kinds))
    if kind == "heading":
        return "#" * draw(st.integers(1, 6)) + " " + line
    if kind == "table":
        cells = draw(st.lists(words.map(lambda w: w.replace("|", "")), min_size=1, max_size=3))
        return "| " + " | ".join(cells) + " |\n|" + "---|" * len(cells) + "\n| " + line + " |"
    if kind == "fence":
        return f"```\n{line}\n```"
    if kind == "rule":
        return "---"
    if kind == "note":
        return f"[^n{depth}]: {draw(words)}"
    inner = draw(block(depth + 1))
    indent = " " * (3 if kind == "numbers" else 2)
    nested = "\n".join(indent + part for part in inner.split("\n"))
    if kind == "bullets":
        return f"- {line}\n- {line}\n\n{nested}"
    if kind == "numbers":
        return f"{draw(st.integers(0, 99))}. {line}\n\n{nested}"
    if kind == "quote":
        return "\n".join("> " + part for part in f"{line}\n\n{inner}".split("\n"))
    return line


def _with_notes(text: str) -> str:
    """Define every note the blocks may call: a call without a definition is refused."""
    return text + "".join(f"\n\n[^n{depth}]: Note {depth}." for depth in range(4))


markdown = st.one_of(
    st.lists(block(), min_size=1, max_size=6).map("\n\n".join).map(_with_notes),
    st.text(TEXT_ALPHABET, min_size=1, max_size=300),
).filter(
    lambda text: (
        text.strip()
        and not text.strip().endswith(".md")
        and not LOOKS_LIKE_A_FILE.match(text.strip())
    )  # a mistyped file name is refused
)

titles = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)


@st.composite
def figures(draw: st.DrawFn, ids: Any) -> dict[str, Any]:
    """A table, or now and then a bar chart, over data/rows.csv."""
    common = {
        "id": f"f{next(ids)}",
        "title": draw(titles),
        "source": draw(titles),
        "alt": draw(titles),
        "notes": draw(st.lists(titles, max_size=2)),
        "data": "data/rows.csv",
    }
    if draw(st.integers(0, 5)) == 0:
        return common | {"kind": "bar", "x": "year", "y": ["n"], "labels": {"n": draw(titles)}}
    columns = draw(st.lists(st.sampled_from(["year", "n", "label"]), min_size=1, unique=True))
    return common | {
        "kind": "table",
        "columns": [{"column": c, "header": draw(titles)} for c in columns],
        "total": draw(st.none() | titles),
    }


@st.composite
def sections(draw: st.DrawFn, ids: Any, depth: int = 0) -> dict[str, Any]:
    kind = draw(st.sampled_from(["section", "overview", "background", "appendix"]))
    section = {
        "kind": kind if depth == 0 else "section",
        "id": f"s{next(ids)}",
        "title": draw(titles.filter(str.strip)),  # a blank title is refused
        "text": draw(st.lists(markdown, max_size=2)),
    }
    if draw(st.booleans()):
        section["figures"] = [draw(figures(ids))]
    if depth < 2:
        section["subsections"] = draw(st.lists(sections(ids, depth + 1), max_size=2))
    return section


@st.composite
def reports(draw: st.DrawFn, root: Path) -> Report:
    counter = iter(range(1, 10_000))
    prefix = draw(st.sampled_from(["IF", "IN", "R"]))
    data = {
        "id": f"{prefix}{draw(st.integers(10000, 99999))}",
        "title": draw(titles),
        "date": draw(st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31))).isoformat(),
        "version": draw(st.integers(1, 3)),
        "authors": draw(
            st.lists(st.fixed_dictionaries({"name": titles, "title": titles}), max_size=3)
        ),
        "summary": draw(st.lists(markdown, max_size=2)) if prefix == "R" else [],
        "data": {"rows": "data/rows.csv"},
        "sections": draw(st.lists(sections(counter), min_size=1, max_size=3)),
    }
    return Report.model_validate(data).located(root, "report.yaml", {})


def _prose_report(root: Path, text: str, product: str) -> Report:
    data = {
        "id": {"in_focus": "IF10001", "insight": "IN10001", "report": "R10001"}[product],
        "title": "Property Test",
        "date": "2022-02-03",
        "data": {"rows": "data/rows.csv"},
        "summary": [text] if product == "report" else [],
        "sections": [{"kind": "overview", "text": [text]}],
    }
    return Report.model_validate(data).located(root, "report.yaml", {})


# ---------------------------------------------------------------- rendering and checks


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("properties")
    (folder / "data").mkdir()
    (folder / "data" / "rows.csv").write_text(ROWS, encoding="utf-8")
    return folder


def render(report: Report, formats: list[str]) -> dict[str, bytes]:
    """Every requested format, rendered in this process (no files written but the cache).

    Input the writer must fix (a footnote calling itself) may be refused instead, with a
    located message: then nothing is rendered.
    """
    warnings = Warnings()
    try:
        doc = resolve(report, warnings)
    except ReportError as exc:
        assert re.match(r"[\w./-]+:\d+: ", str(exc)), str(exc)
        return {}
    assets = draw_figures(doc, images_for(formats), report.root / "cache")
    ctx = RenderContext(report.root, warnings, source_epoch(report), assets)
    return {name: FORMATS[name].renderer()(doc, ctx) for name in formats}


def check_html(data: bytes) -> None:
    text = data.decode("utf-8")
    etree.fromstring(data, etree.HTMLParser(recover=False))
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text)
    assert "<script" not in text.lower()
    for svg in re.findall(r"<svg\b.*?</svg>", text, flags=re.S):
        etree.fromstring(svg)  # inline SVG stays well-formed XML


def check_docx(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        names = package.namelist()
        assert {"[Content_Types].xml", "word/document.xml", "_rels/.rels"} <= set(names)
        for name in names:
            if name.endswith((".xml", ".rels")):
                etree.fromstring(package.read(name))
    SAMPLES[:] = [*SAMPLES[-2:], data]


def check_pdf(data: bytes) -> None:
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


CHECKS = {"html": check_html, "docx": check_docx, "pdf": check_pdf}


@pytest.mark.e2e  # a property hunt: tens of seconds
@FAST
@given(text=markdown, product=st.sampled_from(["in_focus", "insight", "report"]))
def test_any_markdown_renders_to_html_and_a_well_formed_docx(root, text, product):
    for name, data in render(_prose_report(root, text, product), ["html", "docx"]).items():
        CHECKS[name](data)


@pytest.mark.e2e
@SLOW
@given(text=markdown, product=st.sampled_from(["in_focus", "insight", "report"]))
def test_any_markdown_renders_to_pdf(root, text, product):
    for data in render(_prose_report(root, text, product), ["pdf"]).values():
        check_pdf(data)


@pytest.mark.e2e  # a property hunt: tens of seconds
@settings(FAST, max_examples=_n(20))
@given(data=st.data())
def test_any_valid_report_renders_to_html_and_docx(root, data):
    report = data.draw(reports(root))
    for name, output in render(report, ["html", "docx"]).items():
        CHECKS[name](output)


@pytest.mark.e2e
@settings(SLOW, max_examples=_n(8))
@given(data=st.data())
def test_any_valid_report_renders_to_pdf(root, data):
    for output in render(data.draw(reports(root)), ["pdf"]).values():
        check_pdf(output)


@pytest.mark.e2e
def test_sampled_docx_packages_open_in_libreoffice(root, tmp_path, require):
    soffice = require("soffice")
    text = "**Lead.** Text[^1].\n\n[^1]: A note."
    samples = SAMPLES or [render(_prose_report(root, text, "report"), ["docx"])["docx"]]
    docs = []
    for i, data in enumerate(samples):
        docs.append(tmp_path / f"sample{i}.docx")
        docs[-1].write_bytes(data)
    profile = (tmp_path / "lo-profile").as_uri()
    command = [soffice, f"-env:UserInstallation={profile}", "--headless"]
    result = subprocess.run(
        [*command, "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, docs)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for doc in docs:
        pdf = doc.with_suffix(".pdf")
        assert pdf.is_file(), f"LibreOffice could not open {doc.name}: {result.stdout}"
        assert pdf.read_bytes().startswith(b"%PDF-")


# ---------------------------------------------------------------- what the properties found

FOUND = {
    "heading inside a quote": "> # Quoted heading\n\nText.",
    "two long headings with one prefix": (
        "# A very long heading that runs past forty characters, first\n\n"
        "# A very long heading that runs past forty characters, second"
    ),
    "a link inside a link": "[<https://example.com/>](https://example.com/) and [a [b](#x)](#y)",
    "a heading in a note called twice": "Text[^a] and[^a].\n\n[^a]: > # Head\n",
}


@pytest.mark.parametrize("text", FOUND.values(), ids=FOUND.keys())
def test_prose_the_properties_once_broke(root, text):
    for name, data in render(_prose_report(root, text, "report"), ["html", "docx"]).items():
        CHECKS[name](data)


def test_a_chart_title_of_control_characters_only_still_renders(root):
    chart = {"id": "f", "kind": "bar", "title": "\x10", "source": "S.", "alt": "A."}
    chart |= {"data": "data/rows.csv", "x": "year", "y": ["n"], "labels": {"n": "\x13"}}
    data = {"id": "IF10001", "title": "T", "date": "2022-02-03"}
    data["sections"] = [{"kind": "overview", "text": ["Text."], "figures": [chart]}]
    report = Report.model_validate(data).located(root, "report.yaml", {})
    for name, output in render(report, ["html", "docx"]).items():
        CHECKS[name](output)


def test_lists_and_quotes_in_a_note_reach_the_docx_footnote(root):
    text = "Text[^a].\n\n[^a]: First.\n\n    - listed words\n\n    > quoted words\n"
    docx = render(_prose_report(root, text, "report"), ["docx"])["docx"]
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        notes = package.read("word/footnotes.xml").decode()
    assert "listed words" in notes and "quoted words" in notes


def test_a_footnote_calling_itself_is_refused_not_looped(root):
    with pytest.raises(ReportError, match=r"footnote \[\^a\] calls \[\^a\]"):
        resolve(_prose_report(root, "Text[^a].\n\n[^a]: Note[^a].", "report"))
