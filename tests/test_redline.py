"""Redlines (``make-report --compare BASE``), read with real clients: pandoc accepts and
rejects the DOCX's tracked changes, the PDF's change bars are found in its pixels, and
the HTML's summary links to every change it lists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from crsreport.redline import redline
from crsreport.tree import Change, Deleted, Document, Inserted, Paragraph, Section, Text

FILLER = "\n\n".join(
    f"Unchanged paragraph {n} keeps its words from one version to the next, so the pages "
    "that hold it must carry no change bar at all, whatever else moves around it." * 2
    for n in range(1, 23)
)
MARKERS = (
    "arranged",
    "Movedpara",
    "Deletedpara",
    "Newsection",
    "Notechanged",
    "Events per Year",
    "Events and",
)
SUMMARY = (
    "4 sections changed, 1 section added, Figure 1 updated (data), Table A-1 updated (data), "
    "1 note changed, 1 paragraph removed, 1 paragraph changed, 1 paragraph moved"
)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def _versions(tmp: Path, run_cli) -> tuple[Path, Path]:
    """A Report and its next version: a word and a note edited, a paragraph deleted, one
    moved to another section, a section added, a data point changed (figure and table)."""
    old, new = tmp / "old", tmp / "new"
    run_cli("--init", str(old), "--product", "report", "-q", cwd=tmp)
    sections = old / "sections"
    (sections / "context.md").write_text(FILLER + "\n")
    _edit(
        old / "report.yaml",
        "  - kind: appendix",
        "  - title: Context\n    id: context\n    prose: sections/context.md\n  - kind: appendix",
    )
    _edit(sections / "issues.md", "calls for.", "calls for.\n\nThe Deletedpara paragraph goes.")
    moved = "\n\nThe Movedpara paragraph moves to the issues section.\n"
    (sections / "background.md").write_text((sections / "background.md").read_text() + moved)
    shutil.copytree(old, new)
    sections = new / "sections"
    _edit(sections / "issues.md", "\n\nThe Deletedpara paragraph goes.", moved)
    _edit(sections / "background.md", moved, "\n")
    _edit(sections / "introduction.md", "organized", "arranged")
    _edit(sections / "introduction.md", "become numbered", "become Notechanged numbered")
    _edit(new / "data" / "events.csv", "2019,9,5", "2019,10,5")
    _edit(
        new / "report.yaml",
        "  - kind: appendix",
        '  - title: Oversight\n    id: oversight\n    text: "The Newsection hearings."\n'
        "  - kind: appendix",
    )
    return old, new


@pytest.fixture(scope="module")
def built(tmp_path_factory, run_cli):
    tmp = tmp_path_factory.mktemp("redline")
    old, new = _versions(tmp, run_cli)
    done = run_cli(
        str(new), "--compare", str(old), "-f", "html,pdf,docx,json", "-o", "out", cwd=tmp
    )
    assert done.returncode == 0, done.stderr
    for name, project in (("old", old), ("new", new)):
        run_cli(str(project), "-f", "docx", "-o", f"plain-{name}", "-q", cwd=tmp)
    return tmp, done


def _pandoc_body(path: Path, *options: str) -> list[str]:
    """The DOCX's words after the Contents (a TOC field keeps the new entries until updated)."""
    text = subprocess.run(
        ["pandoc", *options, "-t", "plain", "--wrap=none", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return text[text.index("Introduce the topic") :].split()


@pytest.mark.e2e
def test_accepting_every_change_gives_the_new_version_and_rejecting_the_old(built, require):
    require("pandoc")
    tmp, _ = built
    redline_docx = tmp / "out" / "R10001-changes.docx"
    accepted = _pandoc_body(redline_docx, "--track-changes=accept")
    rejected = _pandoc_body(redline_docx, "--track-changes=reject")
    assert accepted == _pandoc_body(tmp / "plain-new" / "R10001.docx")
    assert rejected == _pandoc_body(tmp / "plain-old" / "R10001.docx")
    assert accepted != rejected


@pytest.mark.e2e
def test_the_summary_counts_the_changes_made_and_links_to_each(built):
    tmp, done = built
    assert done.stdout.strip() == f"R10001: {SUMMARY}"
    html = (tmp / "out" / "R10001-changes.html").read_text()
    assert f"<p>{SUMMARY}</p>" in html
    links = re.findall(r'<li><a href="#(change-\d+)">', html)
    assert len(links) == 8  # table cells are marked in place, inside the linked table
    for anchor in links:
        assert f'id="{anchor}"' in html
    assert html.count("<ins") >= 4 and html.count("<del") >= 3
    assert 'class="change-said">added: </span>arranged' in html  # said, not colour only


@pytest.mark.e2e
def test_the_json_lists_each_change_with_its_source_line(built):
    tmp, _ = built
    value = json.loads((tmp / "out" / "R10001-changes.json").read_text())
    assert value["summary"] == SUMMARY
    by_kind = {(c["change"], c["what"]): c for c in value["changes"]}
    deleted = by_kind[("delete", "paragraph")]
    assert deleted["old"] == "The Deletedpara paragraph goes." and deleted["new"] == ""
    assert deleted["section"] == "Issues for Congress"
    assert deleted["where"] == "sections/issues.md:6"
    assert by_kind[("modify", "note")]["new"].count("Notechanged") == 1
    assert ("move_from", "paragraph") in by_kind and ("move_to", "paragraph") in by_kind
    cells = [c for c in value["changes"] if c["what"] == "table cell"]
    assert [(c["old"], c["new"]) for c in cells] == [("9", "10"), ("32", "33")]


def _bar_pages(pdf: Path, tmp: Path) -> set[int]:
    """Pages with a change bar: a dark vertical run in the left margin, left of the text."""
    subprocess.run(["pdftoppm", "-r", "72", "-gray", str(pdf), str(tmp / "pg")], check=True)
    pages = set()
    for image in sorted(tmp.glob("pg-*.pgm")):
        _header, width_height, _depth, pixels = image.read_bytes().split(b"\n", 3)
        width, height = map(int, width_height.split())
        for x in range(30, 52):  # the text starts at 54 px (the 0.75 in margin at 72 dpi)
            if sum(pixels[y * width + x] < 100 for y in range(height)) >= 12:
                pages.add(int(image.stem.split("-")[1]))
                break
    return pages


@pytest.mark.e2e
def test_the_pdf_has_change_bars_on_the_pages_that_changed_and_only_there(built, require):
    require("pdftoppm")
    require("pdftotext")
    tmp, _ = built
    pdf = tmp / "out" / "R10001-changes.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")[:-1]
    front = max(i for i, page in enumerate(pages, 1) if "Contents" in page)
    changed = {
        i for i, page in enumerate(pages, 1) if i > front and any(m in page for m in MARKERS)
    }
    bars = _bar_pages(pdf, tmp)
    unchanged = set(range(front + 1, len(pages) + 1)) - changed
    assert unchanged, "the filler should leave a page without changes"
    assert bars == changed


@pytest.mark.e2e
def test_an_unchanged_project_says_no_changes(built, run_cli):
    tmp, _ = built
    done = run_cli(
        str(tmp / "new"), "--compare", str(tmp / "new"), "-f", "json", "-o", str(tmp / "same")
    )
    assert done.stdout.strip() == "R10001: no changes"
    assert json.loads((tmp / "same" / "R10001-changes.json").read_text())["changes"] == []


@pytest.mark.e2e
def test_compare_with_a_git_revision_and_an_error_in_base_named_as_base(built, run_cli, require):
    require("git")
    tmp, _ = built
    repo = tmp / "repo"
    shutil.copytree(tmp / "old", repo / "project")
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.gov"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "old"], check=True)
    shutil.rmtree(repo / "project")
    shutil.copytree(tmp / "new", repo / "project")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "new"], check=True)
    project = repo / "project"
    done = run_cli(str(project), "--compare", "HEAD~1", "-f", "json", "-o", str(tmp / "git"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"R10001: {SUMMARY}"
    assert (
        run_cli(str(project), "--compare", "HEAD", "-f", "json")
        .stdout.strip()
        .endswith("no changes")
    )
    broken = tmp / "broken"
    shutil.copytree(tmp / "old", broken)
    _edit(broken / "report.yaml", "version: 1", "version: many")
    failed = run_cli(str(project), "--compare", str(broken), "-f", "json")
    assert failed.returncode == 2
    assert f"in BASE {broken}: report.yaml:" in failed.stderr
    assert "Traceback" not in failed.stderr


# ---- the diff itself (fast) ---------------------------------------------------------------


def _doc(*sections: Section) -> Document:
    return Document(
        id="R1", product="report", title="T", date="2024-01-01", date_line="", version=1,
        status="new", version_footer="", children=list(sections),
    )  # fmt: skip


def _section(ident: str, *texts: str) -> Section:
    body = [Paragraph(children=[Text(text=t)]) for t in texts]
    return Section(id=ident, title=ident.title(), level=1, children=body)


def test_a_word_diff_marks_only_the_words_that_changed():
    old = _doc(_section("a", "The quick brown fox jumps."))
    new = _doc(_section("a", "The quick red fox jumps."))
    red = redline(old, new)
    change = next(n for n in red.doc.walk() if isinstance(n, Change))
    assert change.change == "modify"
    assert [n.plain() for n in change.walk() if isinstance(n, Deleted)] == ["brown"]
    assert [n.plain() for n in change.walk() if isinstance(n, Inserted)] == ["red"]
    assert red.summary == "1 section changed, 1 paragraph changed"


def test_a_paragraph_moved_between_sections_is_a_move_not_a_rewrite():
    text = "This paragraph travels from one section to another unchanged."
    old = _doc(_section("a", "Stays here.", text), _section("b", "Also stays."))
    new = _doc(_section("a", "Stays here."), _section("b", "Also stays.", text))
    red = redline(old, new)
    kinds = sorted(n.change for n in red.doc.walk() if isinstance(n, Change))
    assert kinds == ["move_from", "move_to"]
    assert red.summary == "2 sections changed, 1 paragraph moved"


def test_identical_trees_have_no_changes():
    doc = _doc(_section("a", "Same words."))
    assert redline(doc, doc).summary == "no changes"
    assert not [n for n in redline(doc, doc).doc.walk() if isinstance(n, Change)]
