"""Hostile projects: nothing is read outside the project, nothing fetched, nothing executed."""

from __future__ import annotations

import http.server
import os
import re
import resource
import threading
import time
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest
from lxml import etree
from lxml import html as lxml_html

import crsreport
from crsreport.errors import ReportError, Warnings
from crsreport.prose import MAX_DEPTH, expand, parse
from crsreport.render.pdf import ProjectFetcher
from crsreport.resolve import resolve
from crsreport.tree import Source

BASE = """\
id: IF10001
title: "Test Report"
date: 2022-02-03
sections:
  - kind: overview
    prose: sections/a.md
"""
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
    "da63f8cfc0f01f0005000201e0a5d1a50000000049454e44ae426082"
)
SECRET = "TOP-SECRET-OUTSIDE"

# ---------------------------------------------------------------- files outside the project


def _image_figure(name: str) -> str:
    return BASE + (
        "    figures:\n      - {id: pic, kind: image, title: P, source: S., alt: A., "
        f"file: '{name}'}}\n"
    )


def _ways_out(outside: Path) -> dict[str, str]:
    return {"dotdot": "../outside", "absolute": str(outside), "symlink": "link"}


@pytest.mark.parametrize("way", ["dotdot", "absolute", "symlink"])
@pytest.mark.parametrize("kind", ["prose", "data", "image"])
def test_no_file_outside_the_project_is_read(tmp_path, make_project, kind, way):
    suffix = {"prose": ".md", "data": ".csv", "image": ".png"}[kind]
    outside = tmp_path / f"outside{suffix}"
    outside.write_bytes(PNG if kind == "image" else f"a,b\n{SECRET},1\n".encode())
    name = _ways_out(outside)[way] + (suffix if way != "absolute" else "")
    yaml_text = {
        "prose": BASE.replace("sections/a.md", name),
        "data": BASE + f"data:\n  facts: {name}\n",
        "image": _image_figure(name),
    }[kind]
    files: dict[str, str | bytes | Path] = {"report.yaml": yaml_text, "sections/a.md": "Text.\n"}
    if way == "symlink":
        files[name] = outside
    project = make_project(files)
    with pytest.raises(ReportError) as caught:
        resolve(crsreport.load_report(project))
    message = str(caught.value)
    assert re.search(r"report\.yaml:\d+: ", message)
    assert "outside the project" in message or "absolute path" in message
    assert SECRET not in message


# ---------------------------------------------------------------- the PDF's URL fetcher


@pytest.fixture
def fetch_root(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "images").mkdir(parents=True)
    (root / "images" / "ok.png").write_bytes(PNG)
    (tmp_path / "secret.txt").write_text(SECRET)
    (root / "images" / "escape.png").symlink_to(tmp_path / "secret.txt")
    os.mkfifo(root / "images" / "pipe.png")
    return root


def test_the_fetcher_serves_project_files(fetch_root):
    fetcher = ProjectFetcher([fetch_root])
    response = fetcher.fetch((fetch_root / "images" / "ok.png").as_uri())
    assert response.read() == PNG
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert fetcher.refused == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:///{root}/../secret.txt",
        "file:///{root}/images/%2e%2e/%2e%2e/secret.txt",
        "file:///{root}/images/escape.png",
        "file:///{root}/images/pipe.png",
        "file:///{root}/images",
        "file://evil.example/{root}/images/ok.png",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x.png",
        "//example.com/x.png",
        "javascript:alert(1)",
    ],
)
def test_the_fetcher_refuses_everything_else(fetch_root, url):
    fetcher = ProjectFetcher([fetch_root])
    url = url.replace("/{root}", str(fetch_root))
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        fetcher.fetch(url)
    assert time.monotonic() - started < 5, "no network wait, no blocking read"
    assert SECRET not in str(caught.value)
    assert fetcher.refused == [url]


def test_weasyprint_through_the_fetcher_loads_no_img_or_css_url_from_outside(
    fetch_root, web_server
):
    import weasyprint

    base_url, hits = web_server
    inside = (fetch_root / "images" / "ok.png").as_uri()
    page = (
        f'<style>@import url("{base_url}/a.css"); body {{ background: url("{base_url}/b.png") }}'
        f' p {{ background: url("file:///etc/passwd") }}</style>'
        f'<img src="{base_url}/c.png"><img src="file:///etc/passwd"><img src="{inside}">'
        '<img src="../../secret.txt"><p>text</p>'
    )
    fetcher = ProjectFetcher([fetch_root])
    base = (fetch_root / "images").as_uri() + "/"
    weasyprint.HTML(string=page, base_url=base, url_fetcher=fetcher).write_pdf()
    assert hits == []
    refused = set(fetcher.refused)
    assert {f"{base_url}/a.css", f"{base_url}/b.png", f"{base_url}/c.png"} <= refused
    assert "file:///etc/passwd" in refused
    assert (fetch_root.parent / "secret.txt").as_uri() in refused
    assert inside not in refused


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_server():
    """A local HTTP server that records every request made to it."""
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


