"""JSON renderer: the resolved document tree for tools in any language.

Each node is written from the fields its class declares (``tree.to_dict``), and the JSON
Schema (``make-report --schema document``) is generated from the same classes, so the
output, the schema and the contract cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, Literal

from .. import tree
from ..tree import Document, Element, Node, node_fields
from . import RenderContext

FORMAT_NAME = "crsreport-document"
FORMAT_VERSION = 3
"""3: a drawn figure carries its rows and its SVG/PNG files, a figure's title, unit, source
and notes are ``inlines`` nodes and its lettered notes ``lettered_note`` nodes (2 had plain
strings); 2: one object per node with its class's fields (1 had ``text`` and free
``attrs``)."""
FIGURE_FOLDER = ".cache/figures"
"""Where a build keeps drawn figures, relative to the output folder (and the JSON file)."""
FIGURE_FILES = ("svg", "png")


def render(doc: Document, ctx: RenderContext) -> bytes:
    """The tree as UTF-8 JSON: numbers, cross-references and notes already resolved."""
    value = envelope(doc, FIGURE_FOLDER)
    return (json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode()


def envelope(doc: Document, figures: str | None = None) -> dict[str, Any]:
    """The JSON value written: format name and version around the tree; with ``figures``
    (a folder relative to the JSON file), each drawing names its drawn files there."""
    value = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "document": tree.to_dict(doc)}
    if figures is not None:
        _name_files(value["document"], figures)
    return value


def _name_files(node: dict[str, Any], folder: str) -> None:
    """Add ``files`` (format -> path) to every drawing under ``node``."""
    drawing = node.get("drawing") if node.get("kind") == "figure" else None
    if drawing:
        stem = f"{folder}/{node['id']}-{drawing['key']}"
        drawing["files"] = {fmt: f"{stem}.{fmt}" for fmt in FIGURE_FILES}
    for child in node.get("children", []):
        _name_files(child, folder)


def schema() -> dict[str, Any]:
    """The JSON Schema of the output, generated from the node classes."""
    kinds = list(tree.NODE_CLASSES)
    defs: dict[str, Any] = {
        "node": {  # dispatch on kind first: a wrong branch is never validated deeply
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"enum": kinds}},
            "allOf": [
                {"if": {"properties": {"kind": {"const": k}}}, "then": {"$ref": f"#/$defs/{k}"}}
                for k in kinds
            ],
        }
    }
    defs["source"] = _record(tree.Source, "Where a node came from: a project file and line.")
    for kind, cls in tree.NODE_CLASSES.items():
        defs[kind] = _node_schema(cls)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:crsreport:schema:document:{FORMAT_VERSION}",
        "title": "crsreport document tree",
        "description": (
            "What `make-report --format json` writes: one CRS product resolved into a "
            "format-neutral tree. Numbers (figures, tables, notes, appendix letters), "
            "cross-reference texts and note texts are already fixed; a consumer only walks "
            "and prints. Every node has `kind`, the fields of its type, `src`, and (for "
            "nodes that hold others) `children`. Generated from crsreport's node classes."
        ),
        "type": "object",
        "required": ["format", "version", "document"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT_NAME},
            "version": {"const": FORMAT_VERSION},
            "document": {"$ref": "#/$defs/document"},
        },
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as printed by ``make-report --schema document``."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def _node_schema(cls: type[Node]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props: dict[str, Any] = {"kind": {"const": cls.kind}}
    for f in node_fields(cls):
        props[f.name] = _type_schema(hints[f.name], f.name)
    props["src"] = {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/source"}]}
    if issubclass(cls, Element):
        props["children"] = {"type": "array", "items": {"$ref": "#/$defs/node"}}
    out: dict[str, Any] = {
        "type": "object",
        "description": _describe(cls),
        "required": list(props),
        "additionalProperties": False,
        "properties": props,
    }
    return out


def _describe(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    kind = "inline" if getattr(cls, "inline", False) else "block"
    return f"({kind}) {doc}" if doc and not doc.startswith(cls.__name__ + "(") else f"({kind})"


def _type_schema(hint: Any, name: str) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if isinstance(hint, type) and issubclass(hint, Node):
        return {"$ref": f"#/$defs/{hint.kind}"}
    if hint is tree.Drawing:
        files = {fmt: {"type": "string"} for fmt in FIGURE_FILES}
        return {
            "type": "object",
            "description": "A drawn figure: its kind, the cache key of its picture, the data "
            "rows it draws (after where/start/end), and its drawn files (paths relative to "
            "the JSON file).",
            "required": ["figure_kind", "key", "rows"],
            "additionalProperties": False,
            "properties": {
                "figure_kind": {"type": "string"},
                "key": {"type": "string"},
                "rows": {"type": "array", "items": {"type": "object"}},
                "files": {"type": "object", "properties": files, "additionalProperties": False},
            },
        }
    if origin in (types.UnionType, typing.Union):
        return {"anyOf": [_type_schema(a, name) for a in args]}
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0], name)}
    if origin is dict:
        return {"type": "object"}
    if origin is Literal:
        return {"enum": list(args)}
    if dataclasses.is_dataclass(hint):
        return _record(hint, _describe(hint))
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"no JSON Schema for field '{name}' of type {hint!r}")


def _record(cls: type, description: str) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    return {
        "type": "object",
        "description": description,
        "required": names,
        "additionalProperties": False,
        "properties": {n: _type_schema(hints[n], n) for n in names},
    }
