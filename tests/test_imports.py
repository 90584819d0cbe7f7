"""``import crsreport`` stays light: heavy renderers and plotting load only when used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e

HEAVY = ("weasyprint", "matplotlib", "docx")

PROBE = """
import json, sys
import crsreport
from crsreport import Report, ReportError, build, load_report, resolve
from crsreport.render import FORMATS
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print(json.dumps({{"loaded": loaded, "formats": sorted(FORMATS)}}))
"""


def probe(code: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_import_crsreport_loads_no_heavy_module():
    found = probe(PROBE.format(heavy=set(HEAVY)))
    assert found["loaded"] == []
    assert {"html", "pdf"} <= set(found["formats"])


def test_the_probe_does_see_a_heavy_import():
    """Guard against a probe that could never fail: importing a renderer is noticed."""
    code = PROBE.replace("import crsreport\n", "import crsreport\nimport crsreport.render.pdf\n")
    found = probe(code.format(heavy=set(HEAVY)))
    assert found["loaded"] == []  # the PDF module itself imports WeasyPrint lazily too
    code = PROBE.replace("import crsreport\n", "import crsreport\nimport weasyprint\n")
    found = probe(code.format(heavy=set(HEAVY)))
    assert "weasyprint" in found["loaded"]


def test_api_names_stay_functions_after_their_submodules_are_imported():
    code = """
import json
import crsreport.build, crsreport.check, crsreport.resolve
import crsreport
print(json.dumps([callable(crsreport.build), callable(crsreport.check),
                  callable(crsreport.resolve), crsreport.build.__module__]))
"""
    assert probe(code) == [True, True, True, "crsreport.build"]


SPAWNS = """
import json, subprocess, sys
runs = []
init = subprocess.Popen.__init__
subprocess.Popen.__init__ = lambda self, cmd, *a, **k: runs.append(cmd) or init(self, cmd, *a, **k)
import {module}
print(json.dumps({{"runs": len(runs), "loaded": "weasyprint.text.ffi" in sys.modules}}))
"""


def test_weasyprint_is_imported_without_running_a_library_search():
    """WeasyPrint's guesses at library names make ctypes run gcc/ld/ldconfig (CPU in
    every PDF build); crsreport.render.weasy imports it without those runs."""
    plain = probe(SPAWNS.format(module="weasyprint"))
    assert plain["loaded"] and plain["runs"] > 0  # the search that is avoided is real
    ours = probe(SPAWNS.format(module="crsreport.render.weasy"))
    assert ours == {"runs": 0, "loaded": True}
