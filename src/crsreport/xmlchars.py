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

from pydantic import BaseModel

from .errors import Location, Warnings
from .tree import Node

INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def strip_invalid(doc: Node, warnings: Warnings, field: Callable[[str], Location]) -> None:
    """Remove characters XML cannot hold from every node's text and attributes.

    ``field(key)`` locates a report-level attribute (the title, the authors) for warnings.
    """
    for key, value in doc.attrs.items():
        doc.attrs[key] = _clean(value, field(key), warnings)
    for node in doc.walk():
        if node is doc:
            continue
        where = Location(node.src.file, node.src.line) if node.src else field("")
        node.text = _clean(node.text, where, warnings)
        for key, value in node.attrs.items():
            node.attrs[key] = _clean(value, where, warnings)  # _draw: the spec and rows drawn


def _clean(value: Any, where: Location, warnings: Warnings) -> Any:
    """``value`` with invalid characters removed; the same object when it has none."""
    if isinstance(value, str):
        return _text(value, where, warnings) if INVALID.search(value) else value
    if isinstance(value, BaseModel):
        return _model(value, where, warnings)
    if isinstance(value, list | tuple):
        items = [_clean(v, where, warnings) for v in value]
        same = all(a is b for a, b in zip(items, value, strict=True))
        return value if same else type(value)(items)
    if isinstance(value, dict):
        pairs = {k: _clean(v, where, warnings) for k, v in value.items()}
        return value if all(pairs[k] is value[k] for k in value) else pairs
    return value


def _model(model: BaseModel, where: Location, warnings: Warnings) -> BaseModel:
    """A copy with cleaned fields (not validated again: a title may now be empty)."""
    changes = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        cleaned = _clean(value, where, warnings)
        if cleaned is not value:
            changes[name] = cleaned
    return model.model_copy(update=changes) if changes else model


def _text(text: str, where: Location, warnings: Warnings) -> str:
    found = INVALID.findall(text)
    codes = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in found))
    warnings.warn(where, f"removed {len(found)} character(s) no document may hold ({codes})")
    return INVALID.sub("", text)
