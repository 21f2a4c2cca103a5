"""Image-quality metrics for CT denoising, on HU arrays.

PSNR and SSIM are computed after mapping the HU window [-1000, 1000] linearly to [0, 1]
(values outside clipped): the convention of the benchmark and the model cards.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: HU window mapped to [0, 1] before PSNR / SSIM.
METRIC_WINDOW: tuple[float, float] = (-1000.0, 1000.0)


def to_unit(hu: np.ndarray, window: tuple[float, float] = METRIC_WINDOW) -> np.ndarray:
    lo, hi = window
    return np.clip((np.asarray(hu, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)


def psnr(
    ref_hu: np.ndarray, test_hu: np.ndarray, window: tuple[float, float] = METRIC_WINDOW
) -> float:
    """Peak signal-to-noise ratio in dB (data range 1 after windowing)."""
    a, b = to_unit(ref_hu, window), to_unit(test_hu, window)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else float(10.0 * np.log10(1.0 / mse))


def ssim(
    ref_hu: np.ndarray, test_hu: np.ndarray, window: tuple[float, float] = METRIC_WINDOW
) -> float:
    """Mean SSIM (Wang et al. 2004: Gaussian window sigma 1.5, K1 0.01, K2 0.03, data range 1)."""
    a, b = to_unit(ref_hu, window), to_unit(test_hu, window)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"expected two 2-D arrays of the same shape, got {a.shape} and {b.shape}")
    c1, c2 = 0.01**2, 0.03**2

    def blur(x: np.ndarray) -> np.ndarray:
        return ndimage.gaussian_filter(x, 1.5, truncate=3.5)

    mu_a, mu_b = blur(a), blur(b)
    va = blur(a * a) - mu_a**2
    vb = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (va + vb + c2))
    pad = 5  # ignore the border where the filter runs off the image
    return float(s[pad:-pad, pad:-pad].mean())


def mean_gradient(hu: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean gradient magnitude (HU / pixel, central differences), optionally inside ``mask``."""
    gy, gx = np.gradient(np.asarray(hu, dtype=np.float64))
    g = np.hypot(gx, gy)
    return float(g[mask].mean() if mask is not None else g.mean())


def gradient_ratio(ref_hu: np.ndarray, test_hu: np.ndarray) -> float:
    """Texture measure: mean gradient magnitude of ``test`` / that of the full-dose ``ref`` over the body.

    1.0 = same texture as full dose; < 1 = over-smoothed; > 1 = noisier. The body is where the
    reference exceeds -500 HU (air is excluded so a flat background does not dilute the ratio).
    """
    mask = np.asarray(ref_hu) > -500
    if not mask.any():
        mask = np.ones_like(mask, dtype=bool)
    return mean_gradient(test_hu, mask) / max(mean_gradient(ref_hu, mask), 1e-9)
