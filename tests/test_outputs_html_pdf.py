"""The flagship's HTML and PDF, read back with real clients (poppler, Chromium)."""

from __future__ import annotations

import itertools
import re
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

import crsreport

REPO_ROOT = Path(__file__).resolve().parents[1]
TITLE = "Diplomacy with North Korea: A Status Report"
SEED_HEADINGS = [
    "Overview",
    "Background",
    "Key Developments",
    "North Korea's Nuclear and Missile Programs",
    "Other Military Developments",
    "Diplomatic Developments",
    "Economic Developments",
]
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z

pytestmark = pytest.mark.e2e


# ---------------------------------------------------------------- text helpers


def norm(text: str) -> str:
    """Text as comparable across Markdown and pdftotext: one space, no hyphenation."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0xAD: None})
    text = re.sub(r"\s*-\s*", "", text)  # "working-\nlevel", "dip-\nlomacy", "short- and"
    text = re.sub(r"\s*([\u2013\u2014/])\s*", r"\1", text)  # a line may break after a dash
    return re.sub(r"\s+", " ", text).strip()


MARKUP = re.compile(r"[{}*_`#|<>^]|\]\(|^\s*(?:[-+]|\d+[.)])\s", re.M)


def prose_files(sections: list) -> list[str]:
    files = []
    for section in sections:
        files += [p for p in section.prose if p.strip().endswith(".md")]
        files += prose_files(section.subsections)
    return files


def seed_sentences() -> list[str]:
    """Sentences of the plain paragraphs of every prose file, in document order."""
    report = crsreport.load_report(REPO_ROOT)
    sentences = []
    for name in prose_files(report.sections):
        text = (REPO_ROOT / name).read_text(encoding="utf-8")
        for paragraph in re.split(r"\n\s*\n", text):
            if not paragraph.strip() or MARKUP.search(paragraph):
                continue
            for sentence in re.split(r'(?:(?<=[.?!])|(?<=[.?!]["”]))\s+(?=["“]?[A-Z])', paragraph):
                if len(sentence) >= 20:
                    sentences.append(norm(sentence))
    return sentences


def assert_in_order(needles: list[str], haystack: str) -> None:
    pos = 0
    for needle in needles:
        found = haystack.find(needle, pos)
        if found < 0:
            where = "anywhere" if needle not in haystack else "after the previous one"
            pytest.fail(f"not found {where}: {needle!r}")
        pos = found + len(needle)


def run(*cmd: str, timeout: float = 120) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd[0]} failed: {result.stderr}"
    return result.stdout


def pdftotext(pdf: Path, *options: str) -> str:
    return run("pdftotext", *options, str(pdf), "-")


def reading_text(pdf: Path) -> str:
    """The PDF's words as a reader takes them: by page, then down each column in turn.

    Plain pdftotext guesses the order of a two-column page and may interleave the
    columns; its -bbox-layout output gives each line's box, and lines that cross the
    page middle (title, full-width figures) separate bands read column by column.
    """
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    root = ElementTree.fromstring(pdftotext(pdf, "-bbox-layout"))
    out: list[str] = []
    for page in root.iterfind(".//x:page", ns):
        middle = float(page.get("width")) / 2
        lines = []
        for line in page.iterfind(".//x:line", ns):
            x0, y0, x1 = (float(line.get(k)) for k in ("xMin", "yMin", "xMax"))
            words = " ".join(w.text or "" for w in line.iterfind("x:word", ns))
            column = 0 if x1 <= middle + 2 else 1 if x0 >= middle - 2 else None
            lines.append((y0, x0, column, words))
        band: list[tuple[float, float, int | None, str]] = []
        for entry in sorted(lines):
            if entry[2] is None:  # a full-width line ends the band above it
                out += [e[3] for e in sorted(band, key=lambda e: (e[2], e[0], e[1]))]
                out.append(entry[3])
                band = []
            else:
                band.append(entry)
        out += [e[3] for e in sorted(band, key=lambda e: (e[2], e[0], e[1]))]
    return "\n".join(out)


# ---------------------------------------------------------------- HTML structure


class Page(HTMLParser):
    """The facts of an HTML page the tests check."""

    VOID = frozenset(
        {"meta", "link", "br", "hr", "img", "input", "col", "source", "wbr", "area", "base"}
    )

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.headings: list[tuple[int, str]] = []
        self.texts: list[str] = []
        self.title = ""
        self.lang: str | None = None
        self.stack: list[str] = []
        self.unbalanced: list[str] = []
        self._heading: tuple[int, list[str]] | None = None
        self._in_title = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag == "title" and "head" in self.stack:  # not an inline SVG's <title>
            self._in_title = True
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), [])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], " ".join("".join(self._heading[1]).split())))
            self._heading = None
        if tag in self.VOID:
            return
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.unbalanced.append(tag)
            if tag in self.stack:
                del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]

    def handle_data(self, data):
        self.texts.append(data)
        if self._in_title:
            self.title += data
        if self._heading:
            self._heading[1].append(data)


@pytest.fixture(scope="module")
def html(flagship_build) -> Page:
    return Page(flagship_build[".html"].read_text(encoding="utf-8"))


def test_html_head_and_landmarks(html):
    assert html.lang and re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", html.lang)
    assert html.title.strip() == TITLE
    for landmark in ("header", "main", "section"):
        assert landmark in html.tags, f"no <{landmark}>"
    assert html.tags.count("main") == 1
    assert html.unbalanced == [] and html.stack == []


def test_html_has_no_script_and_no_event_handlers(html):
    assert "script" not in html.tags
    assert [a for a in html.attrs if a[1].lower().startswith("on")] == []
    hrefs = [v for _, name, v in html.attrs if name in ("href", "src") and v]
    assert not [v for v in hrefs if v.strip().lower().startswith(("javascript:", "vbscript:"))]


def test_html_heading_levels_never_skip(html):
    levels = [level for level, _ in html.headings]
    assert levels[0] == 1
    assert levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"h{before} then h{after}: {html.headings}"


def test_html_has_title_and_every_seed_heading_in_order(html):
    texts = [norm(text) for _, text in html.headings]  # headings print curly quotes
    assert texts[0] == TITLE
    assert_in_order([norm(h) for h in SEED_HEADINGS], "\n".join(texts))
    levels = dict((norm(text), level) for level, text in html.headings)
    assert [levels[norm(h)] for h in SEED_HEADINGS] == [2, 2, 2, 3, 3, 3, 3]


def test_html_holds_every_seed_sentence_in_order(html):
    assert_in_order(seed_sentences(), norm(" ".join(html.texts)))


# ---------------------------------------------------------------- PDF


def test_pdf_text_has_every_seed_heading_and_sentence_in_order(flagship_build, require):
    require("pdftotext")
    pdf = flagship_build[".pdf"]
    plain = pdftotext(pdf)
    layout = pdftotext(pdf, "-layout")
    layout_lines = {norm(line) for line in layout.splitlines()}
    for heading in SEED_HEADINGS:
        assert any(norm(heading) in line for line in layout_lines), heading
    sentences = seed_sentences()
    assert len(sentences) >= 20
    flat = norm(plain)
    assert [s for s in sentences if s not in flat] == []
    assert TITLE in plain
    # Reading order: pdftotext's plain mode may interleave columns, so read by boxes.
    ordered = norm(reading_text(pdf))
    assert_in_order([norm(h) for h in SEED_HEADINGS], ordered)
    assert_in_order([norm(TITLE), *sentences], ordered)


def pdfinfo(pdf: Path, *options: str) -> dict[str, str]:
    out = run("pdfinfo", *options, str(pdf))
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def test_pdf_is_tagged_letter_and_at_most_two_pages(flagship_build, require):
    require("pdfinfo")
    pdf = flagship_build[".pdf"]
    info = pdfinfo(pdf)
    assert info["Tagged"] == "yes"
    pages = int(info["Pages"])
    assert 1 <= pages <= 2
    assert info["Title"] == TITLE
    per_page = pdfinfo(pdf, "-f", "1", "-l", str(pages))
    sizes = [v for k, v in per_page.items() if re.fullmatch(r"Page\s+\d+ size", k)]
    assert len(sizes) == pages
    for size in sizes:
        width, height = map(float, re.match(r"([\d.]+) x ([\d.]+) pts", size).groups())
        assert (width, height) == (612, 792), size


def test_pdf_fonts_are_embedded_liberation_only(flagship_build, require):
    require("pdffonts")
    out = run("pdffonts", str(flagship_build[".pdf"]))
    rows = out.splitlines()[2:]  # after the header and the dashes
    assert rows, out
    for row in rows:
        fields = row.split()
        name, emb = fields[0], fields[-5]
        assert name.split("+")[-1].startswith("Liberation"), row
        assert emb == "yes", row


# ---------------------------------------------------------------- Chromium


def dump_dom(require, html_file: Path, profile: Path) -> str:
    chromium = require("chromium")
    return run(
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--dump-dom",
        html_file.resolve().as_uri(),
        timeout=180,
    )


def test_chromium_loads_the_html(flagship_build, require, tmp_path):
    dom = Page(dump_dom(require, flagship_build[".html"], tmp_path / "profile"))
    assert dom.title.strip() == TITLE
    texts = [norm(text) for _, text in dom.headings]
    assert texts[0] == TITLE
    assert_in_order([norm(h) for h in SEED_HEADINGS], "\n".join(texts))
    assert "script" not in dom.tags


# ---------------------------------------------------------------- raw HTML in prose


HOSTILE = """\
Before the markup.

