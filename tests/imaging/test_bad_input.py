"""Bad input: each case ends in a clear MedgenError (and nothing else)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pydicom
import pytest
from pydicom.encaps import encapsulate

from medgen.errors import (
    ArchiveError,
    FileTooLargeError,
    InvalidInputError,
    NoPixelDataError,
    UnsupportedFileError,
    UnsupportedTransferSyntaxError,
)
from medgen.imaging import load_scan, load_scans
from tests.imaging.conftest import ct_series, data_of, to_bytes


def test_non_dicom_bytes_named_dcm() -> None:
    with pytest.raises(UnsupportedFileError, match="not a DICOM file"):
        load_scan(b"Patient list\nDoe, Jane; 1961-02-03\n" * 20, "scan.dcm")


def test_text_named_png() -> None:
    with pytest.raises(UnsupportedFileError, match="named like an image"):
        load_scan(b"hello world" * 10, "photo.png")


def test_empty_file() -> None:
    with pytest.raises(InvalidInputError, match="empty"):
        load_scan(b"", "empty.dcm")


@pytest.mark.parametrize("name", ["CT_small.dcm", "693_UNCR.dcm", "emri_small_jpeg_2k_lossless.dcm"])
def test_truncated_dicom(name: str) -> None:
    data = data_of(name)
    with pytest.raises(InvalidInputError, match="damaged or truncated"):
        load_scan(data[: len(data) * 2 // 3], name)


def test_truncated_real_files_shipped_by_pydicom() -> None:
    for name in ("MR_truncated.dcm", "emri_small_jpeg_2k_lossless_too_short.dcm"):
        with pytest.raises(InvalidInputError, match="damaged or truncated|missing"):
            load_scan(data_of(name), name)


def test_damaged_jpeg_stream() -> None:
    with pytest.raises(InvalidInputError, match="could not be decoded"):
        load_scan(data_of("JPEG-lossy.dcm"), "JPEG-lossy.dcm")


@pytest.mark.parametrize(
    ("name", "what"),
    [("test-SR.dcm", "structured report"), ("reportsi.dcm", "structured report"),
     ("liver.dcm", "segmentation"), ("rtplan.dcm", "radiotherapy plan"),
     ("waveform_ecg.dcm", "waveform")],
)
def test_dicom_without_image(name: str, what: str) -> None:
    with pytest.raises(NoPixelDataError, match=what):
        load_scan(data_of(name), name)


def test_unsupported_transfer_syntax() -> None:
    ds = pydicom.dcmread(io.BytesIO(data_of("MR_small.dcm")))
    ds.file_meta.TransferSyntaxUID = pydicom.uid.MPEG4HP41  # video: no decoder exists
    ds.PixelData = encapsulate([ds.PixelData])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    with pytest.raises(UnsupportedTransferSyntaxError, match="cannot decode"):
        load_scan(to_bytes(ds), "video.dcm")


def test_upload_limit() -> None:
    data = data_of("693_UNCR.dcm")
    with pytest.raises(FileTooLargeError, match="over the upload limit"):
        load_scan(data, "693.dcm", max_bytes=100_000)


def test_upload_limit_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from medgen.config import get_settings

    monkeypatch.setenv("MEDGEN_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    try:
        with pytest.raises(FileTooLargeError, match="1 MB"):
            load_scan(data_of("MR2_UNCR.dcm"), "big.dcm")  # 2 MB
        assert load_scan(data_of("CT_small.dcm"), "small.dcm").shape == (128, 128)
    finally:
        get_settings.cache_clear()


def _zip(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("bad", ["../../etc/passwd.dcm", "/etc/ct.dcm", "a/../../x.dcm", "c:\\x.dcm"])
def test_zip_path_traversal(bad: str) -> None:
    data = _zip([("ok.dcm", data_of("CT_small.dcm")), (bad, data_of("CT_small.dcm"))])
    with pytest.raises(ArchiveError, match="unsafe file path"):
        load_scan(data, "study.zip")


def test_zip_with_thousands_of_entries() -> None:
    data = _zip([(f"f{i}.dcm", b"x") for i in range(2500)], zipfile.ZIP_STORED)
    with pytest.raises(ArchiveError, match="2500 entries"):
        load_scan(data, "many.zip")


def test_zip_decompression_bomb() -> None:
    data = _zip([("bomb.dcm", b"\0" * (64 * 1024 * 1024))])
    assert len(data) < 200_000
    with pytest.raises(ArchiveError, match="decompression bomb"):
        load_scan(data, "bomb.zip")


def test_zip_declared_total_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    from medgen.imaging import archive

    data = _zip([(n, d) for n, d in ct_series(3)])
    with pytest.raises(FileTooLargeError, match="expand"):
        archive.extract_zip(data, "s.zip", max_total_bytes=1_000_000)


def test_nested_and_empty_and_broken_zip() -> None:
    inner = _zip([("a.dcm", data_of("CT_small.dcm"))])
    with pytest.raises(ArchiveError, match="nested|another zip"):
        load_scan(_zip([("inner.zip", inner), ("b.dcm", b"x")]), "outer.zip")
    with pytest.raises(ArchiveError, match="holds no files"):
        load_scan(_zip([("DICOMDIR", b"x")]), "empty.zip")
    good = _zip([("a.dcm", data_of("CT_small.dcm"))])
    with pytest.raises(ArchiveError, match="not a readable zip|damaged"):
        load_scan(good[: len(good) // 2], "cut.zip")


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("w", "h"), [(60_000, 60_000), (12_000, 10_000)])
def test_image_decompression_bomb(w: int, h: int) -> None:
    data = _png_header_only(w, h)
    assert len(data) < 2000
    with pytest.raises(FileTooLargeError, match="decompression bomb"):
        load_scan(data, "bomb.png")


def test_truncated_png() -> None:
    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray((np.arange(256 * 256) % 251).reshape(256, 256).astype("uint8")).save(buf, "PNG")
    data = buf.getvalue()
    with pytest.raises(InvalidInputError, match="damaged or truncated"):
        load_scan(data[: len(data) // 2], "cut.png")


def test_burned_in_annotation_refused() -> None:
    ds = pydicom.dcmread(io.BytesIO(data_of("US1_UNCR.dcm")))
    ds.BurnedInAnnotation = "YES"
    with pytest.raises(InvalidInputError, match="burned-in"):
        load_scan(to_bytes(ds), "us.dcm")


def test_huge_declared_dimensions_refused_before_decoding() -> None:
    ds = pydicom.dcmread(io.BytesIO(data_of("emri_small.dcm")))
    ds.NumberOfFrames = 200_000
    with pytest.raises(FileTooLargeError, match="decodes to"):
        load_scan(to_bytes(ds), "huge.dcm")


def test_no_files() -> None:
    with pytest.raises(InvalidInputError, match="No file"):
        load_scans([])
