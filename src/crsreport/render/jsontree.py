"""JSON renderer: the resolved document tree for tools in any language.

The output validates against ``templates/schema/document.schema.json``
(``make-report --schema document`` prints it).
"""

from __future__ import annotations

import json
from typing import Any

from ..resources import templates_dir
from ..tree import Node
from . import RenderContext

FORMAT_NAME = "crsreport-document"
FORMAT_VERSION = 1


def render(doc: Node, ctx: RenderContext) -> bytes:
    """The tree as UTF-8 JSON: numbers, cross-references and notes already resolved."""
    return (
        json.dumps(envelope(doc), ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    ).encode()


def envelope(doc: Node) -> dict[str, Any]:
    """The JSON value written: format name and version around the tree."""
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "document": doc.to_dict()}


def schema_text() -> str:
    """The published JSON Schema of the output, as shipped."""
    return (templates_dir() / "schema" / "document.schema.json").read_text(encoding="utf-8")