<script>alert(1)</script>

An inline <img src=x onerror=alert(2)> image and <b onclick="alert(3)">bold</b> text.

<iframe src="https://example.com/"></iframe>

[a link](javascript:alert(4)) after the markup.
"""


def test_raw_html_in_prose_never_becomes_markup(make_project, run_cli, require):
    project = make_project(
        {
            "report.yaml": """\
id: IN10001
title: "Escaping <em>works</em>"
date: 2023-01-02
sections:
  - title: Hostile Prose
    prose: sections/hostile.md
""",
            "sections/hostile.md": HOSTILE,
        }
    )
    result = run_cli(project, "--format", "html,pdf", "--quiet")
    assert result.returncode == 0, result.stderr
    page = Page((project / "build" / "IN10001.html").read_text(encoding="utf-8"))

    for tag in ("script", "img", "iframe", "b", "em"):
        assert tag not in page.tags, f"<{tag}> reached the HTML as markup"
    assert [a for a in page.attrs if a[1].lower().startswith("on")] == []
    assert not [v for _, n, v in page.attrs if n == "href" and v and "javascript" in v.lower()]
    text = " ".join(page.texts)
    assert "<script>alert(1)</script>" in text  # shown as the writer typed it
    assert "<img src=x onerror=alert(2)>" in text
    assert page.title.strip() == "Escaping <em>works</em>"

    require("pdftotext")
    pdf_text = norm(pdftotext(project / "build" / "IN10001.pdf"))
    assert "Before the markup." in pdf_text and "after the markup." in pdf_text
    for raw, payload in (("<script>alert(1)</script>", "alert(1)"), ("<img src=x", "onerror")):
        assert norm(raw) in pdf_text or payload not in pdf_text, raw


# ---------------------------------------------------------------- reproducibility


def test_builds_with_source_date_epoch_are_byte_identical(run_cli, tmp_path, require):
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        result = run_cli(
            REPO_ROOT, "--format", "html,pdf", "--out", out, "--quiet",
            env={"SOURCE_DATE_EPOCH": EPOCH},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        outs.append(out)
    for suffix in (".html", ".pdf"):
        first, second = (out / f"IF11415{suffix}" for out in outs)
        assert first.read_bytes() == second.read_bytes(), f"{suffix} differs between builds"

    # No wall-clock time either: the PDF is dated by the epoch or by the report.
    require("pdfinfo")
    report_date = yaml.safe_load((REPO_ROOT / "report.yaml").read_text())["date"].isoformat()
    info = pdfinfo(outs[0] / "IF11415.pdf", "-isodates")
    for key in ("CreationDate", "ModDate"):
        assert info[key].startswith((report_date, "2023-11-14T22:13:20")), info[key]