@pytest.mark.e2e
def test_urls_inside_an_svg_image_are_refused_and_reported(make_project, run_cli, web_server):
    base_url, hits = web_server
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100" height="100">'
        f'<style>@import url("{base_url}/style.css");</style>'
        f'<image href="{base_url}/pixel.png" width="10" height="10"/>'
        '<image xlink:href="file:///etc/passwd" width="10" height="10"/>'
        f'<rect width="50" height="50" fill="url({base_url}/paint.svg#p)"/>'
        "<script>alert(1)</script></svg>"
    )
    project = make_project(
        {"report.yaml": _image_figure("images/evil.svg"), "sections/a.md": "Text.\n"}
        | {"images/evil.svg": svg}
    )
    result = run_cli(project, "--format", "pdf,html", timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"refused to load '{base_url}/pixel.png'" in result.stderr
    assert "refused to load 'file:///etc/passwd'" in result.stderr
    assert hits == [], "the PDF renderer must not touch the network"
    html = (project / "build" / "IF10001.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()


# ---------------------------------------------------------------- the Jinja sandbox

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__()[104].__init__.__globals__['sys'] }}",
    "{{ '{0.__class__}'.format(report) }}",
    "{{ '{0.__class__.__init__.__globals__}'.format_map({'0': report}) }}",
    "{{ report|attr('__class__') }}",
    "{{ report|attr('__class__')|attr('__mro__') }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context.cycler }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{{ report.items.__self__.__class__ }}",
    "{{ range.__globals__ }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{% set x = report.pop('id') %}{{ x }}",
    "{{ report.update({'id': 'X'}) }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% extends '/etc/passwd' %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
]
BOMBS = [
    "{{ range(10**9)|list|length }}",
    "{{ range(10**7)|sum }}",
    "{{ 'x' * 10**9 }}",
    "{{ [0] * 10**9 }}",
    "{{ ('x' * 10**6) * (10**3) }}",
    "{{ 10 ** (10 ** 10) }}",
    "{{ 9 ** (9 ** (9 ** 9)) }}",
    "{{ (2 ** 60000) * (2 ** 60000) }}",
    "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
    "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}",
    "{% set a = 'x' * 1500000 %}{% set b = a ~ a %}{% set c = b ~ b %}{{ c|length }}",
    "{% set a = 'x' * 1500000 %}{{ (a + a)|length }}",
    "{{ ('x' * 10**6)|replace('x', 'x' * 10**6) }}",
    "{{ ('x' * 10**6).replace('x', 'yy') }}",
    "{{ (range(10000)|list)|join('x' * 10**4) }}",
    "{{ '%999999999s'|format('x') }}",
    "{{ '%.999999999f' % 1.5 }}",
    "{{ '%(a)999999999s' % {'a': 1} }}",
    "{{ 'x'.center(10**9) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ 'x'.zfill(10**9) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ 'x'|center(10**9) }}",
    "{{ 'x'|indent(10**9) }}",
    "{{ 'a b'|wordwrap(1, wrapstring='x' * 10**8) }}",
    "{{ [1]|batch(10**9, 0)|list }}",
    "{{ [1]|slice(10**9)|list }}",
    "{% for i in range(10000) %}{{ 'x' * 10**4 }}{% endfor %}",
    "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}",
    # cheap to hold, costly to print: a thousand references to one big string
    "{{ ['x' * 10**6] * 2000 }}",
    "{{ (['x' * 10**6] * 2000)|string|length }}",
    "{{ (['x' * 10**6] * 2000)|join|length }}",
    "{{ (['x' * 10**6] * 2000)|upper|length }}",
    "{{ (['x' * 10**6] * 2000)|tojson|length }}",
    "{{ 'x' ~ (['x' * 10**6] * 2000) }}",
    "{{ '%s' % ((['x' * 10**6] * 2000),) }}",
    "{{ {}.fromkeys(range(5000), 'x' * 10**6)|pprint|length }}",
    "{{ ('x' * 10**6).join(range(5000)|map('string')) }}",
    "{{ ('x' * 10**6).translate({120: 'y' * 10**6}) }}",
    "{{ ([[0] * 1000] * 2000)|sum(start=[])|length }}",
    "{% set x %}{% for i in range(1000) %}{{ 'x' * 10**6 }}{% endfor %}{% endset %}{{ x|length }}",
    "{% filter upper %}{% for i in range(100) %}{{ 'x' * 10**6 }}{% endfor %}{% endfilter %}",
]
VALUES = {"report": {"id": "IF10001", "title": "T"}, "rows": [{"n": 1}, {"n": 2}]}


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("payload", ESCAPES + BOMBS)
def test_the_sandbox_refuses_escapes_and_bombs_quickly(payload):
    rss = _max_rss_mb()
    started = time.process_time()  # CPU, not wall time: other work on the machine waits
    with pytest.raises(ReportError) as caught:
        expand(f"First line.\n\n{payload}\n", VALUES, Source("sections/a.md", 1))
    assert time.process_time() - started < 10
    assert _max_rss_mb() - rss < 300, "the sandbox allocated hundreds of MB before refusing"
    message = str(caught.value)
    assert re.match(r"sections/a\.md:(1|3): ", message), message
    assert "Traceback" not in message


