from __future__ import annotations

import io
import zipfile

import numpy as np
import pydicom
from PIL import Image

from medgen.imaging.export import export_dicom, png_bytes, png_zip
from tests.enhance.conftest import scan_from_pydicom


def test_single_image_round_trip_keeps_geometry_with_new_uids():
    scan = scan_from_pydicom(["CT_small.dcm"])
    enhanced = scan.pixels + 3.0
    data, name = export_dicom(scan, enhanced, "ldct-gan-v1", "ab" * 32)
    assert name.endswith(".dcm")
    ds = pydicom.dcmread(io.BytesIO(data))
    assert list(ds.ImageType) == ["DERIVED", "SECONDARY"]
    assert "ldct-gan-v1" in ds.DerivationDescription
    assert ds.SeriesInstanceUID != scan.meta["SeriesInstanceUID"]
    assert ds.StudyInstanceUID == scan.meta["StudyInstanceUID"]
    assert ds.FrameOfReferenceUID == scan.meta["FrameOfReferenceUID"]
    assert [float(v) for v in ds.PixelSpacing] == list(scan.pixel_spacing)
    assert tuple(float(v) for v in ds.ImagePositionPatient) == scan.geometry[0].position
    assert tuple(float(v) for v in ds.ImageOrientationPatient) == scan.geometry[0].orientation
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_allclose(hu, np.rint(enhanced), atol=0.5)
    # only de-identified meta: the original file's real patient name is not carried over
    orig = pydicom.dcmread(pydicom.data.get_testdata_file("CT_small.dcm", download=False))
    assert str(ds.PatientName) == "Anonymous" != str(orig.PatientName)
    assert "InstitutionName" not in ds


def test_series_zip_has_one_file_per_slice_with_unique_sop_uids():
    scan = scan_from_pydicom(["CT_small.dcm", "CT_small.dcm"])
    data, name = export_dicom(scan, scan.pixels, "m", "0" * 64)
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        dss = [pydicom.dcmread(io.BytesIO(zf.read(n))) for n in sorted(zf.namelist())]
    assert len(dss) == 2
    assert len({d.SOPInstanceUID for d in dss}) == 2
    assert len({d.SeriesInstanceUID for d in dss}) == 1
    assert float(dss[0].SpacingBetweenSlices) == 5.0


def test_png_export():
    hu = np.linspace(-1000, 1000, 64 * 64, dtype=np.float32).reshape(64, 64)
    img = Image.open(io.BytesIO(png_bytes(hu, 0, 2000)))
    arr = np.asarray(img)
    assert img.mode == "L" and arr.shape == (64, 64) and arr.min() == 0 and arr.max() == 255
    small = Image.open(io.BytesIO(png_bytes(np.zeros((512, 300)), 40, 400, max_size=256)))
    assert max(small.size) == 256
    with zipfile.ZipFile(io.BytesIO(png_zip(np.stack([hu, hu]), 40, 400))) as zf:
        assert len(zf.namelist()) == 2
