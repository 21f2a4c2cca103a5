"""load_scan / load_scans on real files: pydicom bundled test files and pydicom-data."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.pixels import apply_color_lut

from medgen.errors import InvalidInputError
from medgen.imaging import load_scan, load_scans
from medgen.types import Modality
from tests.imaging.conftest import ct_series, data_of, read


def test_ct_slice_512_is_hounsfield() -> None:
    ds = read("693_UNCR.dcm")
    scan = load_scan(data_of("693_UNCR.dcm"), "693_UNCR.dcm")
    assert scan.shape == (512, 512) and scan.pixels.dtype == np.float32
    assert scan.modality is Modality.CT and scan.is_hu
    expected = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_array_equal(scan.pixels, expected)
    # air outside the head is about -1000 HU, dense bone well above +1000 HU
    assert -1100 < np.median(scan.pixels[:20, 200:300]) < -900 or scan.pixels.min() <= -1000
    assert scan.pixels.max() > 1000
    assert scan.pixel_spacing == pytest.approx((0.478516, 0.478516))
    assert scan.default_window == (40.0, 100.0)
    assert scan.geometry[0].position == pytest.approx((-122.5, -112.4, 47.0))
    assert len(scan.content_hash) == 64


@pytest.mark.parametrize(
    ("compressed", "reference"),
    [
        ("693_J2KR.dcm", "693_UNCR.dcm"),  # JPEG 2000 lossless, 512x512 CT
        ("MR_small_jp2klossless.dcm", "MR_small.dcm"),
        ("MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm"),  # JPEG-LS
        ("MR_small_RLE.dcm", "MR_small.dcm"),  # RLE
        ("MR_small_bigendian.dcm", "MR_small.dcm"),
        ("emri_small_RLE.dcm", "emri_small.dcm"),  # multi-frame RLE
        ("emri_small_jpeg_ls_lossless.dcm", "emri_small.dcm"),
        ("emri_small_jpeg_2k_lossless.dcm", "emri_small.dcm"),
        ("MR2_J2KR.dcm", "MR2_UNCR.dcm"),  # 1024x1024 MR
    ],
)
def test_lossless_transfer_syntaxes_decode_identically(compressed: str, reference: str) -> None:
    a = load_scan(data_of(compressed), compressed)
    b = load_scan(data_of(reference), reference)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.pixels, b.pixels)
    assert a.content_hash == b.content_hash


@pytest.mark.parametrize(
    ("name", "reference"),
    [("693_J2KI.dcm", "693_UNCI.dcm"), ("MR2_J2KI.dcm", "MR2_UNCI.dcm"), ("JPGExtended.dcm", None),
     ("SC_rgb_dcmtk_+eb+cy+np.dcm", None), ("SC_rgb_jpeg_lossy_gdcm.dcm", None), ("JPEG-LL.dcm", "JPEG2000_UNC.dcm")],
)
def test_lossy_and_jpeg_syntaxes_decode(name: str, reference: str | None) -> None:
    scan = load_scan(data_of(name), name)
    assert scan.pixels.ndim == 2 and np.isfinite(scan.pixels).all()
    assert scan.pixels.std() > 1  # a real image, not a blank
    if reference:
        ref = load_scan(data_of(reference), reference)
        diff = np.abs(scan.pixels - ref.pixels)
        assert np.median(diff) <= 0.02 * (ref.pixels.max() - ref.pixels.min())


def test_multiframe_mr_is_3d() -> None:
    scan = load_scan(data_of("emri_small.dcm"), "emri_small.dcm")
    ds = read("emri_small.dcm")
    assert scan.shape == (10, 64, 64) and scan.is_volume and scan.n_slices == 10
    assert scan.modality is Modality.MR and not scan.is_hu
    np.testing.assert_array_equal(scan.pixels, ds.pixel_array.astype(np.float32))
    assert len(scan.geometry) == 10


def test_enhanced_ct_multiframe_gets_hu_from_functional_groups() -> None:
    scan = load_scan(data_of("eCT_Supplemental.dcm"), "eCT_Supplemental.dcm")
    assert scan.shape == (2, 512, 512) and scan.is_hu
    assert scan.pixels.min() >= -1100 and scan.slice_spacing == pytest.approx(10.0)


def test_cr_monochrome1_is_inverted() -> None:
    ds = read("RG1_UNCR.dcm")
    scan = load_scan(data_of("RG1_UNCR.dcm"), "RG1_UNCR.dcm")
    raw = ds.pixel_array.astype(np.float32)
    assert scan.modality is Modality.CR and scan.shape == raw.shape
    np.testing.assert_allclose(scan.pixels, raw.min() + raw.max() - raw)
    assert any("MONOCHROME1" in n for n in scan.header.notes)
    # file window centre mirrored with the pixels
    assert scan.default_window == pytest.approx((raw.min() + raw.max() - 15000, 30000))


def test_palette_ultrasound_becomes_luminance_with_note() -> None:
    ds = read("OBXXXX1A.dcm")
    rgb = apply_color_lut(ds.pixel_array, ds).astype(np.float32)
    scan = load_scan(data_of("OBXXXX1A.dcm"), "OBXXXX1A.dcm")
    assert scan.shape == (600, 800) and scan.modality is Modality.US
    expected = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    np.testing.assert_allclose(scan.pixels, expected, rtol=1e-5)
    assert any("luminance" in n for n in scan.header.notes)


def test_rgb_ultrasound_frame_is_single_channel() -> None:
    scan = load_scan(data_of("US1_UNCR.dcm"), "US1_UNCR.dcm")
    assert scan.pixels.ndim == 2 and scan.shape == (480, 640)
    assert scan.header.notes and "greyscale" in scan.header.notes[0]


def test_dicom_without_preamble_is_read() -> None:
    scan = load_scan(data_of("MR_small_implicit.dcm"), "x")
    assert scan.shape == (64, 64)


def _png_bytes(arr: np.ndarray, fmt: str = "PNG", **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_png_16bit_from_real_ct_roundtrips() -> None:
    raw = read("693_UNCR.dcm").pixel_array.astype(np.int32)
    u16 = (raw - raw.min()).astype(np.uint16)
    scan = load_scan(_png_bytes(u16), "ct.png")
    assert scan.source == "image" and scan.modality is Modality.OT and scan.shape == (512, 512)
    np.testing.assert_array_equal(scan.pixels, u16.astype(np.float32))
    assert scan.header.bits_stored == 16 and scan.header.image_format == "PNG"


def test_png_jpeg_tiff_8bit() -> None:
    raw = read("MR_small.dcm").pixel_array.astype(np.float32)
    u8 = (255 * (raw - raw.min()) / (raw.max() - raw.min())).astype(np.uint8)
    png = load_scan(_png_bytes(u8), "mr.png")
    np.testing.assert_array_equal(png.pixels, u8)
    tif = load_scan(_png_bytes(u8, "TIFF"), "mr.tif")
    np.testing.assert_array_equal(tif.pixels, u8)
    jpg = load_scan(_png_bytes(u8, "JPEG", quality=95), "mr.jpg")
    assert jpg.shape == (64, 64) and np.abs(jpg.pixels - u8).mean() < 4
    assert png.header.bits_stored == 8


def test_tiff_16bit_and_multipage() -> None:
    raw = read("emri_small.dcm").pixel_array.astype(np.uint16)
    pages = [Image.fromarray(f) for f in raw[:4]]
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    scan = load_scan(buf.getvalue(), "stack.tiff")
    assert scan.shape == (4, 64, 64)
    np.testing.assert_array_equal(scan.pixels, raw[:4].astype(np.float32))


def test_colour_png_is_luminance_with_note() -> None:
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[..., 0] = 200
    scan = load_scan(_png_bytes(rgb), "colour.png")
    assert scan.pixels.ndim == 2 and scan.pixels[0, 0] == pytest.approx(200 * 0.299, abs=0.01)
    assert len(scan.header.notes) == 1


def test_series_sorted_by_position_not_instance_number() -> None:
    files = ct_series(6)
    scan = load_scans(files)
    assert scan.shape == (6, 512, 512) and scan.is_hu
    means = [float(scan.pixels[i].mean()) for i in range(6)]
    assert means == sorted(means)  # slice k had +10k added, position z increases with k
    zs = [g.position[2] for g in scan.geometry]
    assert zs == sorted(zs)
    assert scan.slice_spacing == pytest.approx(2.5)
    assert scan.header.n_slices == 6 and len(scan.header.slices) == 6


def test_series_sort_falls_back_to_instance_number() -> None:
    files = []
    for name, data in ct_series(4, shuffle=False):
        ds = pydicom.dcmread(io.BytesIO(data))
        del ds.ImagePositionPatient
        buf = io.BytesIO()
        ds.save_as(buf)
        files.append((name, buf.getvalue()))
    scan = load_scans(files[::-1])
    means = [float(scan.pixels[i].mean()) for i in range(4)]
    # InstanceNumber was n-k, so ascending InstanceNumber is descending k
    assert means == sorted(means, reverse=True)


def test_series_from_zip() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in ct_series(3):
            zf.writestr(f"series/{name}", data)
        zf.writestr("DICOMDIR", b"ignored")
    scan = load_scan(buf.getvalue(), "study.zip")
    assert scan.shape == (3, 512, 512)


def test_mixed_series_refused() -> None:
    a = ct_series(2)
    b = ("mr.dcm", data_of("MR_small.dcm"))
    with pytest.raises(InvalidInputError, match="one series"):
        load_scans([*a, b])


def test_mixed_sizes_refused() -> None:
    files = ct_series(2)
    ds = pydicom.dcmread(io.BytesIO(data_of("CT_small.dcm")))
    ds.SeriesInstanceUID = pydicom.dcmread(io.BytesIO(files[0][1])).SeriesInstanceUID
    buf = io.BytesIO()
    ds.save_as(buf)
    with pytest.raises(InvalidInputError, match="different image sizes"):
        load_scans([*files, ("small.dcm", buf.getvalue())])


def test_duplicate_slice_refused() -> None:
    files = ct_series(2)
    with pytest.raises(InvalidInputError, match="more than once"):
        load_scans([*files, files[0]])


def test_plain_image_cannot_join_a_series() -> None:
    png = _png_bytes(np.zeros((8, 8), np.uint8))
    with pytest.raises(InvalidInputError, match="plain image"):
        load_scans([*ct_series(2), ("x.png", png)])