def test_the_sandbox_still_computes_ordinary_values():
    source = (
        "{{ rows|length }} rows, total {{ rows|sum(attribute='n') }}; "
        "{% for r in rows %}{{ r.n }}{% if not loop.last %}, {% endif %}{% endfor %}; "
        "{{ report.title|upper ~ '!' }} {{ '%.1f'|format(2.25) }} {{ 'a-b'|replace('-', ' ') }} "
        "{{ rows|map(attribute='n')|join('/') }} {{ (3 * 4) ** 2 }} {{ range(3)|list }}"
    )
    assert expand(source, VALUES, Source("a.md", 1)) == (
        "2 rows, total 3; 1, 2; T! 2.2 a b 1/2 144 [0, 1, 2]"
    )


@pytest.mark.e2e
def test_sandbox_escapes_exit_2_through_the_cli(make_project, run_cli):
    project = make_project(
        {
            "report.yaml": BASE,
            "sections/a.md": "One.\n\n{{ cycler.__init__.__globals__.os.system('touch pwned') }}\n",
        }
    )
    result = run_cli(project, timeout=60)
    assert result.returncode == 2
    assert "sections/a.md:3: " in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "pwned").exists()


# ---------------------------------------------------------------- Markdown nesting


@pytest.mark.parametrize(
    "text",
    [
        ">" * 10_000 + " deep\n",
        "- " * 10_000 + "deep\n",
        "1. " * 10_000 + "deep\n",
        "".join("  " * i + "- item\n" for i in range(2_000)),
        "*" * 30_000 + "x" + "*" * 30_000 + "\n",
        "> - " * 5_000 + "x\n",
    ],
    ids=["quotes", "bullets", "numbers", "ladder", "emphasis", "mixed"],
)
def test_markdown_depth_limit_triggers_before_python_recursion(text):
    started = time.process_time()  # CPU: a busy machine's waits do not count
    with pytest.raises(ReportError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse("Intro.\n\n" + text, Source("sections/a.md", 1))
    assert time.process_time() - started < 15


def test_markdown_nesting_under_the_limit_is_kept_whole():
    text = "".join("  " * i + f"- item {i}\n" for i in range(15))
    nodes, _ = parse(text, Source("a.md", 1))
    words = " ".join(node.plain() for node in nodes)
    assert all(f"item {i}" in words for i in range(15))


# ---------------------------------------------------------------- no script reaches the HTML

HOSTILE_YAML = """\
id: R10001
title: "<script>alert('title')</script> Title"
date: 2022-02-03
authors:
  - name: "<img src=x onerror=alert('author')>"
    title: "javascript:alert('author title')"
data:
  evil: data/evil.csv
summary: "Summary <script>alert('summary')</script> [s](javascript:alert('summary link'))"
sections:
  - title: "<svg onload=alert('section')>"
    id: s1
    prose: sections/a.md
    figures:
      - id: chart
        kind: bar
        title: "<script>alert('figure')</script>"
        unit: "<b onmouseover=alert('unit')>"
        data: data/evil.csv
        x: label
        y: [n]
        labels: {n: "<script>alert('legend')</script>"}
        source: "<a href='javascript:alert(1)'>source</a>"
        notes: "<iframe src=javascript:alert('notes')>"
        alt: "\\" onload=\\"alert('alt')"
      - id: rows
        kind: table
        title: "<object data=javascript:alert(1)>"
        data: data/evil.csv
        columns:
          - {column: label, header: "<script>alert('header')</script>", note: "<embed src=x>"}
          - {column: n}
        source: S.
        alt: A.
"""
HOSTILE_PROSE = """\
Links: [a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) [c](  javascript:alert(3))
[d](java&#x09;script:alert(4)) [e](&#106;avascript:alert(5)) <javascript:alert(6)>
[f](vbscript:msgbox(7)) [g](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)
[h](http://ok.example/" onmouseover="alert(9)) [i](#" onclick="alert(10))

<script>alert(11)</script>

<img src=x onerror=alert(12)>

Value: {{ evil[0].label }} and {{ "<script>alert(13)</script>" }}, note[^1].

[^1]: <script>alert(14)</script> [x](javascript:alert(15))

# <script>heading</script>

| <b onclick=alert(16)> | y |
|---|---|
| [z](javascript:alert(17)) | 1 |

![alt <script>alert(18)</script>](javascript:alert(19))
"""
HOSTILE_CSV = (
    "label,n\n"
    '"<script>alert(20)</script>",1\n'
    '"--><script>alert(21)</script><!--",2\n'
    '"javascript:alert(22)",3\n'
    '"<svg/onload=alert(23)>",4\n'
)
BAD_TAGS = {"script", "iframe", "object", "embed", "applet", "base", "meta", "form"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def _unsafe(element: etree._Element) -> list[str]:
    found = []
    tag = str(element.tag).rpartition("}")[2].lower()
    if tag in BAD_TAGS - {"meta"} or (tag == "meta" and element.get("http-equiv")):
        found.append(f"<{tag}>")
    for name, value in element.attrib.items():
        local = name.rpartition("}")[2].lower()
        plain = re.sub(r"[\s\x00-\x1f]", "", value).lower()
        if local.startswith("on"):
            found.append(f"{tag} {local}=")
        if local in ("href", "src", "action", "formaction", "data") and plain.startswith(
            BAD_SCHEMES
        ):
            found.append(f"{tag} {local}={value}")
    return found


def test_no_script_event_handler_or_javascript_url_reaches_the_html(make_project):
    project = make_project(
        {
            "report.yaml": HOSTILE_YAML,
            "sections/a.md": HOSTILE_PROSE,
            "data/evil.csv": HOSTILE_CSV,
        }
    )
    out = project / "out"
    crsreport.build(crsreport.load_report(project), ["html", "docx"], out_dir=out, jobs=1)
    text = (out / "R10001.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    page = lxml_html.document_fromstring(text)
    problems = [p for element in page.iter() for p in _unsafe(element)]
    assert problems == []
    assert "alert(13)" in page.text_content(), "hostile text is shown as text"
    with zipfile.ZipFile(out / "R10001.docx") as docx:
        rels = "".join(docx.read(n).decode() for n in docx.namelist() if n.endswith(".rels"))
    assert not re.search(r"(?i)target=\"\s*(javascript|vbscript|data):", rels)


# ---------------------------------------------------------------- characters XML cannot hold


@pytest.mark.e2e
def test_characters_xml_cannot_hold_are_removed_with_a_located_warning(make_project):
    project = make_project(
        {
            "report.yaml": BASE.replace("Test Report", "Test\\x01 Report")
            + 'authors:\n  - name: "A\\x0bB"\ndata:\n  odd: data/odd.json\n',
            "sections/a.md": "Line one.\n\nA \x0c form feed, {{ odd.s }} and \x1f unit.\n",
            "data/odd.json": '{"s": "lone \\ud800 surrogate \\ufffe and \\u0000 nul"}\n',
        }
    )
    out = project / "out"
    warnings = Warnings()
    report = crsreport.load_report(project)
    doc = resolve(report, warnings)
    places = [str(p.where) for p in warnings.seen]
    assert "report.yaml:2: title" in places
    assert "report.yaml:7: authors" in places
    assert "sections/a.md:3" in places
    assert all("no document may hold" in p.message for p in warnings.seen)
    text = " ".join(n.plain() for n in doc.walk())
    assert "lone  surrogate  and \ufffd nul" in text  # CommonMark makes NUL U+FFFD
    crsreport.build(report, ["html", "pdf", "docx"], out_dir=out, jobs=1)
    html = (out / "IF10001.html").read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\ud800]", html)
    with zipfile.ZipFile(out / "IF10001.docx") as docx:
        for name in docx.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(docx.read(name))  # raises on any invalid character
