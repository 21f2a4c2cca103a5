"""The guard's metal/streak term (medgen.enhance.streaks): the detector on phantoms and on real
CT, and the simulator of the validation artefacts."""

from __future__ import annotations

import numpy as np
import pytest

from medgen.enhance.streaks import (
    GRID,
    simulate_metal_artefact,
    streak_feature,
    streak_maps,
)


def _phantom(rng: np.random.Generator, noise: float = 20.0) -> np.ndarray:
    """A 256 x 256 water ellipse (40 HU) in air with white noise and a few soft-tissue blobs."""
    yy, xx = np.mgrid[:GRID, :GRID]
    img = np.full((GRID, GRID), -1000.0, dtype=np.float32)
    body = ((yy - 128) / 100.0) ** 2 + ((xx - 128) / 115.0) ** 2 <= 1
    img[body] = 40.0
    for cy, cx, r, v in ((100, 90, 18, -80.0), (150, 170, 22, 70.0), (130, 128, 10, 1200.0)):
        img[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = v  # fat, organ, a dense bone
    return img + rng.normal(0, noise, img.shape).astype(np.float32) * body


def _with_streaks(img: np.ndarray, amp: float, n_lines: int = 45) -> np.ndarray:
    """Straight bright / dark bands (3 px wide) radiating through one point at every 4 degrees,
    as the rays through a metal implant do."""
    yy, xx = np.mgrid[:GRID, :GRID]
    out = img.copy()
    body = img > -500
    for k in range(n_lines):
        a = np.pi * k / n_lines
        d = np.abs((xx - 140) * np.sin(a) - (yy - 120) * np.cos(a))
        out[(d < 1.5) & body] += amp if k % 2 else -amp
    return out


def test_detector_scores_straight_bands_far_above_noise_and_anatomy():
    rng = np.random.default_rng(0)
    clean = _phantom(rng)
    quiet = streak_feature(clean)
    assert quiet < 15.0  # noise averages out along long lines
    noisy = streak_feature(_phantom(rng, noise=80.0))  # a low-dose / sharp-kernel scan
    assert noisy < 25.0
    streaky = streak_feature(_with_streaks(clean, 150.0))
    assert streaky > 3 * max(quiet, noisy)
    assert streak_feature(_with_streaks(clean, 150.0, n_lines=12)) < streaky  # fewer bands, less
    # stronger bands, larger feature (monotone in the streak amplitude)
    assert streak_feature(_with_streaks(clean, 300.0)) > streaky


def test_detector_masks_dense_bone_air_and_edges():
    rng = np.random.default_rng(1)
    img = _phantom(rng)
    m = streak_maps(img)
    assert m["mask"].shape == (GRID, GRID)
    yy, xx = np.mgrid[:GRID, :GRID]
    bone = (yy - 130) ** 2 + (xx - 128) ** 2 <= 10**2
    assert not m["mask"][bone].any()  # the dense blob and its rim do not count
    assert not m["mask"][img < -500].any()  # neither does air
    # a long straight organ edge (a half-plane of +100 HU) is not a streak
    edge = img.copy()
    edge[(xx > 128) & (img > -500)] += 100.0
    assert streak_feature(edge) < 15.0
    # too little body: 0
    assert streak_feature(np.full((64, 64), -1000.0, dtype=np.float32)) == 0.0


def test_simulator_adds_metal_and_streaks_at_the_slices_own_size(ct_small):
    hu, _ = ct_small
    rng = np.random.default_rng(3)
    out, p = simulate_metal_artefact(hu, rng, kind="hip", material="steel")
    assert out.shape == hu.shape and out.dtype == np.float32
    assert p["kind"] == "hip" and p["material"] == "steel" and p["metal_fraction"] > 0
    assert out.max() >= 3071.0  # steel reads beyond the 12-bit range, stored clipped (or extended)
    diff = np.abs(out - hu)[hu > -500]
    assert np.median(diff) > 20.0  # the artefacts reach the whole body, not just the implant
    with pytest.raises(ValueError):
        simulate_metal_artefact(np.zeros((10, 12), dtype=np.float32), rng)
