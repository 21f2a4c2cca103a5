"""No-reference image checks for site adaptation: uniform-ROI noise SD, HU bias, edge sharpness, NPS.

Minimal internal versions used by :mod:`medgen.enhance.adapt` for its validation checks.

TODO(lead, after merging the ``ldct`` branch): replace these by ``medgen.enhance.realnoise``
(automatic uniform ROIs, detrended 2-D NPS, 10-90 % edge rise), which measures the same things
more carefully; the check thresholds in :mod:`medgen.enhance.adapt` stay as they are.

All functions take HU arrays. ROIs and edge locations are found on the *input* (noisy) slice and
then measured on every candidate output at the same places, so base and adapted models are
compared on identical pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: ROI side (pixels) for noise measurements.
ROI_SIZE = 16
#: Soft-tissue range (HU, smoothed mean) a uniform ROI must lie in.
SOFT_TISSUE_HU: tuple[float, float] = (-150.0, 200.0)


@dataclass(frozen=True)
class Roi:
    row: int
    col: int
    size: int

    def take(self, img: np.ndarray) -> np.ndarray:
        return img[self.row : self.row + self.size, self.col : self.col + self.size]


@dataclass(frozen=True)
class SliceMeasure:
    """Where to measure on one slice: uniform ROIs and strong-edge pixels (found on the input)."""

    rois: tuple[Roi, ...]
    edges: np.ndarray  # bool mask


def _detrend(patch: np.ndarray) -> np.ndarray:
    """Remove the best-fitting plane (slow anatomy gradients are not noise)."""
    p = np.asarray(patch, dtype=np.float64)
    n, m = p.shape
    yy, xx = np.mgrid[0:n, 0:m]
    a = np.column_stack([np.ones(p.size), yy.ravel(), xx.ravel()])
    coef, *_ = np.linalg.lstsq(a, p.ravel(), rcond=None)
    return p - (a @ coef).reshape(n, m)


def find_measure(hu: np.ndarray, size: int = ROI_SIZE, max_rois: int = 24) -> SliceMeasure:
    """Uniform soft-tissue ROIs (least structure first) and strong edges of a noisy slice."""
    img = np.asarray(hu, dtype=np.float64)
    smooth = ndimage.gaussian_filter(img, 2.0)
    gy, gx = np.gradient(smooth)
    grad = np.hypot(gx, gy)
    body = ndimage.binary_erosion(smooth > -500, iterations=4)
    cand: list[tuple[float, Roi]] = []
    lo, hi = SOFT_TISSUE_HU
    for r in range(0, img.shape[0] - size + 1, size // 2):
        for c in range(0, img.shape[1] - size + 1, size // 2):
            if not body[r : r + size, c : c + size].all():
                continue
            m = smooth[r : r + size, c : c + size].mean()
            if not lo <= m <= hi:
                continue
            cand.append((float(grad[r : r + size, c : c + size].mean()), Roi(r, c, size)))
    cand.sort(key=lambda t: t[0])
    keep = max(1, len(cand) // 3) if cand else 0
    rois = tuple(roi for _, roi in cand[: min(keep, max_rois)])
    bg = grad[body] if body.any() else grad.ravel()
    thr = max(float(np.quantile(bg, 0.98)), 20.0)
    edges = (grad >= thr) & (smooth > -900)
    return SliceMeasure(rois, edges)


def noise_sd(img: np.ndarray, m: SliceMeasure) -> float:
    """Mean detrended SD (HU) over the ROIs; NaN without ROIs."""
    if not m.rois:
        return float("nan")
    return float(np.mean([_detrend(r.take(img)).std() for r in m.rois]))


def roi_mean(img: np.ndarray, m: SliceMeasure) -> float:
    if not m.rois:
        return float("nan")
    return float(np.mean([r.take(img).mean() for r in m.rois]))


def edge_sharpness(img: np.ndarray, m: SliceMeasure) -> float:
    """Mean gradient magnitude (HU / pixel, after a light sigma 1 smoothing) on the edge pixels."""
    if not m.edges.any():
        return float("nan")
    gy, gx = np.gradient(ndimage.gaussian_filter(np.asarray(img, dtype=np.float64), 1.0))
    return float(np.hypot(gx, gy)[m.edges].mean())


def nps_mean_frequency(img: np.ndarray, m: SliceMeasure, pixel_mm: float) -> float:
    """Mean spatial frequency (cycles/mm) of the noise power spectrum over the ROIs."""
    if not m.rois:
        return float("nan")
    size = m.rois[0].size
    ps = np.zeros((size, size))
    for r in m.rois:
        ps += np.abs(np.fft.fft2(_detrend(r.take(img)))) ** 2
    f = np.fft.fftfreq(size, d=pixel_mm)
    fr = np.hypot(*np.meshgrid(f, f, indexing="ij"))
    ps[0, 0] = 0.0
    total = ps.sum()
    return float((fr * ps).sum() / total) if total > 0 else float("nan")
