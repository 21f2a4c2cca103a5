from __future__ import annotations

import numpy as np
import pytest

from medgen.enhance import metrics, view
from medgen.imaging.window import CT_PRESETS, apply_window


def test_compare_window_is_the_dicom_linear_voi():
    # the Compare page windows with medgen.imaging.window.apply_window (PS3.3 C.11.2.1.2.1):
    # <= c - 0.5 - (w - 1) / 2 -> 0, > c - 0.5 + (w - 1) / 2 -> 255, linear in between
    hu = np.array([[-1000.0, -160.0, 40.0, 240.0, 3000.0]])
    out = apply_window(hu, 40, 400)
    assert out.dtype == np.uint8
    assert out.tolist() == [[0, 0, 127, 255, 255]]
    with pytest.raises(ValueError, match="width"):
        apply_window(hu, 40, 0)
    assert view.PRESETS["Soft tissue"] == (40.0, 400.0)  # the Viewer's presets
    assert {p.name for p in CT_PRESETS} <= set(view.PRESETS)


def test_split_compose_takes_left_then_right():
    a = np.zeros((4, 10), np.uint8)
    b = np.full((4, 10), 200, np.uint8)
    out = view.split_compose(a, b, 0.3)
    assert (out[:, :3] == 0).all() and out[0, 3] == 128 and (out[:, 4:] == 200).all()
    assert (view.split_compose(a, b, 0.0) == 200).all()
    assert (view.split_compose(a, b, 1.0) == 0).all()


def test_roi_stats_and_profile():
    img = np.zeros((20, 20), np.float32)
    img[5:10, 5:10] = 100.0
    s = view.roi_stats(img, 5, 5, 5, 5)
    assert s.mean == 100.0 and s.sd == 0.0 and s.n_pixels == 25
    s2 = view.roi_stats(img, 0, 0, 10, 10)
    assert s2.mean == 25.0 and s2.sd > 0
    assert view.roi_stats(img, 18, 18, 10, 10).n_pixels == 4  # clipped to the image
    assert view.line_profile(img, 7)[6] == 100.0
    with pytest.raises(ValueError):
        view.line_profile(img, 20)


def test_psnr_and_ssim_behave():
    rng = np.random.default_rng(0)
    ref = rng.uniform(-1000, 1000, (64, 64)).astype(np.float32)
    noisy = ref + rng.normal(0, 20, ref.shape)
    noisier = ref + rng.normal(0, 80, ref.shape)
    # 20 HU noise on a 2000 HU range: PSNR = 20 log10(2000 / 20) = 40 dB
    assert metrics.psnr(ref, noisy) == pytest.approx(40.0, abs=0.3)
    assert metrics.psnr(ref, noisier) < metrics.psnr(ref, noisy)
    assert metrics.ssim(ref, ref) == pytest.approx(1.0)
    assert metrics.ssim(ref, noisier) < metrics.ssim(ref, noisy) < 1.0


def test_ssim_matches_scikit_image():
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(1)
    ref = np.cumsum(rng.normal(0, 30, (64, 64)), axis=1).astype(np.float32)
    test = ref + rng.normal(0, 40, ref.shape)
    a, b = metrics.to_unit(ref), metrics.to_unit(test)
    expected = skm.structural_similarity(
        a, b, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert metrics.ssim(ref, test) == pytest.approx(expected, abs=0.01)


def test_gradient_ratio_detects_smoothing():
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(2)
    ref = rng.normal(0, 30, (64, 64)).astype(np.float32)
    assert metrics.gradient_ratio(ref, ref) == pytest.approx(1.0)
    assert metrics.gradient_ratio(ref, gaussian_filter(ref, 2)) < 0.5
    assert metrics.gradient_ratio(ref, ref + rng.normal(0, 60, ref.shape)) > 1.5
