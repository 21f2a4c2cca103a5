"""The VAE input guard (issue 10) on real images: held-out CT inside, real MR outside."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from medgen.config import get_settings
from medgen.enhance.vae import GUARD_ID, GuardVerdict, InputGuard, preprocess
from medgen.errors import ModelIntegrityError

pytestmark = pytest.mark.skipif(
    not (get_settings().weights_dir / f"{GUARD_ID}.json").is_file(), reason="no shipped guard"
)


@pytest.fixture(scope="module")
def guard() -> InputGuard:
    return InputGuard()


def _held_out_ct() -> np.ndarray:
    """pydicom-data 693_UNCR.dcm: a CQ500 head CT slice of a TEST patient (never trained on)."""
    from pydicom.data import get_testdata_file

    from medgen.enhance.data import read_dicom_hu

    hu, _ = read_dicom_hu(get_testdata_file("693_UNCR.dcm", download=False))
    return hu[0]


def _real_mr() -> np.ndarray:
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("MR_small.dcm", download=False))
    return ds.pixel_array.astype(np.float32)


def test_preprocess_windows_and_downsamples():
    img = np.full((100, 60), -1000.0, dtype=np.float32)
    img[40:60, 20:40] = 1000.0
    x = preprocess(img)
    assert x.shape == (64, 64) and x.dtype == np.float32
    assert x.min() == 0.0 and 0.9 < x.max() <= 1.0
    assert preprocess(np.full((64, 64), 3000.0)).min() == 1.0  # clipped to the window


def test_real_ct_is_inside_and_real_mr_outside(guard):
    ct = guard.assess(_held_out_ct())
    assert ct.verdict is GuardVerdict.INSIDE, ct
    mr = guard.assess(_real_mr())
    assert mr.verdict is GuardVerdict.OUTSIDE, mr
    assert mr.score > ct.score
    assert "outside what the model was trained on" in mr.message


def test_series_verdict_is_the_median_slice(guard):
    ct, mr = _held_out_ct(), _real_mr()
    mr_big = np.kron(mr, np.ones((8, 8), dtype=np.float32))  # MR at CT matrix size
    res = guard.assess(np.stack([ct, ct, mr_big]))
    assert len(res.slice_scores) == 3 and res.verdict is GuardVerdict.INSIDE
    assert res.slice_scores[2] > res.threshold


def test_enhancer_refuses_outside_and_marks_the_override(guard):
    from medgen.enhance.infer import Enhancer, OutOfDistributionError

    enh = Enhancer("ldct-gan-v2", device="cpu")
    mr = np.kron(_real_mr(), np.ones((4, 4), dtype=np.float32))  # claimed to be CT in HU
    with pytest.raises(OutOfDistributionError, match="outside what the model was trained on"):
        enh.run(mr)
    res = enh.run(mr, allow_mismatch=True)
    assert res.guard is not None and res.guard.verdict is GuardVerdict.OUTSIDE
    assert any("input guard" in w for w in res.warnings)
    ok = enh.run(_held_out_ct())
    assert ok.guard is not None and ok.guard.verdict is GuardVerdict.INSIDE and not ok.warnings


def test_tampered_guard_weights_are_refused(tmp_path: Path):
    root = get_settings().weights_dir
    for suffix in (".json", ".safetensors"):
        shutil.copy(root / f"{GUARD_ID}{suffix}", tmp_path / f"{GUARD_ID}{suffix}")
    p = tmp_path / f"{GUARD_ID}.safetensors"
    data = bytearray(p.read_bytes())
    data[-5] ^= 0x01
    p.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError):
        InputGuard(root=tmp_path)
