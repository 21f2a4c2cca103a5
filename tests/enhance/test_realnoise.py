"""No-reference measures on synthetic images whose answer is known analytically."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from scipy.special import ndtr

from medgen.enhance import realnoise as rn

PX = 0.8  # mm


def phantom(n: int = 256, sigma_px: float = 1.5, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A 40 HU disk (radius 100 px) in -1000 HU air, with a 1000 HU bone disk (radius 20 px)
    inside; every edge is an exact Gaussian-blurred step of SD ``sigma_px``."""
    r = np.hypot(*np.mgrid[0:n, 0:n] - (n - 1) / 2.0)
    rb = np.hypot(*(np.mgrid[0:n, 0:n] - np.array([n / 2 + 40, n / 2])[:, None, None]))
    img = -1000.0 + 1040.0 * ndtr((100.0 - r) / sigma_px) + 960.0 * ndtr((20.0 - rb) / sigma_px)
    if noise:
        img = img + np.random.default_rng(seed).normal(0, noise, img.shape)
    return img.astype(np.float32)


def test_white_noise_sd_and_nps_mean_frequency():
    rng = np.random.default_rng(1)
    img = (40 + rng.normal(0, 30, (4, 256, 256))).astype(np.float32)
    rois = [rn.Roi(z, r, c, 64) for z in range(4) for r in (0, 64, 128) for c in (0, 64, 128)]
    st = rn.noise_stats(img, rois, PX)
    assert st.sd_hu == pytest.approx(30, rel=0.03)
    assert st.mean_hu == pytest.approx(40, abs=2)
    # flat NPS over the Nyquist square: mean |f| = (sqrt(2) + asinh(1)) / 3 * f_Nyquist
    nyq = 0.5 / PX
    assert st.nps_mean_freq == pytest.approx((np.sqrt(2) + np.arcsinh(1)) / 3 * nyq, rel=0.03)
    # Parseval: the NPS integrates to the variance
    nps, fx, fy = rn.nps_2d([rois[0].take(img)], PX)
    df = fx[1] - fx[0]
    assert nps.sum() * df * df == pytest.approx(rn.detrend(rois[0].take(img)).var(), rel=1e-6)


def test_low_pass_noise_has_the_analytic_mean_frequency():
    """Gaussian-filtered white noise: NPS ~ exp(-4 pi^2 s^2 f^2) -> mean |f| = 1 / (4 sqrt(pi) s)."""
    s = 2.0  # px
    rng = np.random.default_rng(2)
    img = np.stack([ndimage.gaussian_filter(rng.normal(0, 100, (256, 256)), s) for _ in range(4)])
    rois = [rn.Roi(z, r, c, 64) for z in range(4) for r in (16, 96, 176) for c in (16, 96, 176)]
    low = rn.noise_stats(img, rois, PX)
    expected = 1.0 / (4.0 * np.sqrt(np.pi) * s) / PX  # cycles/mm
    assert low.nps_mean_freq == pytest.approx(expected, rel=0.12)
    white = rn.noise_stats(rng.normal(0, 100, img.shape), rois, PX)
    assert low.nps_mean_freq / white.nps_mean_freq < 0.35
    assert white.nps_peak_freq > low.nps_peak_freq


def test_detrend_removes_a_plane_exactly():
    r, c = np.mgrid[0:32, 0:32]
    plane = 5.0 + 2.0 * r - 3.0 * c
    assert np.abs(rn.detrend(plane)).max() < 1e-9


@pytest.mark.parametrize("sigma_px", [1.0, 2.0])
def test_edge_rise_of_a_blurred_step_is_2_563_sigma(sigma_px: float):
    img = phantom(sigma_px=sigma_px, noise=20.0)
    expected = 2.0 * 1.2816 * sigma_px * PX
    for kind in rn.EDGE_KINDS:
        edges = rn.find_edges(img, PX, kind)
        assert len(edges) > 50, kind
        st = rn.edge_rise(img, edges, PX)
        assert st.rise_10_90_mm == pytest.approx(expected, rel=0.12), kind


def test_blurring_the_output_raises_the_edge_ratio_and_lowers_nps_frequency():
    inp = phantom(sigma_px=1.0, noise=30.0, seed=3)[None]
    inp = np.concatenate([inp, phantom(sigma_px=1.0, noise=30.0, seed=4)[None]])
    out = np.stack([ndimage.gaussian_filter(s, 1.5) for s in inp])
    cmp = rn.compare(inp, out, PX)
    assert cmp.noise_in.n_rois >= 4
    assert cmp.noise_in.sd_hu == pytest.approx(30, rel=0.1)
    assert cmp.sd_reduction > 0.7
    assert cmp.nps_mean_freq_ratio < 0.5
    assert abs(cmp.hu_bias) < 3
    # blur: sqrt(1 + 1.5^2) / 1 = 1.8x the 10-90 distance
    assert cmp.edge_ratio() == pytest.approx(np.sqrt(1 + 1.5**2), rel=0.15)
    same = rn.compare(inp, inp.copy(), PX)
    assert same.sd_reduction == pytest.approx(0, abs=1e-9)
    assert same.nps_mean_freq_ratio == pytest.approx(1)
    assert same.edge_ratio() == pytest.approx(1)


def test_rois_avoid_structure_and_stay_in_soft_tissue():
    rng = np.random.default_rng(5)
    img = phantom(sigma_px=1.0)
    r, c = np.mgrid[0:256, 0:256]
    stripes = (c < 128) & (np.hypot(r - 127.5, c - 127.5) < 95)
    img = np.where(stripes, img + 300.0 * (np.sin(c / 3.0) > 0), img)
    img = img + rng.normal(0, 20, img.shape).astype(np.float32)
    rois = rn.find_uniform_rois(img, PX, size=24)
    assert rois
    for roi in rois:
        assert roi.col >= 128  # never on the striped half
        assert -20 <= roi.take(img[None]).mean() <= 120
        # not on the bone disk (centre row 168, radius 20)
        rr, cc = roi.row + 12, roi.col + 12
        assert np.hypot(rr - 168, cc - 128) > 20 + 12
    # a slice of air only has none
    assert rn.find_uniform_rois(np.full((128, 128), -1000.0), PX) == []
    with pytest.raises(ValueError, match="no uniform ROI"):
        rn.noise_stats(np.zeros((64, 64)), [], PX)


def test_bench_strength_blend_scales_the_removed_noise():
    from bench.enhance import blend

    rng = np.random.default_rng(7)
    clean = phantom(sigma_px=1.0)
    noisy = clean + rng.normal(0, 40, clean.shape).astype(np.float32)
    np.testing.assert_array_equal(blend(noisy, clean, 0.0), noisy)
    np.testing.assert_allclose(blend(noisy, clean, 1.0), clean, atol=1e-3)
    half = blend(noisy, clean, 0.5)
    assert np.std(half - clean) == pytest.approx(20, rel=0.05)
    with pytest.raises(ValueError, match="strength"):
        blend(noisy, clean, 1.5)
