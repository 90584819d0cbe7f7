"""WeasyPrint as crsreport imports it (``render/weasy.py``): fixed-length cffi arrays made
without a C parse per length, the same values and the same PDF bytes as cffi's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crsreport.render.weasy import quick_arrays

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def ffi():
    """WeasyPrint's own ffi, with the quick arrays (as every crsreport process has it)."""
    from weasyprint.text.ffi import ffi

    assert getattr(ffi.new, "crsreport_quick", False)
    return ffi


@pytest.mark.parametrize(
    ("cdecl", "init"),
    [
        ("hb_codepoint_t[3]", [7, 1, 65535]),
        ("hb_tag_t[100]", None),
        ("char[4]", None),
        ("char[6]", b"abc"),
        ("unsigned int[2]", [4]),
        ("hb_codepoint_t[0]", []),
    ],
)
def test_a_quick_array_holds_what_cffi_s_own_holds(ffi, cdecl, init):
    own = type(ffi).new(ffi, cdecl, init)  # the class's method: cffi's own parse
    quick = ffi.new(cdecl, init)
    assert len(quick) == len(own) and ffi.sizeof(quick) == ffi.sizeof(own)
    assert list(quick) == list(own)


def test_other_types_and_overlong_values_go_to_cffi(ffi):
    assert ffi.typeof(ffi.new("unsigned int *", 5)) == ffi.typeof("unsigned int *")
    with pytest.raises(IndexError):
        ffi.new("hb_codepoint_t[2]", [1, 2, 3])


def test_installing_twice_keeps_one_wrapper(ffi):
    wrapper = ffi.new
    quick_arrays(ffi)
    assert ffi.new is wrapper


RENDER = """
import hashlib, sys, tempfile
import crsreport
import crsreport.render.weasy
from weasyprint.text.ffi import ffi
if sys.argv[1] == "own":
    del ffi.new  # cffi's own method again
    assert not getattr(ffi.new, "crsreport_quick", False)
out = tempfile.mkdtemp()
paths = crsreport.build(crsreport.load_report(sys.argv[2]), ["pdf"], out, jobs=1)
print(hashlib.sha256(paths[0].read_bytes()).hexdigest())
"""


@pytest.mark.e2e
def test_the_pdf_is_the_same_bytes_as_with_cffi_s_own_arrays():
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    digests = []
    for way in ("own", "quick"):
        done = subprocess.run(
            [sys.executable, "-c", RENDER, way, str(ROOT)],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip())
    assert digests[0] == digests[1] and len(digests[0]) == 64


def test_an_ffi_that_takes_no_attributes_is_left_as_it_is():
    class Compiled:  # like cffi's out-of-line FFI objects: no instance attributes
        __slots__ = ()

        def new(self, cdecl, init=None):
            return (cdecl, init)

    ffi = Compiled()
    quick_arrays(ffi)
    assert ffi.new("int[3]") == ("int[3]", None)
