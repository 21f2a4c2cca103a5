"""Hardening: arbitrary and mutated real bytes end in a Scan or a MedgenError, quickly.

Bounded example counts keep this under a minute; each input must finish within a few seconds.
"""

from __future__ import annotations

import io
import time
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medgen.errors import MedgenError
from medgen.imaging import load_scan, load_scans
from medgen.imaging.scan import Scan
from tests.imaging.conftest import data_of

SEEDS = {
    name: data_of(name)
    for name in ("CT_small.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm",
                 "MR_small_jpeg_ls_lossless.dcm", "emri_small.dcm", "SC_rgb_jpeg_dcmtk.dcm")
}
NAMES = st.sampled_from(["x.dcm", "x", "x.png", "x.jpg", "x.tif", "x.zip", "IM0001"])
MAX_SECONDS = 5.0


def _check(data: bytes, name: str) -> None:
    start = time.perf_counter()
    try:
        result = load_scan(data, name, max_bytes=50 * 1024 * 1024)
    except MedgenError as exc:
        assert str(exc)  # a message for the user
    else:
        assert isinstance(result, Scan)
        assert result.pixels.ndim in (2, 3) and result.pixels.size > 0
    assert time.perf_counter() - start < MAX_SECONDS


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), name=NAMES)
def test_random_bytes(data: bytes, name: str) -> None:
    _check(data, name)


@settings(max_examples=60, deadline=None)
@given(prefix=st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"PK\x03\x04",
                               b"\0" * 128 + b"DICM"]), tail=st.binary(max_size=2048))
def test_random_bytes_with_magic(prefix: bytes, tail: bytes) -> None:
    _check(prefix + tail, "x.dcm")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    buf = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "dup", "zero"]))
        pos = draw(st.integers(0, len(buf) - 1))
        if kind == "flip":
            buf[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            buf[pos] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80]))
        elif kind == "cut":
            del buf[pos: pos + draw(st.integers(1, 64))]
        elif kind == "dup":
            buf[pos:pos] = buf[pos: pos + draw(st.integers(1, 64))]
        else:
            buf[pos: pos + 4] = b"\xff\xff\xff\xff"  # often a length field: "huge"
        if not buf:
            break
    return name, bytes(buf)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=mutated())
def test_mutated_real_dicom(item: tuple[str, bytes]) -> None:
    name, data = item
    _check(data, name)


@settings(max_examples=50, deadline=None)
@given(item=mutated(), cut=st.integers(0, 400))
def test_mutated_dicom_inside_zip(item: tuple[str, bytes], cut: int) -> None:
    name, data = item
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
        zf.writestr("b_" + name, SEEDS["CT_small.dcm"])
    raw = buf.getvalue()
    raw = raw[: len(raw) - cut] if cut else raw
    start = time.perf_counter()
    try:
        load_scans([("series.zip", raw)], max_bytes=50 * 1024 * 1024)
    except MedgenError:
        pass
    assert time.perf_counter() - start < MAX_SECONDS
