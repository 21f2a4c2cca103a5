"""Real DICOM test data (pydicom bundled files and the pydicom-data package), never downloaded."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset


def path_of(name: str) -> Path:
    p = get_testdata_file(name, download=False)
    assert p, f"test file {name} missing (pydicom / pydicom-data not installed?)"
    return Path(str(p))


def data_of(name: str) -> bytes:
    return path_of(name).read_bytes()


def read(name: str) -> Dataset:
    return pydicom.dcmread(path_of(name))


def to_bytes(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def ct_series(n: int, *, spacing: float = 2.5, shuffle: bool = True) -> list[tuple[str, bytes]]:
    """``n`` slices built from the real 512x512 CT 693_UNCR: distinct positions along the normal,
    one SOP instance each, pixel values offset by +k*10 so that the order can be checked.

    (There is no real multi-slice CT series in the offline test data; see README.)
    """
    import numpy as np

    base = read("693_UNCR.dcm")
    raw = base.pixel_array.astype(np.int32)
    out = []
    for k in range(n):
        ds = copy.deepcopy(base)
        x, y, z = (float(v) for v in base.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y, z + k * spacing]
        ds.InstanceNumber = n - k  # deliberately reversed: position must win
        ds.SOPInstanceUID = f"{base.SOPInstanceUID}.{k + 1}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        info = np.iinfo(base.pixel_array.dtype)
        arr = np.clip(raw + k * 10, info.min, info.max).astype(base.pixel_array.dtype)
        ds.PixelData = arr.tobytes()
        out.append((f"slice_{k:03d}.dcm", to_bytes(ds)))
    if shuffle:
        import random

        random.Random(0).shuffle(out)
    return out


@pytest.fixture
def salt() -> bytes:
    return b"\x01" * 32
