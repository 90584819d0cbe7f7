"""Characters no XML document may hold, removed once from the tree for every renderer.

XML 1.0 allows tab, newline, carriage return and U+0020..U+D7FF, U+E000..U+FFFD,
U+10000..U+10FFFF. Anything else (NUL and other C0 controls, lone surrogates,
U+FFFE, U+FFFF) would make the DOCX unreadable and the HTML invalid, so it is
removed from text and attributes with a warning naming where it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import Location, Warnings
from .tree import Node

INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def strip_invalid(doc: Node, warnings: Warnings, field: Callable[[str], Location]) -> None:
    """Remove characters XML cannot hold from every node's text and public attributes.

    ``field(key)`` locates a report-level attribute (the title, the authors) for warnings.
    """
    for key, value in doc.attrs.items():
        doc.attrs[key] = _value(value, field(key), warnings)
    for node in doc.walk():
        if node is doc:
            continue
        where = Location(node.src.file, node.src.line) if node.src else field("")
        if INVALID.search(node.text):
            node.text = _clean(node.text, where, warnings)
        for key, value in node.attrs.items():
            if not key.startswith("_"):
                node.attrs[key] = _value(value, where, warnings)
        if "_draw" in node.attrs:
            node.attrs["_draw"] = _drawing(*node.attrs["_draw"], where, warnings)


def _drawing(spec: Any, data: Any, where: Location, warnings: Warnings) -> tuple[Any, Any]:
    """A figure's spec and rows as drawn (matplotlib copies labels into the SVG)."""
    dumped = spec.model_dump()
    cleaned = _value(dumped, where, warnings)
    if cleaned != dumped:
        spec = type(spec).model_validate(cleaned)
    data.rows = _value(data.rows, where, warnings)
    data.overlays = _value(data.overlays, where, warnings)
    return spec, data


def _value(value: Any, where: Location, warnings: Warnings) -> Any:
    if isinstance(value, str):
        return _clean(value, where, warnings) if INVALID.search(value) else value
    if isinstance(value, list | tuple):
        return type(value)(_value(v, where, warnings) for v in value)
    if isinstance(value, dict):
        return {k: _value(v, where, warnings) for k, v in value.items()}
    return value


def _clean(text: str, where: Location, warnings: Warnings) -> str:
    found = INVALID.findall(text)
    codes = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in found))
    warnings.warn(where, f"removed {len(found)} character(s) no document may hold ({codes})")
    return INVALID.sub("", text)
