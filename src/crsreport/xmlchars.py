"""Characters no XML document may hold, removed once from the tree for every renderer.

XML 1.0 allows tab, newline, carriage return and U+0020..U+D7FF, U+E000..U+FFFD,
U+10000..U+10FFFF. Anything else (NUL and other C0 controls, lone surrogates,
U+FFFE, U+FFFF) would make the DOCX unreadable and the HTML invalid, so it is
removed from every text field of every node (a figure's drawn spec and rows too) with
a warning naming where it was.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from .errors import Location, Warnings
from .tree import Document, Node, node_fields

INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def strip_invalid(doc: Document, warnings: Warnings, field: Callable[[str], Location]) -> None:
    """Remove characters XML cannot hold from every node's fields.

    ``field(key)`` locates a report-level field (the title, the authors) for warnings.
    """
    for node in doc.walk():
        for f in node_fields(type(node)):
            if node is doc:
                where = field(f.name)
            elif node.src:
                where = Location(node.src.file, node.src.line)
            else:
                where = field("")
            value = getattr(node, f.name)
            cleaned = _clean(value, where, warnings)
            if cleaned is not value:
                setattr(node, f.name, cleaned)


def _clean(value: Any, where: Location, warnings: Warnings) -> Any:
    """``value`` with invalid characters removed; the same object when it has none."""
    if isinstance(value, str):
        return _text(value, where, warnings) if INVALID.search(value) else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type | Node):
        changes = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            cleaned = _clean(item, where, warnings)
            if cleaned is not item:
                changes[f.name] = cleaned
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, list | tuple):
        items = [_clean(v, where, warnings) for v in value]
        same = all(a is b for a, b in zip(items, value, strict=True))
        return value if same else type(value)(items)
    if isinstance(value, dict):
        pairs = {k: _clean(v, where, warnings) for k, v in value.items()}
        return value if all(pairs[k] is value[k] for k in value) else pairs
    return value


def _text(text: str, where: Location, warnings: Warnings) -> str:
    found = INVALID.findall(text)
    codes = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in found))
    warnings.warn(where, f"removed {len(found)} character(s) no document may hold ({codes})")
    return INVALID.sub("", text)
