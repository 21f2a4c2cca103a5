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


#: A real CT series in pydicom's test data: 5 axial 16x16 slices, 2.5 mm apart, one series.
CT_SERIES = ("2062", "2392", "2693", "3023", "3353")


def scan_from_pydicom(names: list[str] | tuple[str, ...]):  # type: ignore[no-untyped-def]
    """A Scan read by the real loader from real pydicom test files (several names: one series)."""
    from pydicom.data import get_testdata_file

    from medgen.imaging import load_scans

    files = [(n, Path(str(get_testdata_file(n, download=False))).read_bytes()) for n in names]
    return load_scans(files)
