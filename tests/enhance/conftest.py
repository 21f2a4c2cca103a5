"""Fixtures for the enhancement tests: a real CT slice and a tiny built data set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def ct_small() -> tuple[np.ndarray, float]:
    """pydicom's CT_small.dcm (128 x 128, real CT) in HU and its pixel spacing (mm)."""
    from pydicom.data import get_testdata_file

    from medgen.enhance.data import read_dicom_hu

    hu, px = read_dicom_hu(get_testdata_file("CT_small.dcm", download=False))
    return np.maximum(hu[0], -1024.0), px


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory, ct_small: tuple[np.ndarray, float]) -> Path:
    """A built data folder: CT_small halves as train (left 64 columns) and val (right), 64 x 64."""
    from medgen.enhance.data import SourceInfo, Volume, build

    hu, px = ct_small
    crop = hu[32:96]
    train = Volume(
        SourceInfo("tiny-train", "CT_small.dcm left", "MIT", "unknown", "train"),
        crop[None, :, :64].copy(),
        px,
    )
    val = Volume(
        SourceInfo("tiny-val", "CT_small.dcm right", "MIT", "unknown", "val"),
        crop[None, :, 64:].copy(),
        px,
    )
    out = tmp_path_factory.mktemp("ldct")
    build(out, seed=0, volumes=[train, val])
    return out


def scan_from_pydicom(names: list[str]):  # type: ignore[no-untyped-def]
    """A Scan built from real pydicom test CT files (the imaging loader may not be merged yet).

    Only a few de-identified keys are kept in ``meta`` (pseudonymous ids).
    """
    import hashlib

    import pydicom
    from pydicom.data import get_testdata_file

    from medgen.imaging.scan import Scan, SliceGeometry
    from medgen.types import Modality

    slices, geo = [], []
    ds = None
    for name in names:
        ds = pydicom.dcmread(get_testdata_file(name, download=False))
        hu = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        slices.append(hu)
        geo.append(
            SliceGeometry(
                tuple(float(v) for v in ds.ImagePositionPatient),  # type: ignore[arg-type]
                tuple(float(v) for v in ds.ImageOrientationPatient),
                int(ds.InstanceNumber),
            )
        )
    assert ds is not None
    pixels = slices[0] if len(slices) == 1 else np.stack(slices)
    meta = {
        "PatientID": "ANON-0001",
        "PatientName": "Anonymous",
        "StudyInstanceUID": "1.2.826.0.1.3680043.8.498.1",
        "FrameOfReferenceUID": "1.2.826.0.1.3680043.8.498.2",
        "SeriesInstanceUID": "1.2.826.0.1.3680043.8.498.3",
        "StudyDescription": "CT test",
        "BodyPartExamined": "HEAD",
    }
    return Scan(
        pixels=pixels,
        modality=Modality.CT,
        pixel_spacing=(float(ds.PixelSpacing[0]), float(ds.PixelSpacing[1])),
        slice_spacing=None if len(slices) == 1 else 5.0,
        is_hu=True,
        meta=meta,
        content_hash=hashlib.sha256(pixels.tobytes()).hexdigest(),
        geometry=tuple(geo),
        default_window=(40.0, 400.0),
    )
