"""Metal / streak artefacts: a physics-based detector (a guard score term) and a simulator.

**Detector** (:func:`streak_feature`). Metal in a CT scan corrupts every ray that passes
through it (beam hardening, photon starvation, scatter); filtered back-projection spreads each
corrupted ray back along its straight line, so the image carries straight dark and bright bands
that run through the metal across the whole body. Anatomy has edges, but not long, thin,
straight bands of constant sign crossing homogeneous tissue. The detector measures exactly
that, without any HU level for the metal itself (a streak-corrupted 3000 HU insert can read
like cortical bone):

1. the slice is padded square and resampled to :data:`GRID` x :data:`GRID` (area average);
2. the residual ``r = image - median_filter(image, MEDIAN)``: the median keeps edges and
   organs, so ``r`` holds thin structures (noise, streaks, small vessels), clipped to
   +-:data:`CLIP_HU`;
3. ``r`` counts only inside the body (tissue with its lungs, eroded by :data:`ERODE` pixels)
   and away from dense structures, air pockets and organ edges (a dilated mask of the median
   above :data:`DENSE_HU` or below :data:`AIR_HU`, a 3 x 3 median above :data:`BRIGHT_HU`
   (thin bone), and the smoothed median's gradient above :data:`EDGE_HU`); dark or bright
   streaks themselves are thin, so the medians do not mask them; if the masks leave less
   than :data:`MIN_KEPT` of a large body, only the dense mask is used);
4. the Radon transform of ``r`` and of that mask (:data:`VIEWS` angles over 180 degrees) gives
   the mean residual (HU) along every straight line with at least :data:`MIN_LINE` x GRID
   pixels inside the mask: noise averages out along a long line, a streak does not;
5. the feature is the :data:`QUANTILE` quantile of the absolute line means (HU).

The constants were chosen on VALIDATION data only (``python -m medgen.enhance.streaks
calibrate``): this module's simulator on the validation patients against the training and
validation CT and simulated low-dose versions of training slices; see the guard card's
``score.plausibility.streak``.

**Simulator** (:func:`simulate_metal_artefact`, for VALIDATION only: choosing the detector's
constants; never trained on). Different from the benchmark's (bench/guard.py ``_metal``) and
from the selection set of ``medgen.enhance.vae.synthetic_metal``: implants of several kinds
(hip-prosthesis heads, dental fillings, pedicle screws, surgical clips/coils), made of
titanium, stainless steel, cobalt-chrome or amalgam, are forward projected with the patient
(parallel beam, :mod:`medgen.enhance.simulate`), the projections are polychromatic (a
two-energy spectrum: beam hardening), Poisson counts (photon starvation through the metal) and
water-corrected as scanners do; the error against a monochromatic noiseless reference is
reconstructed by filtered back-projection and added to the slice. The metal itself reads its
monochromatic HU, stored either clipped at 3071 (12-bit) or on an extended scale, after
partial-volume averaging to the slice's matrix.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from medgen.enhance.vae import pad_square

#: The detector's working grid (pixels per side).
GRID = 256
#: Median filter size (pixels of the grid): thinner structures land in the residual.
MEDIAN = 7
#: Residual clip (HU): one very bright pixel cannot make a line.
CLIP_HU = 400.0
#: Dense structures: the median above this (bone, metal) ...
DENSE_HU = 600.0
#: ... or the image above this, dilated by DENSE_DILATE pixels, do not count.
BRIGHT_HU = 700.0
DENSE_DILATE = 2
#: Air inside the body (sinuses, bowel gas, the trachea) below this does not count either.
AIR_HU = -950.0
#: Edges: the smoothed median's gradient above this (HU per pixel) does not count either.
EDGE_HU = 60.0
#: Body: tissue (> -500 HU) with its holes (lungs) filled, eroded by this many pixels.
ERODE = 3
#: When less than this fraction of a large body is left by the masks (streaks everywhere move
#: the medians), only the dense mask is used.
MIN_KEPT = 0.25
#: Radon views over 180 degrees.
VIEWS = 90
#: Lines shorter than this fraction of the grid inside the mask are not used.
MIN_LINE = 0.30
#: The feature: this quantile of the normalised line magnitudes.
QUANTILE = 0.99


def _to_grid(slice_hu: np.ndarray, n: int = GRID) -> np.ndarray:
    a = np.asarray(slice_hu, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D slice, got shape {a.shape}")
    a = pad_square(np.nan_to_num(a, nan=-1024.0, posinf=4000.0, neginf=-3024.0))
    m = a.shape[0]
    if m == n:
        return a
    t = torch.from_numpy(np.ascontiguousarray(a))[None, None]
    mode = "area" if m >= n else "bilinear"
    kw: dict[str, Any] = {} if mode == "area" else {"align_corners": False}
    return F.interpolate(t, size=(n, n), mode=mode, **kw)[0, 0].numpy()


@functools.lru_cache(maxsize=2)
def _radon_grid(n: int, views: int) -> torch.Tensor:
    """The bilinear sampling points of :func:`_radon` for an ``n x n`` image: (views, detector
    bins, steps along the line, 2) in grid_sample's normalised coordinates. The same for every
    slice, so it is built once per process (90 views on the 256 grid: 95 MB; building it took
    about as long as the sampling itself)."""
    nd = int(math.ceil(n * math.sqrt(2.0))) | 1
    half = (n - 1) / 2.0
    co = torch.arange(nd, dtype=torch.float32) - (nd - 1) / 2.0
    u, v = co.view(1, 1, nd), co.view(1, nd, 1)
    th = (torch.arange(views, dtype=torch.float32) * (math.pi / views)).view(-1, 1, 1)
    cs, sn = torch.cos(th), torch.sin(th)
    return torch.stack(((u * cs - v * sn) / half, (u * sn + v * cs) / half), dim=-1)


def _radon(imgs: np.ndarray, views: int) -> np.ndarray:
    """Line sums (unit pixel steps) of each of ``imgs`` (c, n, n) over ``views`` angles in
    [0, pi): (c, views, detector bins), parallel beam, bilinear samples."""
    t = torch.from_numpy(np.ascontiguousarray(imgs, dtype=np.float32))
    c, n, _ = t.shape
    grids = _radon_grid(n, views)
    out = torch.empty(c, views, grids.shape[1])
    src = t[None]
    for s in range(0, views, 16):
        grid = grids[s : s + 16]
        b = grid.shape[0]
        samp = F.grid_sample(src.expand(b, c, n, n), grid, mode="bilinear", padding_mode="zeros", align_corners=True)
        out[:, s : s + b] = samp.sum(dim=2).permute(1, 0, 2)
    return out.numpy()


def streak_maps(slice_hu: np.ndarray) -> dict[str, Any]:
    """The detector's intermediate results (for tests and figures): ``grid`` (the slice on the
    working grid), ``residual`` (clipped, zero outside ``mask``), ``mask``, ``line_mean`` (the
    mean residual, HU, of every usable line, flattened) and ``noise`` (robust SD of the
    residual, HU)."""
    from scipy import ndimage

    a = _to_grid(slice_hu)
    a = np.clip(a, -1100.0, 4000.0)
    tissue = a > -500.0
    body = ndimage.binary_fill_holes(ndimage.binary_opening(tissue, iterations=2))
    body = ndimage.binary_erosion(body, iterations=ERODE)
    med = ndimage.median_filter(a, size=MEDIAN, mode="nearest")
    gy, gx = np.gradient(ndimage.uniform_filter(med, 3))
    edge = np.hypot(gy, gx) > EDGE_HU
    med3 = ndimage.median_filter(a, size=3, mode="nearest")  # keeps thin bone, drops 1-px streaks
    dense = (med > DENSE_HU) | (med3 > BRIGHT_HU) | (med < AIR_HU) | edge
    dense = ndimage.binary_dilation(dense, iterations=DENSE_DILATE)
    mask = body & ~dense
    if body.sum() > 0.05 * a.size and mask.sum() < MIN_KEPT * body.sum():
        # so much of a large body masked that no long line is left: streaks everywhere (they
        # move the medians too). Measure then with only the dense (bone, metal) mask.
        mask = body & ~ndimage.binary_dilation(med > DENSE_HU, iterations=DENSE_DILATE)
    r = np.clip(a - med, -CLIP_HU, CLIP_HU) * mask
    out: dict[str, Any] = {"grid": a, "residual": r.astype(np.float32), "mask": mask,
                           "line_mean": np.zeros(0), "noise": 0.0}  # fmt: skip
    if mask.sum() < 0.02 * a.size:
        return out
    vals = r[mask]
    out["noise"] = 1.4826 * float(np.median(np.abs(vals - np.median(vals))))
    s, length = _radon(np.stack([r, mask.astype(np.float32)]), VIEWS)
    use = length >= MIN_LINE * GRID
    out["line_mean"] = s[use] / length[use]
    return out


def streak_feature(slice_hu: np.ndarray) -> float:
    """The streak measure of one 2-D slice in HU: the :data:`QUANTILE` quantile of the
    absolute mean residual (HU) along the straight lines through the body. 0 when the slice
    has too little body to measure."""
    lm = streak_maps(slice_hu)["line_mean"]
    if lm.size == 0:
        return 0.0
    return float(np.quantile(np.abs(lm), QUANTILE))


# ---------------------------------------------------------------------------- simulator

#: Attenuation (1/mm) at the low and high energy of the two-energy spectrum and at the
#: effective (monochromatic reference) energy: water and implant materials (NIST XCOM mass
#: attenuation x density, rounded; ~50, ~90 and ~70 keV).
MU_WATER = {"low": 0.0227, "high": 0.0176, "eff": 0.0192}
MATERIALS: dict[str, dict[str, float]] = {
    "titanium": {"low": 0.31, "high": 0.090, "eff": 0.145},
    "steel": {"low": 1.55, "high": 0.36, "eff": 0.63},
    "cocr": {"low": 1.90, "high": 0.41, "eff": 0.75},
    "amalgam": {"low": 7.0, "high": 2.9, "eff": 4.0},
}
#: Implant kinds and their materials.
KINDS: dict[str, tuple[str, ...]] = {
    "hip": ("steel", "cocr", "titanium"),
    "dental": ("amalgam", "cocr"),
    "screws": ("titanium", "steel"),
    "clips": ("steel", "cocr", "titanium"),
}


def _implant_mask(kind: str, n: int, body: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A metal mask (n x n, float, anti-aliased by 4x supersampling) of one implant kind,
    placed inside the body."""
    ys, xs = np.nonzero(body)
    cy, cx = ys.mean(), xs.mean()
    ext = 0.5 * max(ys.max() - ys.min(), xs.max() - xs.min(), 8)
    s = 4
    yy, xx = (np.mgrid[: n * s, : n * s] + 0.5) / s
    m = np.zeros((n * s, n * s), dtype=bool)

    def pick(spread: float) -> tuple[float, float]:
        for _ in range(50):
            y = cy + rng.uniform(-spread, spread) * ext
            x = cx + rng.uniform(-spread, spread) * ext
            if body[int(np.clip(y, 0, n - 1)), int(np.clip(x, 0, n - 1))]:
                return y, x
        return cy, cx

    def ellipse(y: float, x: float, ry: float, rx: float, ang: float) -> np.ndarray:
        c, sn = math.cos(ang), math.sin(ang)
        u = (xx - x) * c + (yy - y) * sn
        v = -(xx - x) * sn + (yy - y) * c
        return (u / rx) ** 2 + (v / ry) ** 2 <= 1.0

    if kind == "hip":  # one or two femoral heads / stems, 4-7 % of the side in radius
        sides = (-1, 1) if rng.random() < 0.5 else (int(rng.choice([-1, 1])),)
        for sd in sides:
            r = rng.uniform(0.04, 0.07) * n
            y, x = cy + rng.uniform(-0.15, 0.15) * ext, cx + sd * rng.uniform(0.35, 0.6) * ext
            m |= ellipse(y, x, r, r * rng.uniform(0.8, 1.2), rng.uniform(0, math.pi))
    elif kind == "dental":  # 2-6 fillings on an arc (a dental arch) in the front of the body
        k = int(rng.integers(2, 7))
        y0, x0 = pick(0.3)
        rad = rng.uniform(0.1, 0.2) * ext
        a0 = rng.uniform(0, 2 * math.pi)
        for i in range(k):
            a = a0 + i * rng.uniform(0.25, 0.45)
            r = rng.uniform(0.008, 0.018) * n
            m |= ellipse(y0 + rad * math.sin(a), x0 + rad * math.cos(a), r, r * rng.uniform(1, 1.8), a)
    elif kind == "screws":  # two pedicle screws converging towards the vertebral body
        y0, x0 = pick(0.4)
        length = rng.uniform(0.08, 0.15) * n
        width = rng.uniform(0.008, 0.015) * n
        base = rng.uniform(0, 2 * math.pi)
        for sd in (-1, 1):
            a = base + sd * rng.uniform(0.2, 0.45)
            yc = y0 + sd * rng.uniform(0.03, 0.06) * n * math.cos(base)
            xc = x0 - sd * rng.uniform(0.03, 0.06) * n * math.sin(base)
            m |= ellipse(yc, xc, width, length / 2, a)
    else:  # clips / coils: 1-4 small dense blobs anywhere in the body
        for _ in range(int(rng.integers(1, 5))):
            y, x = pick(0.7)
            r = rng.uniform(0.006, 0.02) * n
            m |= ellipse(y, x, r, r * rng.uniform(1, 2.5), rng.uniform(0, math.pi))
    m &= np.kron(body, np.ones((s, s), dtype=bool))
    return m.reshape(n, s, n, s).mean(axis=(1, 3)).astype(np.float32)


