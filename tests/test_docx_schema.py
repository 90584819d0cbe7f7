"""Every DOCX crsreport writes is a schema-valid ISO/IEC 29500 (transitional) package.

Each XML part is validated against the schema of its root element's namespace, from the
schemas in ``../shared/ooxml-schemas`` beside the repository (see its README.md): the
WordprocessingML, DrawingML and shared parts against ISO/IEC 29500-4, the package parts
(``[Content_Types].xml``, ``.rels``, core properties) against ECMA-376 Part 2. Content in
namespaces a part declares ``mc:Ignorable`` is skipped and ``mc:AlternateContent`` is read
as its ``mc:Fallback``, as ECMA-376 Part 3 tells a consumer that understands only the
standard to do. Word and LibreOffice open invalid packages, often silently repairing
them; this keeps the writer from relying on that.

The schemas are not part of the repository; the test skips without them, except under
CI=true, where it fails.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import crsreport
from conftest import missing
from crsreport.products import PRODUCTS

pytestmark = pytest.mark.e2e  # builds every example and --init project: the slow end

REPO_ROOT = Path(__file__).resolve().parents[1]
PLACES = (
    REPO_ROOT.parent / "shared" / "ooxml-schemas",  # beside the repository, as on this machine
    Path(os.environ.get("CRSREPORT_OOXML_SCHEMAS", "/nonexistent")),
    Path("/work/shared/ooxml-schemas"),  # where a machine of this kind keeps them
)
SCHEMAS = next((p for p in PLACES if p.is_dir()), PLACES[0])
ISO = SCHEMAS / "ISO-IEC29500-4_2016"
OPC = SCHEMAS / "ecma" / "fouth-edition"

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML = "http://www.w3.org/XML/1998/namespace"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"

# The core-properties schema imports Dublin Core from dublincore.org; the test never goes
# to the network, so dc:* elements take any simple content and dcterms:W3CDTF is a date.
_DC_NAMES = (
    *("title", "creator", "subject", "description", "publisher", "contributor", "date"),
    *("type", "format", "identifier", "source", "language", "relation", "coverage", "rights"),
)
_XS = 'xmlns:xs="http://www.w3.org/2001/XMLSchema"'
_DC_STUB = (
    f'<xs:schema {_XS} xmlns:dc="{DC}" targetNamespace="{DC}" elementFormDefault="qualified">'
    '<xs:complexType name="SimpleLiteral"><xs:simpleContent>'
    '<xs:extension base="xs:anySimpleType"><xs:anyAttribute processContents="lax"/>'
    "</xs:extension></xs:simpleContent></xs:complexType>"
    + "".join(f'<xs:element name="{n}" type="dc:SimpleLiteral"/>' for n in _DC_NAMES)
    + "</xs:schema>"
)
_DCTERMS_STUB = (
    f'<xs:schema {_XS} xmlns:dc="{DC}" targetNamespace="{DCTERMS}" '
    'elementFormDefault="qualified">'
    f'<xs:import namespace="{DC}" schemaLocation="http://dublincore.org/dc.xsd"/>'
    '<xs:complexType name="W3CDTF"><xs:simpleContent><xs:restriction base="dc:SimpleLiteral">'
    '<xs:simpleType><xs:union memberTypes="xs:gYear xs:gYearMonth xs:date xs:dateTime"/>'
    "</xs:simpleType></xs:restriction></xs:simpleContent></xs:complexType>"
    + "".join(
        f'<xs:element name="{n}" type="dc:SimpleLiteral"/>'
        for n in ("created", "modified", "issued", "available", "valid")
    )
    + "</xs:schema>"
)
_STUBS = {"/dc.xsd": _DC_STUB, "/dcterms.xsd": _DCTERMS_STUB}


class _Local(etree.Resolver):
    """Dublin Core from the stubs above, the xml: namespace from the schemas folder."""

    def resolve(self, url, pubid, context):
        for suffix, text in _STUBS.items():
            if url.startswith("http://dublincore.org/") and url.endswith(suffix):
                return self.resolve_string(text, context)
        if url.endswith("/xml.xsd"):
            return self.resolve_filename(str(ISO / "xml.xsd"), context)
        return None


def require_schemas() -> Path:
    """The schemas folder; skip the test without it, or fail under CI=true."""
    if (ISO / "wml.xsd").is_file() and (OPC / "opc-relationships.xsd").is_file():
        return SCHEMAS
    missing(f"the OOXML schemas are not at {SCHEMAS} (see the issue for where they come from)")


@functools.cache
def _schema_files() -> dict[str, Path]:
    """Target namespace -> schema file, over every .xsd in the folder."""
    found: dict[str, Path] = {}
    for path in sorted(SCHEMAS.rglob("*.xsd")):
        target = etree.parse(str(path)).getroot().get("targetNamespace")
        if target and target not in found:
            found[target] = path
    return found


@functools.cache
def _schema(namespace: str) -> etree.XMLSchema | None:
    path = _schema_files().get(namespace)
    if path is None:
        return None
    # A driver importing the xml: namespace first: the schemas import it without a
    # schemaLocation, which libxml2 does not resolve by itself.
    driver = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="{XML}" schemaLocation="{(ISO / "xml.xsd").as_uri()}"/>'
        f'<xs:import namespace="{namespace}" schemaLocation="{path.as_uri()}"/>'
        "</xs:schema>"
    )
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Local())
    return etree.XMLSchema(etree.fromstring(driver, parser))


def _ignorable(element: etree._Element) -> set[str]:
    prefixes = (element.get(f"{{{MC}}}Ignorable") or "").split()
    return {element.nsmap[p] for p in prefixes if p in element.nsmap}


def _understood(element: etree._Element) -> etree._Element:
    """`element` as a consumer of the standard alone reads it (ECMA-376 Part 3)."""
    ignored: set[str] = set()
    for el in element.iter(etree.Element):
        ignored |= _ignorable(el)
    for alternate in list(element.iter(f"{{{MC}}}AlternateContent")):
        parent = alternate.getparent()
        fallback = alternate.find(f"{{{MC}}}Fallback")
        at = parent.index(alternate)
        for child in reversed(list(fallback) if fallback is not None else []):
            parent.insert(at + 1, child)
        parent.remove(alternate)
    for el in list(element.iter(etree.Element)):
        if etree.QName(el).namespace in ignored and el.getparent() is not None:
            el.getparent().remove(el)
            continue
        for name in list(el.attrib):
            if etree.QName(name).namespace in ignored | {MC}:
                del el.attrib[name]
    return element


def schema_errors(data: bytes) -> list[str]:
    """Every schema error in the XML parts of DOCX `data`, as ``part: element path: message``."""
    errors = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if not (name.endswith(".xml") or name.endswith(".rels")):
                continue
            root = _understood(etree.fromstring(package.read(name)))
            namespace = etree.QName(root).namespace or ""
            schema = _schema(namespace)
            if schema is None:
                errors.append(f"{name}: no schema for the root's namespace {namespace!r}")
                continue
            if not schema.validate(etree.ElementTree(root)):
                errors += [f"{name}: {e.path}: {e.message}" for e in schema.error_log]
    return errors


def _project(name: str) -> Path:
    return REPO_ROOT if name == "flagship" else REPO_ROOT / "examples" / name


@pytest.mark.parametrize("name", ["flagship", "insight", "report"])
def test_every_part_is_schema_valid(name: str, tmp_path: Path) -> None:
    require_schemas()
    (path,) = crsreport.build(crsreport.load_report(_project(name)), ["docx"], out_dir=tmp_path)
    assert schema_errors(path.read_bytes()) == []


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_a_new_project_is_schema_valid(product: str, tmp_path: Path) -> None:
    require_schemas()
    from crsreport.scaffold import init_project

    report = init_project(tmp_path / "project", product, today=dt.date(2024, 3, 1))
    out = tmp_path / "out"
    (path,) = crsreport.build(crsreport.load_report(report.parent), ["docx"], out_dir=out)
    assert schema_errors(path.read_bytes()) == []


def test_the_reference_docx_is_schema_valid() -> None:
    require_schemas()
    data = (REPO_ROOT / "templates" / "docx" / "reference.docx").read_bytes()
    assert schema_errors(data) == []


def test_the_check_finds_an_invalid_part() -> None:
    """The check itself: a misplaced element and an unknown one are errors, an ignorable
    extension element is not."""
    require_schemas()
    data = (REPO_ROOT / "templates" / "docx" / "reference.docx").read_bytes()
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = {n: package.read(n) for n in package.namelist()}
    root = etree.fromstring(parts["word/settings.xml"])
    root.append(etree.Element(f"{{{w}}}zoom", {f"{{{w}}}percent": "100"}))  # out of order
    root.append(etree.Element(f"{{{w}}}noSuchSetting"))
    parts["word/settings.xml"] = etree.tostring(root)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    errors = schema_errors(out.getvalue())
    assert errors and all(e.startswith("word/settings.xml:") for e in errors), errors


def test_a_redline_with_tracked_changes_and_moves_is_schema_valid(tmp_path: Path) -> None:
    require_schemas()
    from crsreport.compare import compare

    example = REPO_ROOT / "examples" / "redline"
    report = crsreport.load_report(example / "current")
    (path,), red = compare(report, str(example / "earlier"), ["docx"], tmp_path)
    data = path.read_bytes()
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    assert red.changes and b"<w:ins " in body and b"<w:del " in body
    assert schema_errors(data) == []
