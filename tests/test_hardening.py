"""Red-team cases of issue #18 that end in a build that works, or in an error that names no
file (the environment, the command line): each run under 1 GB of address space and 30 s
of CPU (``RLIMIT_AS``, ``RLIMIT_CPU``), read back with lxml or zipfile.

The cases that end in a located exit 2 are folders of ``tests/corpus``.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html

from crsreport import stamp
from crsreport.incremental import Manifest

MEMORY, CPU = 2**30, 30
BASE = 'id: IF10001\ntitle: "Test Report"\ndate: 2022-02-03\n'
ONE_SECTION = "sections:\n  - kind: overview\n    prose: sections/a.md\n"
FIGURE = """sections:
  - kind: overview
    prose: sections/a.md
    figures:
      - id: f
        kind: bar
        title: A Figure
        data: data/d.csv
        source: Somewhere.
        alt: A chart.
        x: label
        y: [n]
"""


def _run(run_cli, project: Path, *args: str, env: dict[str, str] | None = None):
    return run_cli(project, *args, env=env, timeout=180, max_memory=MEMORY, max_cpu=CPU)


# ------------------------------------------------------------------ fast: shapes of files


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s.pop("files"), id="no-files"),
        pytest.param(lambda s: s.update(files=[]), id="files-a-list"),
        pytest.param(lambda s: s.update(outputs={}), id="no-outputs"),
        pytest.param(lambda s: s.update(written="soon"), id="written-text"),
        pytest.param(lambda s: s.update(formats=[["html"]]), id="formats-short"),
        pytest.param(lambda s: s.update(warnings=[1]), id="warnings-numbers"),
        pytest.param(lambda s: s["files"].update({"x": [1, 2]}), id="entry-short"),
    ],
)
def test_a_stamp_of_any_other_shape_means_build(tmp_path, change):
    source, output = tmp_path / "a.md", tmp_path / "IF1.html"
    source.write_text("text", encoding="utf-8")
    output.write_text("<html>", encoding="utf-8")
    where = tmp_path / ".cache" / "stamp.json"
    stamp.write(where, 2**62, [source], {"html": output}, "IF1", [])
    assert stamp.fresh(where) is not None
    data = json.loads(where.read_text(encoding="utf-8"))
    change(data)
    where.write_text(json.dumps(data), encoding="utf-8")
    assert stamp.fresh(where) is None


def test_a_stamp_sees_a_retargeted_symlink(tmp_path):
    (tmp_path / "one.md").write_text("same", encoding="utf-8")
    (tmp_path / "two.md").write_text("same", encoding="utf-8")
    stat = (tmp_path / "one.md").stat()
    os.utime(tmp_path / "two.md", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    link, output = tmp_path / "a.md", tmp_path / "IF1.html"
    link.symlink_to("one.md")
    output.write_text("<html>", encoding="utf-8")
    where = tmp_path / "stamp.json"
    stamp.write(where, 2**62, [link], {"html": output}, "IF1", [])
    assert stamp.fresh(where) is not None
    link.unlink()
    link.symlink_to("two.md")  # same size, time and bytes: only the target differs
    assert stamp.fresh(where) is None


@pytest.mark.parametrize(
    "text",
    [
        '{"schema": 1, "formats": []}',
        '{"schema": 1, "formats": {"html": 3}}',
        "[1]",
        '"x"',
        '{"schema": 1, "formats": {"html": {"inputs": 1, "output": "a", "warnings": []}}}',
    ],
)
def test_a_manifest_of_any_other_shape_means_build(tmp_path, text):
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "manifest-IF1.json").write_text(text, encoding="utf-8")
    manifest = Manifest.load(tmp_path, "IF1")
    assert manifest.entries == {}
    assert not manifest.fresh("html", "inputs", tmp_path / "IF1.html")


SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<script>alert(1)</script>", "holds a <script> element"),
        ("<foreignObject><p>x</p></foreignObject>", "holds a <foreignObject> element"),
        ('<rect onclick="x()"/>', "holds an event handler (onclick)"),
        ('<image xlink:href="https://example.org/p.png"/>', "links to 'https://example.org"),
        ('<style>@import url("x.css");</style>', "style sheet that loads another file"),
        ('<rect style="fill: url(http://x/y)"/>', "style that loads another file"),
    ],
)
def test_an_unsafe_svg_is_named_and_a_drawn_one_passes(body, problem):
    from crsreport.svgsafe import svg_problem

    assert problem in svg_problem(f"<svg {SVG_NS}>{body}</svg>".encode())
    drawn = f'<svg {SVG_NS}><defs><path id="a" d="M0 0"/></defs><use xlink:href="#a"/>'
    drawn += '<image xlink:href="data:image/png;base64,iVBORw0KGgo="/></svg>'
    assert svg_problem(drawn.encode()) is None
    assert svg_problem(b"") is not None


@pytest.mark.parametrize(
    "source",
    [
        "{% set x='a'*1000000 %}{{ ([x]*2000000)|map('upper')|list|length }}",
        "{% set x='ab'*1000000 %}{% for i in range(10000) %}{{ x|sort|first }}{% endfor %}",
        "{% set x='ab'*1000000 %}{% for i in range(100) %}{{ x.upper()|length }}{% endfor %}",
        "{% set x='a'*999999 %}{% set y='a'*999999 %}"
        "{% for i in range(10000) %}{{ x == y }}{% endfor %}",
    ],
)
def test_template_work_is_budgeted(source):
    from crsreport.errors import ReportError
    from crsreport.prose import expand
    from crsreport.tree import Source

    with pytest.raises(ReportError, match="touched more than 10,000,000"):
        expand(source, {}, Source("a.md", 1))


def test_ordinary_work_on_a_big_data_set_stays_within_the_budget():
    from crsreport.prose import expand
    from crsreport.tree import Source

    rows = [{"year": 2000 + i % 20, "n": i} for i in range(100_000)]
    lookup = {i: i for i in range(10_000)}
    source = (
        "{% for i in range(1000) %}{{ rows|length }}{{ lookup.get(i) }}{% endfor %}"
        "{{ rows|selectattr('year', 'eq', 2010)|map(attribute='n')|sum }}"
    )
    text = expand(source, {"rows": rows, "lookup": lookup}, Source("a.md", 1))
    assert text.endswith(str(sum(range(10, 100_000, 20))))


def test_running_out_of_memory_names_the_expression_and_its_line(monkeypatch):
    from crsreport.errors import ReportError
    from crsreport.prose import _jinja, expand
    from crsreport.tree import Source

    def boom(value: str) -> str:
        raise MemoryError

    monkeypatch.setitem(_jinja().filters, "upper", boom)
    with pytest.raises(ReportError) as caught:
        expand("One.\n\n{{ 'x'|upper }} and more\n", {}, Source("a.md", 3))
    assert str(caught.value) == (
        "a.md:5: ran out of memory computing '{{ 'x'|upper }} and more'; compute less in prose"
    )


# ------------------------------------------------------------------ e2e: builds that work


@pytest.mark.e2e
def test_a_poisoned_figure_cache_is_drawn_again(make_project, run_cli):
    project = make_project(
        {
            "report.yaml": BASE + FIGURE,
            "sections/a.md": "@fig:f\n",
            "data/d.csv": "label,n\na,1\nb,2\n",
        }
    )
    assert _run(run_cli, project, "--format", "html,docx").returncode == 0
    cache = project / "build" / ".cache"
    [svg] = cache.glob("figures/f-*.svg")
    [png] = cache.glob("figures/f-*.png")
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        encoding="utf-8",
    )
    png.write_bytes(b"")  # an emptied cached figure
    for name in cache.glob("*.json"):  # and stamps and manifests of the wrong shape
        name.write_text('{"schema": 1, "formats": [], "files": 3}', encoding="utf-8")
    result = _run(run_cli, project, "--format", "html,docx")
    assert result.returncode == 0, result.stderr
    page = (project / "build" / "IF10001.html").read_text(encoding="utf-8")
    tree = html.fromstring(page)
    assert not tree.xpath("//script"), "a script from the cache reached the page"
    assert tree.xpath("//figure//*[local-name()='svg']//*[local-name()='path']")
    assert svg.read_bytes().startswith(b"<?xml") and png.read_bytes().startswith(b"\x89PNG")
    with zipfile.ZipFile(project / "build" / "IF10001.docx") as docx:
        assert any(n.endswith(".png") for n in docx.namelist())


@pytest.mark.e2e
def test_a_set_in_data_builds_byte_identically_under_two_hash_seeds(make_project, run_cli):
    values = ", ".join(f"k{i}" for i in range(40))
    project = make_project(
        {
            "report.yaml": BASE + "data:\n  facts: data/f.yaml\n" + ONE_SECTION,
            "sections/a.md": "Keys: {{ facts|join(' ') }}. All: {{ facts }}.\n",
            "data/f.yaml": f"!!set {{{values}}}\n",
        }
    )
    pages = []
    for seed in ("1", "2"):
        out = project / f"out{seed}"
        env = {"PYTHONHASHSEED": seed}
        result = _run(run_cli, project, "--format", "html", "--out", str(out), env=env)
        assert result.returncode == 0, result.stderr
        pages.append((out / "IF10001.html").read_bytes())
    assert pages[0] == pages[1]
    text = html.fromstring(pages[0]).text_content()
    assert "Keys: k0 k1 k10 k11" in text


@pytest.mark.e2e
def test_docx_properties_hold_a_long_title_and_twelve_authors(make_project, run_cli):
    title = " ".join(["Word"] * 60)
    authors = "".join(
        f"  - name: Author Person Number{i}\n    title: Specialist in Foreign Affairs\n"
        for i in range(12)
    )
    project = make_project(
        {
            "report.yaml": f'id: IF10001\ntitle: "{title}"\ndate: 2022-02-03\n'
            + "authors:\n"
            + authors
            + ONE_SECTION,
            "sections/a.md": "Text.\n",
        }
    )
    result = _run(run_cli, project, "--format", "docx")
    assert result.returncode == 0, result.stderr
    assert "too long for the DOCX file's title property" in result.stderr
    assert "too long for the DOCX file's authors property" in result.stderr
    with zipfile.ZipFile(project / "build" / "IF10001.docx") as docx:
        core = etree.fromstring(docx.read("docProps/core.xml"))
        body = docx.read("word/document.xml").decode("utf-8")
    ns = {"dc": "http://purl.org/dc/elements/1.1/"}
    shown_title = core.findtext("dc:title", namespaces=ns)
    creator = core.findtext("dc:creator", namespaces=ns)
    assert 0 < len(shown_title) <= 255 and shown_title.endswith("…")
    assert creator.startswith("Author Person Number0;") and len(creator) <= 255
    assert body.count("Word") >= 60, "the page prints the whole title"


@pytest.mark.e2e
def test_a_placeholder_in_the_title_is_printed_as_text(make_project, run_cli):
    project = make_project(
        {
            "report.yaml": 'id: IF10001\ntitle: "Fonts /*@font-face*/ here"\ndate: 2022-02-03\n'
            + ONE_SECTION,
            "sections/a.md": "Text.\n",
        }
    )
    result = _run(run_cli, project, "--format", "html")
    assert result.returncode == 0, result.stderr
    tree = html.fromstring((project / "build" / "IF10001.html").read_bytes())
    assert tree.findtext(".//title").startswith("Fonts /*@font-face*/ here")
    assert "@font-face" in "".join(tree.xpath("//style/text()"))


@pytest.mark.e2e
def test_odd_numbers_and_dates_in_data_build(make_project, run_cli):
    table = (
        "sections:\n  - kind: overview\n    prose: sections/a.md\n    figures:\n"
        "      - id: t\n        kind: table\n        title: A Table\n        data: data/d.csv\n"
        "        source: Somewhere.\n        alt: A table.\n        columns:\n"
        '          - column: label\n          - column: n\n            format: "{:c}"\n'
    )
    project = make_project(
        {
            "report.yaml": BASE + "bibliography: refs.bib\n" + table,
            "sections/a.md": "As shown [@k].\n\n@tab:t\n",
            "data/d.csv": "label,n\na,1114112\nb,65\n",
            "refs.bib": "@article{k, title={T}, author={A, B}, year={2020}, month={²}, "
            "journal={J}}\n",
        }
    )
    result = _run(run_cli, project, "--format", "html")
    # a month int() cannot read is named at its line, not a traceback
    assert result.returncode == 2, result.stderr
    assert "refs.bib:1: entry 'k' (article): issued: '2020-²' is not a date" in result.stderr
    bib = project / "refs.bib"
    bib.write_text(bib.read_text().replace("month={²}, ", ""))
    result = _run(run_cli, project, "--format", "html")
    assert result.returncode == 0, result.stderr
    cells = html.fromstring((project / "build" / "IF10001.html").read_bytes()).xpath("//td")
    assert [c.text_content().strip() for c in cells] == ["a", "1114112", "b", "A"]


@pytest.mark.e2e
def test_an_include_root_above_the_parent_needs_the_command_line(make_project, run_cli):
    project = make_project(
        {
            "report.yaml": BASE + "include_roots: [../../shared]\n"
            "sections:\n  - include: ../../shared/s.yaml\n",
            "../../shared/s.yaml": "kind: overview\nprose: a.md\n",
            "../../shared/a.md": "Shared text.\n",
        }
    )
    refused = _run(run_cli, project, "--check")
    assert refused.returncode == 2
    assert "above the project's parent folder" in refused.stderr
    shared = (project / "../../shared").resolve()
    granted = _run(run_cli, project, "--check", "--include-root", str(shared))
    assert granted.returncode == 0, granted.stderr


# ------------------------------------------------------------------ e2e: unlocated errors


@pytest.mark.e2e
@pytest.mark.parametrize("value", ["99999999999999", "²", "-5", "12x"])
def test_a_bad_source_date_epoch_is_one_clean_error(make_project, run_cli, value):
    project = make_project({"report.yaml": BASE + ONE_SECTION, "sections/a.md": "Text.\n"})
    result = _run(run_cli, project, "--format", "html", env={"SOURCE_DATE_EPOCH": value})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"SOURCE_DATE_EPOCH: '{value}' is not a time" in result.stderr
    assert not (project / "build" / "IF10001.html").exists()


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_an_out_folder_that_cannot_be_made_is_one_clean_error(make_project, run_cli, where):
    project = make_project({"report.yaml": BASE + ONE_SECTION, "sections/a.md": "Text.\n"})
    (project / "a-file").write_text("not a folder", encoding="utf-8")
    result = _run(run_cli, project, "--format", "html", "--out", str(project / where))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot write there" in result.stderr and "Not a directory" in result.stderr
    assert (project / "a-file").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.e2e
def test_two_projects_with_one_id_into_one_folder_build_nothing(make_project, run_cli):
    files = {"report.yaml": BASE + ONE_SECTION, "sections/a.md": "Text.\n"}
    first, second = make_project(files), make_project(files)
    out = first.parent / "together"
    result = run_cli(first, second, "--out", out, "--format", "html", timeout=180)
    assert result.returncode == 2, result.stderr
    assert "'IF10001' is also the id of" in result.stderr
    assert "give each project its own --out" in result.stderr
    assert not out.exists()


@pytest.mark.e2e
def test_the_out_folder_keeps_files_crsreport_did_not_write(make_project, run_cli):
    project = make_project({"report.yaml": BASE + ONE_SECTION, "sections/a.md": "Text.\n"})
    out = project / "build"
    out.mkdir()
    theirs = [out / ".notes.tmp", out / ".draft.99999.swap.tmp", out / "notes.tmp"]
    for path in theirs:
        path.write_text("mine", encoding="utf-8")
        os.utime(path, (0, 0))  # decades old
    result = _run(run_cli, project, "--format", "html")
    assert result.returncode == 0, result.stderr
    assert all(path.read_text(encoding="utf-8") == "mine" for path in theirs)


@pytest.mark.e2e
@pytest.mark.parametrize("name", [b"new\nline", b"not-utf8-\xff"], ids=["newline", "bytes"])
def test_init_into_an_odd_folder_name_builds(tmp_path, run_cli, name):
    folder = os.fsdecode(bytes(tmp_path) + b"/" + name)
    made = run_cli("--init", folder, timeout=60)
    assert made.returncode == 0, made.stderr
    checked = run_cli(folder, "--check", timeout=120)
    assert checked.returncode == 0, checked.stderr


BIG_BUT_LINEAR = {
    "20000-paragraphs-with-a-control-character": {
        "sections/a.md": "".join(f"Paragraph {i} \x01 here.\n\n" for i in range(20_000))
    },
    "32000-headings-with-one-title": {"sections/a.md": "## Same\n\n" * 32_000},
    "20000-uncited-bibtex-entries": {
        "sections/a.md": "Text.\n",
        "refs.bib": "".join(
            f"@article{{k{i}, title={{T}}, author={{A, B}}, year={{2020}}, journal={{J}}}}\n"
            for i in range(20_000)
        ),
    },
}


@pytest.mark.e2e
@pytest.mark.parametrize("case", BIG_BUT_LINEAR)
def test_inputs_that_were_quadratic_check_within_the_cpu_limit(make_project, run_cli, case):
    files = BIG_BUT_LINEAR[case]
    bibliography = "bibliography: refs.bib\n" if "refs.bib" in files else ""
    project = make_project({"report.yaml": BASE + bibliography + ONE_SECTION, **files})
    result = _run(run_cli, project, "--check")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ready to build" in result.stderr