def simulate_metal_artefact(
    slice_hu: np.ndarray,
    rng: np.random.Generator,
    kind: str | None = None,
    material: str | None = None,
    n: int = GRID,
    bone_like: bool = False,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The slice (any square size, HU) with a simulated implant and its artefacts at the
    slice's own matrix size, and the parameters drawn (kind, material, dose, spectrum,
    storage). Physics on an ``n x n`` grid: see the module docstring. ``bone_like``: the
    implant's own pixels read 1800-2900 HU (as after partial-volume averaging in a thick slice,
    or a reconstruction that fills the metal), so only its streaks betray it."""
    from medgen.enhance.simulate import add_poisson_noise, fbp, forward_project

    base = np.asarray(slice_hu, dtype=np.float32)
    if base.ndim != 2 or base.shape[0] != base.shape[1]:
        raise ValueError(f"expected a square 2-D slice, got shape {base.shape}")
    kind = kind or str(rng.choice(list(KINDS)))
    material = material or str(rng.choice(KINDS[kind]))
    mat = MATERIALS[material]
    g = _to_grid(np.maximum(base, -1024.0), n)
    body = g > -300.0
    if body.sum() < 50:
        raise ValueError("too little body in the slice for an implant")
    metal = _implant_mask(kind, n, body, rng)
    pixel_mm = float(rng.uniform(0.8, 1.8))  # 205-460 mm field of view on the grid
    views = int(1.5 * n)
    # water-equivalent density of the patient (1 + HU/1000), the metal replacing tissue
    t = np.clip(1.0 + g / 1000.0, 0.0, None) * (1.0 - metal)
    p_t = forward_project(t.astype(np.float32), pixel_mm, views).astype(np.float64)
    p_m = forward_project(metal, pixel_mm, views).astype(np.float64)
    w_low = float(rng.uniform(0.35, 0.65))
    dose = float(rng.uniform(0.15, 1.0))
    i0 = 1.0e6 * pixel_mm * dose
    lo = MU_WATER["low"] * p_t + mat["low"] * p_m
    hi = MU_WATER["high"] * p_t + mat["high"] * p_m
    expected = w_low * np.exp(-lo) + (1 - w_low) * np.exp(-hi)
    p_clean = -np.log(np.maximum(expected, 1e-300))
    # Poisson counts (photon starvation) on the rays through the metal; the other rays keep the
    # slice's own quantum noise (it is real CT already)
    noisy = add_poisson_noise(p_clean, i0, 10.0, rng).astype(np.float64)
    p_poly = np.where(p_m > 0, noisy, p_clean)
    # the scanner's water (beam-hardening) correction: polychromatic water path -> the
    # monochromatic one, fitted on water lengths 0-600 mm
    lw = np.linspace(0.0, 600.0, 200)
    pw = -np.log(w_low * np.exp(-MU_WATER["low"] * lw) + (1 - w_low) * np.exp(-MU_WATER["high"] * lw))
    coef = np.polyfit(pw, MU_WATER["eff"] * lw, 4)
    # the same scan without the metal (tissue in its place): its error is already in the slice
    t_free = np.clip(1.0 + g / 1000.0, 0.0, None)
    p_tf = forward_project(t_free.astype(np.float32), pixel_mm, views).astype(np.float64)
    p_free = -np.log(w_low * np.exp(-MU_WATER["low"] * p_tf) + (1 - w_low) * np.exp(-MU_WATER["high"] * p_tf))
    # error against the monochromatic reference with the metal, minus the metal-free error
    d = (np.polyval(coef, p_poly) - (MU_WATER["eff"] * p_t + mat["eff"] * p_m)) - (
        np.polyval(coef, p_free) - MU_WATER["eff"] * p_tf
    )
    err = fbp(d.astype(np.float32), n, pixel_mm) / MU_WATER["eff"] * 1000.0
    metal_hu = (mat["eff"] / MU_WATER["eff"] - 1.0) * 1000.0
    if bone_like:
        metal_hu = float(rng.uniform(1800.0, 2900.0))
    extended = bool(rng.random() < 0.3)
    m0 = base.shape[0]
    up: dict[str, Any] = {"size": (m0, m0), "mode": "bilinear", "align_corners": False}
    err_full = F.interpolate(torch.from_numpy(err.astype(np.float32))[None, None], **up)[0, 0].numpy()
    if m0 >= n:
        met_full = F.interpolate(torch.from_numpy(metal)[None, None], **up)[0, 0].numpy()
    else:
        met_full = F.interpolate(torch.from_numpy(metal)[None, None], size=(m0, m0), mode="area")[0, 0].numpy()
    met_full = np.clip(met_full, 0.0, 1.0)
    out = base * (1 - met_full) + metal_hu * met_full + err_full
    out = np.clip(out, -1024.0, 31743.0 if extended else 3071.0)
    if bone_like:  # the streaks' own excursions inside the implant stay below it too
        out = np.where(met_full > 0.5, np.minimum(out, metal_hu), out)
    params = {
        "kind": kind, "material": material, "dose": round(dose, 3), "w_low": round(w_low, 3),
        "pixel_mm": round(pixel_mm, 3), "metal_hu": round(metal_hu), "extended_scale": extended,
        "metal_fraction": round(float(metal.mean()), 5), "bone_like": bone_like,
    }  # fmt: skip
    return out.astype(np.float32), params


# ---------------------------------------------------------------------------- calibration


def _auroc(pos: np.ndarray, neg: np.ndarray) -> float:
    a, b = np.asarray(neg)[:, None], np.asarray(pos)[None, :]
    return float(((b > a).sum() + 0.5 * (b == a).sum()) / (a.size * b.size))


def validation_artefacts(val: list[np.ndarray], n: int, seed: int) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """``n`` artefact images from the VALIDATION slices (random flips / quarter turns of the
    base, implant kinds in turn, material and acquisition drawn); the implants of alternate
    blocks of eight images read bone-like HU (``bone_like``): only their streaks betray them."""
    rng = np.random.default_rng(seed)
    imgs, params = [], []
    kinds = list(KINDS)
    for i in range(n):
        b = np.rot90(val[i % len(val)], k=int(rng.integers(4)))
        b = np.ascontiguousarray(b[:, ::-1] if rng.random() < 0.5 else b)
        img, p = simulate_metal_artefact(
            b, rng, kind=kinds[(i // len(val)) % len(kinds)], bone_like=(i // (len(val) * len(kinds))) % 2 == 1
        )
        imgs.append(img)
        params.append(p)
    return imgs, params


def calibrate(guard_id: str, root: Any = None, n_artefacts: int = 40, seed: int = 11) -> dict[str, Any]:
    """Set the streak term of a guard on VALIDATION data and write it into the guard's card
    (``score.plausibility.streak``; the weights and their sha256 are unchanged):

    - negatives: every training and validation CT slice, and simulated low-dose versions
      (10 % / 25 % dose, :func:`medgen.enhance.simulate.simulate_low_dose`) of every 8th
      training slice; ``tol`` = the largest streak feature among them;
    - positives: :func:`validation_artefacts` (this module's simulator on the validation slices);
    - the threshold is recalibrated at the card's true-positive rate on the validation CT
      (the slices + augmented variants, as ``python -m medgen.enhance.vae calibrate``);
    - reported: AUROC of the streak feature alone and of the whole score (with and without
      the streak term) on the validation artefacts, by implant kind, and detection at the
      threshold."""
    import json
    import os
    import time

    from medgen.enhance.simulate import simulate_low_dose
    from medgen.enhance.vae import InputGuard, Plausibility, _validation_scores, split_raw
    from medgen.weights import card_path

    t0 = time.perf_counter()
    train, _ = split_raw("train")
    val, val_names = split_raw("val")
    rng = np.random.default_rng(seed)
    low = [
        simulate_low_dose(s, 0.7 if s.shape[0] >= 512 else 1.0, float(rng.choice([0.1, 0.25])), i)
        for i, s in enumerate(train[::8])
    ]
    negatives = {"training CT": train, "validation CT": val, "low-dose training CT (simulated)": low}
    f_neg = {k: np.array([streak_feature(s) for s in v]) for k, v in negatives.items()}
    tol = float(max(float(v.max()) for v in f_neg.values()))
    pos, params = validation_artefacts(val, n_artefacts, seed)
    t1 = time.perf_counter()
    f_pos = np.array([streak_feature(s) for s in pos])
    ms = 1000 * (time.perf_counter() - t1) / len(pos)
    guard = InputGuard(guard_id, root)
    pl0 = guard.plausibility
    if pl0 is None:
        raise ValueError(f"{guard_id} has no plausibility term to extend")
    pl_off = Plausibility(pl0.metal_tol, pl0.cut_tol, pl0.scale, pl0.metal_hu, None)
    pl_on = Plausibility(pl0.metal_tol, pl0.cut_tol, pl0.scale, pl0.metal_hu, tol)
    config = guard.card["training"]["config"]
    sv, fv, _, n_val = _validation_scores(guard, config, pl0.metal_hu, streaks=True)
    val_off, val_on = sv[guard.kind] + pl_off.penalty(fv[:, :2]), sv[guard.kind] + pl_on.penalty(fv)
    tpr = float(guard.card["threshold"].get("true_positive_rate", 0.95))
    thr_on = float(np.quantile(val_on, tpr))
    c = guard.score_images(pos)
    feats = np.stack([c["metal"], c["cut"], f_pos], 1)
    s_off, s_on = c[guard.kind] + pl_off.penalty(feats[:, :2]), c[guard.kind] + pl_on.penalty(feats)
    neg_all = np.concatenate(list(f_neg.values()))
    by_kind: dict[str, Any] = {}
    groups = {k: np.array([p["kind"] == k for p in params]) for k in KINDS}
    groups["metal reads bone-like HU (any kind)"] = np.array([p["bone_like"] for p in params])
    groups["metal reads its own HU (any kind)"] = ~groups["metal reads bone-like HU (any kind)"]
    for k, sel in groups.items():
        by_kind[k] = {
            "n": int(sel.sum()),
            "auroc_streak_feature_vs_negatives": round(_auroc(f_pos[sel], neg_all), 4),
            "auroc_score_without_streak": round(_auroc(s_off[sel], val_off), 4),
            "auroc_score_with_streak": round(_auroc(s_on[sel], val_on), 4),
            "detected_without_streak": round(float((s_off[sel] > float(np.quantile(val_off, tpr))).mean()), 4),
            "detected_with_streak": round(float((s_on[sel] > thr_on).mean()), 4),
        }
    block = {
        "used": True,
        "tol": tol,
        "definition": "streak = medgen.enhance.streaks.streak_feature: the 99th percentile of the absolute "
        "mean (HU) of the median-filter residual along straight lines (>= 30 % of a 256 grid inside the "
        "body mask; bone, air pockets and organ edges masked); the score adds scale * max(0, streak / "
        "tol - 1)",
        "constants": {k: globals()[k] for k in ("GRID", "MEDIAN", "CLIP_HU", "DENSE_HU", "BRIGHT_HU",
                                                "DENSE_DILATE", "AIR_HU", "EDGE_HU", "ERODE", "MIN_KEPT", "VIEWS",
                                                "MIN_LINE", "QUANTILE")},  # fmt: skip
        "tol_rule": "the largest streak feature of the negatives (no margin)",
        "negatives": {k: {"n": len(v), "max": round(float(v.max()), 2), "median": round(float(np.median(v)), 2)}
                      for k, v in f_neg.items()},  # fmt: skip
        "validation_artefacts": {
            "n": len(pos),
            "made_by": f"medgen.enhance.streaks.validation_artefacts(validation slices, {n_artefacts}, seed={seed}): "
            "hip / dental / screws / clips implants (titanium, steel, CoCr, amalgam; the implants of "
            "alternate blocks of eight images reading bone-like 1800-2900 HU), polychromatic "
            "two-energy projections with Poisson photon starvation, water correction, FBP; validation "
            f"patients only ({', '.join(dict.fromkeys(val_names))})",
            "streak_feature_median": round(float(np.median(f_pos)), 2),
            "auroc_streak_feature_vs_negatives": round(_auroc(f_pos, neg_all), 4),
            "auroc_score_without_streak": round(_auroc(s_off, val_off), 4),
            "auroc_score_with_streak": round(_auroc(s_on, val_on), 4),
            "detected_without_streak": round(float((s_off > float(np.quantile(val_off, tpr))).mean()), 4),
            "detected_with_streak": round(float((s_on > thr_on).mean()), 4),
            "by_kind": by_kind,
        },
        "ms_per_slice": round(ms, 1),
        "command": f"python -m medgen.enhance.streaks calibrate --guard-id {guard_id}",
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    card = guard.card
    card["score"]["plausibility"]["streak"] = block
    card["score"]["revision"] = (
        "2: the metal/streak term (score.plausibility.streak) added to v2's plausibility term on "
        f"{block['date_utc']} UTC; weights unchanged"
    )
    card["threshold"].update(
        value=thr_on,
        validation_score_median=float(np.median(val_on)),
        recalibrated_by=block["command"],
    )
    card_path(guard_id, root).write_text(json.dumps(card, indent=2) + "\n")
    return block


def main(argv: list[str] | None = None) -> None:
    import argparse
    import json
    import logging

    ap = argparse.ArgumentParser(description="The guard's metal/streak term.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    cal = sub.add_parser("calibrate")
    cal.add_argument("--guard-id", default="ct-guard-vae-v2")
    cal.add_argument("--n", type=int, default=40)
    cal.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(args.threads)
    block = calibrate(args.guard_id, n_artefacts=args.n)
    print(json.dumps(block, indent=2))


if __name__ == "__main__":
    main()
