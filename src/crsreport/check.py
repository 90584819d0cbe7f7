"""``make-report --check``: every error a build would report, without drawing or rendering.

The model, prose, data values, cross-references, notes, figure columns and citations are
all checked while the tree is resolved; only figures and outputs are skipped, so the
check is fast enough to run on every save. (Warnings that come from laying out pages,
such as the In Focus page budget, need a build.)
"""

from __future__ import annotations

from collections import Counter

from .errors import Warnings
from .model import Report
from .resolve import resolve
from .tree import Document, Figure


def check(report: Report, *, strict: bool = False) -> Document:
    """Resolve ``report`` as a build would; raise its problems (and, if strict, warnings)."""
    warnings = Warnings(strict=strict)
    doc = resolve(report, warnings)
    warnings.check()
    return doc


def summary(doc: Document) -> str:
    """``IF11415: 3 sections, 1 figure, 0 tables, 0 notes``."""
    kinds = Counter(n.kind for n in doc.walk())
    labels = Counter(n.label for n in doc.walk() if isinstance(n, Figure))
    parts = {
        "section": kinds["section"],
        "figure": labels["Figure"],
        "table": labels["Table"],
        "note": kinds["note_ref"],
    }
    counts = ", ".join(f"{n} {name}{'' if n == 1 else 's'}" for name, n in parts.items())
    return f"{doc.id}: {counts}"
