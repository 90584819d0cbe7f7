"""docs/architecture.md lists the node types the tree declares (generated, never edited)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "tools" / "architecture_doc.py"


def _tool():
    spec = importlib.util.spec_from_file_location("architecture_doc", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_architecture_page_lists_every_node_type_as_declared():
    tool = _tool()
    page = tool.DOC.read_text(encoding="utf-8")
    assert tool.generated_page(page) == page, "run: .venv/bin/python tools/architecture_doc.py"


def test_the_generated_tables_name_every_node_class():
    from crsreport.tree import NODE_CLASSES

    tables = _tool().node_types()
    assert all(f"| `{kind}` |" in tables for kind in NODE_CLASSES)
