"""Input guard: a small convolutional VAE that says whether a slice looks like the CT it was trained on.

Metadata can lie and a PNG has none, so the guard judges the pixels. Each slice is padded to a
square with its own minimum and mapped to two channels (:func:`preprocess`, ``channels=2``,
v2): the -1000..1000 HU window -> 0..1 and the whole stored CT range :data:`WIDE`
(-3024..3071 HU) -> 0..1, which shows what the window hides (scanner padding, metal), both
area-downsampled to 64 x 64. The VAE (:class:`ConvVAE`) is trained on the TRAINING CT slices of
the enhancer (:data:`medgen.enhance.data.SPLIT`, split ``train``: InVesalius head CT and the
pyradiomics lung2 chest CT, every slice with >= 2 % tissue) with random flips, rotations, zooms,
shifts, noise and scanner padding outside a reconstruction circle that holds the body
(:func:`fov_pad`).

VAE scores (higher = less like the training CT), :data:`SCORE_KINDS`:

- ``neg_elbo``: the negative ELBO (Bernoulli cross-entropy + KL, nats per image);
- ``neg_elbo_excess``: the same minus the input's own Bernoulli entropy (the cross-entropy's
  floor), a complexity correction: air costs nothing either way;
- ``neg_elbo_png``: the negative ELBO minus a PNG code length (Serra et al. 2020);
- ``typicality``: ``|z_rec| + |z_latent|`` (after Nalisnick et al. 2019), ``rec`` and ``latent``
  alone (reconstruction error and Mahalanobis distance of the posterior mean, z-scored on the
  training slices).

Plain likelihood rates "simple" images as likely: with v1 (one window channel) a truncated
field of view filled with -3024 HU scored as MORE typical than real CT (more air). v2 adds an
explicit, documented physical-plausibility term (:class:`Plausibility`, full-resolution HU):
metal (tissue pixels above :data:`METAL_HU`) and a cut field of view (tissue running into the
scanner's no-data padding), each 0 below a tolerance set from the training/validation CT.
Score revision 2 (card ``score.plausibility.streak``) adds a third term: the metal/streak
detector of :mod:`medgen.enhance.streaks` (straight bands through the body; no HU level), its
tolerance set on validation data (``python -m medgen.enhance.streaks calibrate``).

Which VAE score, with or without the plausibility term, is chosen on VALIDATION data only
(``python -m medgen.enhance.vae select``): validation CT against the pydicom files of
:data:`VAL_OOD_FILES` (not used by ``bench/guard.py``) and metal / truncation artefacts made from
the validation patients with their own random parameters (:func:`synthetic_metal`,
:func:`synthetic_truncation`; outlier exposure for selection only, never trained on). The
threshold is the 95th percentile of the chosen score on the validation CT (its slices plus
random variants): 95 % of in-distribution slices accepted.

CLI::

    nice -n 5 python -m medgen.enhance.vae train --config medgen/enhance/configs/ct-guard-vae-v2.json
    python -m medgen.enhance.vae select --config medgen/enhance/configs/ct-guard-vae-v2.json
"""

from __future__ import annotations

import argparse
import enum
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from medgen.errors import ModelError
from medgen.weights import card_path, export_model, load_verified, read_card, weights_dir

log = logging.getLogger(__name__)

GUARD_ID = "ct-guard-vae-v2"
SCORE_DEFINITION = (
    "|z(log reconstruction MSE of the decoded posterior mean)| + |z(log Mahalanobis distance of "
    "the posterior mean from the training latents)|, z-scored with training-slice statistics "
    "(two-sided typicality); higher = less like the training CT"
)
SIZE = 64
WINDOW = (-1000.0, 1000.0)
#: The second input channel (v2): the whole stored CT range, linear, so that what the window
#: hides is visible: padding outside the reconstructed field of view (-3024 / -2048 / -2000),
#: metal (> 2500 HU) and streaks beyond +-1000 HU.
WIDE = (-3024.0, 3071.0)
#: Air (-1024 HU) in the wide channel: what geometric augmentation fills in there.
WIDE_AIR = (-1024.0 - WIDE[0]) / (WIDE[1] - WIDE[0])
#: Fill values of the simulated reconstruction-circle padding in training (HU, as scanners write).
FOV_FILLS_HU = (-3024.0, -2048.0, -2000.0, -1024.0)
#: Tissue pixels allowed outside that circle in training, as a fraction of the side.
FOV_MAX_CUT = 0.1


class GuardVerdict(enum.StrEnum):
    """Whether an image is within what the enhancer was trained on."""

    INSIDE = "inside"
    OUTSIDE = "outside"

    @property
    def text(self) -> str:
        return (
            "within what the model was trained on"
            if self is GuardVerdict.INSIDE
            else "outside what the model was trained on"
        )


@dataclass(frozen=True)
class GuardResult:
    """The guard's judgement of a slice or a series (series: the median slice score)."""

    score: float
    threshold: float
    verdict: GuardVerdict
    slice_scores: tuple[float, ...]
    guard_id: str = GUARD_ID

    @property
    def message(self) -> str:
        return (
            f"This image is {self.verdict.text} (guard score {self.score:.2f}; "
            f"threshold {self.threshold:.2f})."
        )

    def as_params(self) -> dict[str, Any]:
        return {
            "guard_id": self.guard_id,
            "guard_score": round(self.score, 3),
            "guard_threshold": round(self.threshold, 3),
            "guard_verdict": self.verdict.value,
        }


# ---------------------------------------------------------------------------- preprocessing


def pad_square(a: np.ndarray) -> np.ndarray:
    """A 2-D image centred in a square of its larger side, padded with its minimum (the scanner's
    no-data value of a CT slice); a square image is returned as it is."""
    h, w = a.shape
    if h == w:
        return a
    n = max(h, w)
    pad = np.full((n, n), float(a.min()), dtype=a.dtype)
    pad[(n - h) // 2 : (n - h) // 2 + h, (n - w) // 2 : (n - w) // 2 + w] = a
    return pad


def preprocess(slice_px: np.ndarray, size: int = SIZE, channels: int = 1) -> np.ndarray:
    """One 2-D slice (values taken as HU) -> ``size x size`` float32 in [0, 1] (``channels=1``:
    the -1000..1000 window) or ``2 x size x size`` (``channels=2``: window and :data:`WIDE`)."""
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    a = np.asarray(slice_px, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D slice, got shape {a.shape}")
    a = pad_square(np.nan_to_num(a, nan=float(np.nanmin(a)) if np.isfinite(a).any() else 0.0))
    n = a.shape[0]
    chans = [np.clip((a - lo) / (hi - lo), 0.0, 1.0) for lo, hi in (WINDOW, WIDE)[:channels]]
    t = torch.from_numpy(np.ascontiguousarray(np.stack(chans)))[None]
    mode = "area" if n >= size else "bilinear"
    t = F.interpolate(t, size=(size, size), mode=mode, **({} if mode == "area" else {"align_corners": False}))
    out = t[0].numpy().astype(np.float32)
    return out[0] if channels == 1 else out


def preprocess_stack(pixels: np.ndarray, size: int = SIZE, channels: int = 1) -> np.ndarray:
    """2-D slice or 3-D series -> (n, size, size) (one channel) or (n, 2, size, size)."""
    arr = np.asarray(pixels)
    if arr.ndim not in (2, 3):
        raise ValueError(f"expected a 2-D slice or a 3-D series, got shape {arr.shape}")
    slices = [arr] if arr.ndim == 2 else list(arr)
    return np.stack([preprocess(s, size, channels) for s in slices])


def _nchw(x: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(n, H, W) or (n, C, H, W) -> a (n, C, H, W) float tensor."""
    t = x if isinstance(x, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(x))
    return t[:, None] if t.ndim == 3 else t


# ---------------------------------------------------------------------------- model


class ConvVAE(nn.Module):
    """64 x 64 x C -> 4 strided convolutions -> latent (mu, logvar) -> mirrored decoder (sigmoid)."""

    def __init__(self, latent: int = 32, width: int = 32, channels: int = 1) -> None:
        super().__init__()
        self.latent, self.width, self.channels = latent, width, channels
        c = [channels, width, 2 * width, 4 * width, 4 * width]
        enc: list[nn.Module] = []
        for i in range(4):
            enc += [nn.Conv2d(c[i], c[i + 1], 4, 2, 1), nn.LeakyReLU(0.2)]
        self.enc = nn.Sequential(*enc)
        self.fc_mu = nn.Linear(c[4] * 16, latent)
        self.fc_lv = nn.Linear(c[4] * 16, latent)
        self.fc_dec = nn.Linear(latent, c[4] * 16)
        dec: list[nn.Module] = []
        for i in range(4, 0, -1):
            dec += [nn.ConvTranspose2d(c[i], c[i - 1] if i > 1 else width, 4, 2, 1), nn.LeakyReLU(0.2)]
        dec += [nn.Conv2d(width, channels, 3, 1, 1)]
        self.dec = nn.Sequential(*dec)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.enc(x).flatten(1)
        return self.fc_mu(h), self.fc_lv(h).clamp(-12, 8)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc_dec(z).view(-1, 4 * self.width, 4, 4)
        return torch.sigmoid(self.dec(h))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, lv = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * lv)
        return self.decode(z), mu, lv


def elbo_loss(
    x: torch.Tensor, rec: torch.Tensor, mu: torch.Tensor, lv: torch.Tensor, beta: float
) -> torch.Tensor:
    """Negative ELBO per image (Bernoulli/BCE likelihood on [0, 1] pixels + beta x KL)."""
    bce = F.binary_cross_entropy(rec, x, reduction="none").flatten(1).sum(1)
    kl = -0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(1)
    return (bce + beta * kl).mean()


def _neg_elbo_per_image(
    x: torch.Tensor, rec: torch.Tensor, mu: torch.Tensor, lv: torch.Tensor, beta: float
) -> torch.Tensor:
    bce = F.binary_cross_entropy(rec.clamp(1e-6, 1 - 1e-6), x, reduction="none").flatten(1).sum(1)
    return bce + beta * (-0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(1))


def augment(
    x: torch.Tensor, gen: torch.Generator, noise: float = 0.0, fov: float = 0.0
) -> torch.Tensor:
    """Random flips, rotations (+-20 deg), zooms (0.8-1.25) and shifts (+-8 %); air fills
    (0 in the window channel, :data:`WIDE_AIR` in the wide one). ``noise``: Gaussian noise up to
    that SD (window units; the same HU noise in the wide channel). ``fov``: the probability of
    padding outside a reconstruction circle that holds all the tissue (:func:`fov_pad`)."""
    n, ch = x.shape[0], x.shape[1]
    fill = torch.tensor([0.0, WIDE_AIR][:ch]).view(1, ch, 1, 1)
    ang = (torch.rand(n, generator=gen) * 2 - 1) * (20 * np.pi / 180)
    scale = torch.exp((torch.rand(n, generator=gen) * 2 - 1) * float(np.log(1.25)))
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * 0.08
    cos, sin = torch.cos(ang) / scale, torch.sin(ang) / scale
    theta = torch.stack(
        [torch.stack([cos * flip, -sin, shift[:, 0]], 1), torch.stack([sin * flip, cos, shift[:, 1]], 1)],
        1,
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x - fill, grid, padding_mode="zeros", align_corners=False) + fill
    if noise > 0:
        sd = torch.rand(n, 1, 1, 1, generator=gen) * noise
        e = sd * torch.randn((n, 1, *out.shape[2:]), generator=gen)
        scale = torch.tensor([1.0, (WINDOW[1] - WINDOW[0]) / (WIDE[1] - WIDE[0])][:ch]).view(1, ch, 1, 1)
        out = (out + e * scale).clamp(0, 1)
    if fov > 0 and ch == 2:
        out = fov_pad(out, gen, fov)
    return out


def fov_pad(x: torch.Tensor, gen: torch.Generator, p: float) -> torch.Tensor:
    """With probability ``p`` per image, replace what lies outside a centred circle of radius
    0.92-1.0 x half the side by scanner padding (:data:`FOV_FILLS_HU`), as CT scanners write
    outside the reconstructed field of view. The circle holds the body as in a scan without
    truncation: at most :data:`FOV_MAX_CUT` x the side of tissue pixels (> -500 HU: the table,
    a touching arm) fall outside it; images whose tissue reaches further are left as they
    are. Two-channel input only."""
    n, _, h, w = x.shape
    yy, xx = torch.meshgrid(torch.arange(h) + 0.5 - h / 2, torch.arange(w) + 0.5 - w / 2, indexing="ij")
    dist = torch.sqrt(yy**2 + xx**2)
    tissue = x[:, 0] > (-500.0 - WINDOW[0]) / (WINDOW[1] - WINDOW[0])
    r = (0.92 + 0.08 * torch.rand(n, generator=gen)) * (min(h, w) / 2)
    cut = ((dist[None] > r.view(n, 1, 1) - 0.5) & tissue).flatten(1).sum(1)
    use = (torch.rand(n, generator=gen) < p) & (cut <= FOV_MAX_CUT * min(h, w))
    fills = torch.tensor([(f - WIDE[0]) / (WIDE[1] - WIDE[0]) for f in FOV_FILLS_HU])
    fill = fills[torch.randint(0, len(fills), (n,), generator=gen)]
    m = (r.view(n, 1, 1) - dist[None] + 0.5).clamp(0, 1)  # anti-aliased edge
    m = torch.where(use.view(n, 1, 1), m, torch.ones_like(m))
    out = x.clone()
    out[:, 0] = x[:, 0] * m
    out[:, 1] = x[:, 1] * m + fill.view(n, 1, 1) * (1 - m)
    return out


# ---------------------------------------------------------------------------- scoring


@torch.inference_mode()
def features(model: ConvVAE, x: np.ndarray, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(posterior means (n, latent), reconstruction MSE (n,)) of preprocessed slices."""
    mus, errs = [], []
    model.eval()
    for i in range(0, len(x), batch):
        t = _nchw(x[i : i + batch])
        mu, _ = model.encode(t)
        rec = model.decode(mu)
        mus.append(mu.numpy())
        errs.append(((rec - t) ** 2).flatten(1).mean(1).numpy())
    return np.concatenate(mus), np.concatenate(errs)


@torch.inference_mode()
def elbo_terms(model: ConvVAE, x: np.ndarray, batch: int = 64) -> dict[str, np.ndarray]:
    """Per image, in nats: ``bce`` (Bernoulli cross-entropy of the decoded posterior mean),
    ``entropy`` (the cross-entropy's floor, the Bernoulli entropy of the input's own pixel
    values: what a perfect reconstruction would still cost) and ``kl`` (posterior vs prior)."""
    bce, ent, kls = [], [], []
    model.eval()
    for i in range(0, len(x), batch):
        t = _nchw(x[i : i + batch])
        mu, lv = model.encode(t)
        rec = model.decode(mu).clamp(1e-6, 1 - 1e-6)
        bce.append(F.binary_cross_entropy(rec, t, reduction="none").flatten(1).sum(1).numpy())
        tc = t.clamp(1e-6, 1 - 1e-6)
        ent.append((-(tc * tc.log() + (1 - tc) * (1 - tc).log())).flatten(1).sum(1).numpy())
        kls.append((-0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(1)).numpy())
    return {"bce": np.concatenate(bce), "entropy": np.concatenate(ent), "kl": np.concatenate(kls)}


def neg_elbo(model: ConvVAE, x: np.ndarray, batch: int = 64) -> np.ndarray:
    """Negative ELBO (nats per image: Bernoulli cross-entropy of the decoded posterior mean + KL)."""
    t = elbo_terms(model, x, batch)
    return t["bce"] + t["kl"]


def png_nats(x: np.ndarray) -> np.ndarray:
    """Per image: the size of its channels as 8-bit PNGs (zlib level 9), in nats: a generic
    compressor's code length, the complexity estimate of Serra et al. 2020 (ICLR, "Input
    complexity and out-of-distribution detection with likelihood-based generative models")."""
    import io

    from PIL import Image

    t = _nchw(x).numpy()
    out = np.empty(len(t))
    for i, img in enumerate(t):
        nbytes = 0
        for ch in img:
            buf = io.BytesIO()
            Image.fromarray(np.round(np.clip(ch, 0, 1) * 255).astype(np.uint8)).save(
                buf, format="PNG", compress_level=9
            )
            nbytes += buf.tell()
        out[i] = nbytes * 8 * np.log(2.0)
    return out


#: Candidate VAE scores; ``select`` picks one on validation data (card ``score.kind``).
SCORE_KINDS = ("typicality", "neg_elbo", "rec", "latent", "neg_elbo_excess", "neg_elbo_png")

#: Metal: HU above this (beyond cortical bone and the training CT's own teeth and skull).
METAL_HU = 2500.0
#: No data: HU below this is scanner padding outside the reconstructed field of view (air is
#: -1000; scanners write -3024, -2048 or -2000 there).
NODATA_HU = -1100.0
#: Tissue: HU above this.
TISSUE_HU = -500.0


def plausibility_features(slice_hu: np.ndarray, metal_hu: float = METAL_HU) -> tuple[float, float]:
    """Two physical measures of one 2-D slice in HU (full resolution), each 0 for a clean scan:

    - ``metal``: the fraction of tissue pixels (> :data:`TISSUE_HU`) above ``metal_hu``;
    - ``cut``: body pixels that touch the no-data padding (< :data:`NODATA_HU`, 4-neighbours),
      per pixel of the image side: a patient who extends beyond the reconstructed field of
      view (truncated projections) has tissue running into the padding, a complete scan has
      air there. Body = tissue after a morphological opening with a disk of 1 % of the side,
      so that thin devices that do cross the circle (table, head holder) do not count.
    """
    from scipy import ndimage

    a = np.nan_to_num(np.asarray(slice_hu, dtype=np.float32), nan=-1024.0)
    tissue = a > TISSUE_HU
    n_tissue = int(tissue.sum())
    metal = float((a > metal_hu).sum() / n_tissue) if n_tissue else 0.0
    nodata = a < NODATA_HU
    if not nodata.any():
        return metal, 0.0
    r = max(1, round(0.01 * max(a.shape)))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    tissue = ndimage.binary_opening(tissue, structure=yy**2 + xx**2 <= r * r)
    near = np.zeros_like(nodata)
    near[1:] |= nodata[:-1]
    near[:-1] |= nodata[1:]
    near[:, 1:] |= nodata[:, :-1]
    near[:, :-1] |= nodata[:, 1:]
    cut = float((near & tissue).sum() / max(a.shape))
    return metal, cut


@dataclass(frozen=True)
class Plausibility:
    """The physical-plausibility term of the score: ``scale * (max(0, metal / metal_tol - 1) +
    max(0, cut / cut_tol - 1) [+ max(0, streak / streak_tol - 1)])``, 0 for every training and
    validation CT slice. The streak term (``streak_tol`` set; score revision 2 of v2) is the
    metal/streak detector of :mod:`medgen.enhance.streaks` (straight bands through the body)."""

    metal_tol: float  # twice the largest metal fraction of any training/validation CT slice
    cut_tol: float  # tissue pixels touching padding allowed, per pixel of the side
    scale: float  # VAE-score units per unit of excess (threshold - 1st percentile on validation)
    metal_hu: float = METAL_HU  # HU above which a pixel counts as metal
    streak_tol: float | None = None  # HU: the largest streak feature of the negatives (None: off)

    @property
    def streaks(self) -> bool:
        return self.streak_tol is not None

    def penalty(self, feats: np.ndarray) -> np.ndarray:
        f = np.asarray(feats, dtype=np.float64)
        f = f.reshape(-1, f.shape[-1] if f.ndim > 1 else f.size)
        excess = np.maximum(0.0, f[:, 0] / self.metal_tol - 1) + np.maximum(0.0, f[:, 1] / self.cut_tol - 1)
        if self.streak_tol is not None:
            if f.shape[1] < 3:
                raise ValueError("the streak term needs three features (metal, cut, streak)")
            excess = excess + np.maximum(0.0, f[:, 2] / self.streak_tol - 1)
        return self.scale * excess


def image_features(
    imgs: list[np.ndarray] | np.ndarray, metal_hu: float = METAL_HU, streaks: bool = False
) -> np.ndarray:
    """:func:`plausibility_features` of every 2-D slice (a 3-D array: of every slice): (n, 2);
    with ``streaks`` a third column, :func:`medgen.enhance.streaks.streak_feature`: (n, 3)."""
    arr = list(imgs) if not isinstance(imgs, np.ndarray) or imgs.ndim == 3 else [imgs]
    if not streaks:
        return np.array([plausibility_features(s, metal_hu) for s in arr], dtype=np.float64).reshape(-1, 2)
    from medgen.enhance.streaks import streak_feature

    rows = [(*plausibility_features(s, metal_hu), streak_feature(s)) for s in arr]
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


@dataclass(frozen=True)
class ScoreStats:
    """Training-set statistics that turn features into a score."""

    latent_mean: np.ndarray
    latent_prec: np.ndarray  # inverse (shrunk) covariance
    rec_log_mean: float
    rec_log_sd: float
    maha_log_mean: float
    maha_log_sd: float

    def components(self, mu: np.ndarray, rec: np.ndarray) -> dict[str, np.ndarray]:
        d = mu - self.latent_mean
        maha = np.sqrt(np.maximum(np.einsum("ni,ij,nj->n", d, self.latent_prec, d), 1e-12))
        z_rec = (np.log(np.maximum(rec, 1e-12)) - self.rec_log_mean) / self.rec_log_sd
        z_maha = (np.log(maha) - self.maha_log_mean) / self.maha_log_sd
        # two-sided (typicality): an image reconstructed far BETTER than training CT (flat,
        # simple images) is as atypical as one reconstructed far worse
        return {"rec": z_rec, "maha": z_maha, "score": np.abs(z_rec) + np.abs(z_maha)}


def fit_stats(mu: np.ndarray, rec: np.ndarray, shrink: float = 0.1) -> ScoreStats:
    mean = mu.mean(0)
    cov = np.cov(mu, rowvar=False)
    cov = (1 - shrink) * cov + shrink * np.eye(len(cov)) * np.trace(cov) / len(cov)
    prec = np.linalg.inv(cov)
    d = mu - mean
    maha = np.sqrt(np.einsum("ni,ij,nj->n", d, prec, d))
    lr, lm = np.log(np.maximum(rec, 1e-12)), np.log(np.maximum(maha, 1e-12))
    return ScoreStats(
        mean.astype(np.float64),
        prec.astype(np.float64),
        float(lr.mean()),
        float(lr.std() + 1e-6),
        float(lm.mean()),
        float(lm.std() + 1e-6),
    )


class InputGuard:
    """The shipped guard: ``InputGuard().assess(pixels) -> GuardResult``.

    The slice score is the VAE score the card names (``score.kind``), plus, when the card has a
    ``score.plausibility`` block, the physical-plausibility term (:class:`Plausibility`)."""

    def __init__(self, guard_id: str = GUARD_ID, root: Path | None = None) -> None:
        card = read_card(guard_id, root, label="The input guard")
        state = load_verified(card, root)
        self.model = ConvVAE(**card["architecture"]["args"])
        self.model.load_state_dict({k: v for k, v in state.items() if not k.startswith("stats.")})
        self.model.eval()
        s = card["score"]
        self.stats = ScoreStats(
            state["stats.latent_mean"].double().numpy(),
            state["stats.latent_prec"].double().numpy(),
            float(s["rec_log_mean"]),
            float(s["rec_log_sd"]),
            float(s["maha_log_mean"]),
            float(s["maha_log_sd"]),
        )
        self.threshold = float(card["threshold"]["value"])
        self.kind = str(s.get("kind", "typicality"))
        if self.kind not in SCORE_KINDS:
            raise ModelError(f"The input guard's card names an unknown score '{self.kind}'.")
        pl = s.get("plausibility")
        self.plausibility = (
            Plausibility(
                float(pl["metal_tol"]), float(pl["cut_tol"]), float(pl["scale"]),
                float(pl.get("metal_hu", METAL_HU)),
                float(pl["streak"]["tol"]) if pl.get("streak", {}).get("used") else None,
            )
            if pl and pl.get("used", True)
            else None
        )
        self.card = card
        self.guard_id = guard_id

    @property
    def channels(self) -> int:
        return self.model.channels

    def slice_scores(self, pixels: np.ndarray) -> np.ndarray:
        """Score of every slice of a 2-D slice or 3-D series (values as HU)."""
        arr = np.asarray(pixels, dtype=np.float32)
        base = self.scores(preprocess_stack(arr, channels=self.channels))[self.kind]
        if self.plausibility is None:
            return base
        pl = self.plausibility
        return base + pl.penalty(image_features(arr, pl.metal_hu, pl.streaks))

    def scores(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every candidate VAE score of preprocessed slices (higher = less like the training CT)."""
        c = self.stats.components(*features(self.model, x))
        t = elbo_terms(self.model, x)
        return {
            "typicality": c["score"],
            "rec": c["rec"],
            "latent": c["maha"],
            "neg_elbo": t["bce"] + t["kl"],
            # complexity-corrected: the cross-entropy above its floor (the input's own entropy)
            "neg_elbo_excess": t["bce"] - t["entropy"] + t["kl"],
            # Serra et al. 2020: -log p(x) - L(x), L = a generic compressor's code length
            "neg_elbo_png": t["bce"] + t["kl"] - png_nats(x),
        }

    def score_images(self, imgs: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Every candidate VAE score, the plausibility features (``metal``, ``cut``) and the
        shipped ``score`` of a list of 2-D images in HU."""
        x = np.stack([preprocess(i, channels=self.channels) for i in imgs])
        out = self.scores(x)
        pl = self.plausibility
        feats = image_features(imgs, pl.metal_hu if pl else METAL_HU, bool(pl and pl.streaks))
        out["metal"], out["cut"] = feats[:, 0], feats[:, 1]
        if feats.shape[1] > 2:
            out["streak"] = feats[:, 2]
        out["score"] = out[self.kind] + (
            self.plausibility.penalty(feats) if self.plausibility is not None else 0.0
        )
        return out

    def assess(self, pixels: np.ndarray) -> GuardResult:
        scores = self.slice_scores(pixels)
        score = float(np.median(scores))
        verdict = GuardVerdict.INSIDE if score <= self.threshold else GuardVerdict.OUTSIDE
        return GuardResult(
            score, self.threshold, verdict, tuple(round(float(s), 3) for s in scores), self.guard_id
        )


# ---------------------------------------------------------------------------- training


def split_raw(split: str, min_body: float = 0.02) -> tuple[list[np.ndarray], list[str]]:
    """The HU slices of one split of :data:`medgen.enhance.data.SPLIT` (every slice with at
    least ``min_body`` of its pixels above -500 HU) and their volume names."""
    from medgen.enhance.data import load_volumes

    xs: list[np.ndarray] = []
    names: list[str] = []
    for vol in load_volumes():
        if vol.info.split != split:
            continue
        for s in vol.hu:
            if float((s > -500).mean()) >= min_body:
                xs.append(np.asarray(s, dtype=np.float32))
                names.append(vol.info.name)
        log.info("%s (%s): %d slices", vol.info.name, split, names.count(vol.info.name))
    if not xs:
        raise ModelError(f"no {split} CT slices found; run make ldct-data and make ldct-real")
    return xs, names


def split_slices(
    split: str, min_body: float = 0.02, channels: int = 1
) -> tuple[np.ndarray, list[str]]:
    """Preprocessed slices of one split (:func:`split_raw`) and their volume names."""
    xs, names = split_raw(split, min_body)
    return np.stack([preprocess(s, channels=channels) for s in xs]), names


def validation_set(x_val: np.ndarray, n_aug: int, seed: int, fov: float = 0.0) -> np.ndarray:
    """The validation slices plus ``n_aug`` random variants of each (geometry + noise, and
    field-of-view padding with probability ``fov`` for two-channel input)."""
    gen = torch.Generator().manual_seed(seed)
    t = _nchw(x_val)
    out = [t]
    for _ in range(n_aug):
        out.append(augment(t, gen, noise=0.03, fov=fov))
    res = torch.cat(out).numpy()
    return res[:, 0] if x_val.ndim == 3 else res


def train(config: dict[str, Any], out_root: Path | None = None) -> dict[str, Any]:
    """Train the VAE, fit the score, calibrate the threshold, write weights + card."""
    torch.manual_seed(int(config.get("seed", 0)))
    gen = torch.Generator().manual_seed(int(config.get("seed", 0)))
    t0 = time.perf_counter()
    channels, fov = int(config.get("channels", 1)), float(config.get("fov", 0.0))
    x_train, train_names = split_slices("train", channels=channels)
    x_val, val_names = split_slices("val", channels=channels)
    model = ConvVAE(int(config.get("latent", 32)), int(config.get("width", 32)), channels)
    opt = torch.optim.Adam(model.parameters(), lr=float(config.get("lr", 1e-3)))
    if config.get("init_from"):
        # continue from a shipped guard's weights (sha256 checked)
        init = read_card(str(config["init_from"]), out_root, label="The input guard")
        state0 = load_verified(init, out_root)
        model.load_state_dict({k: v for k, v in state0.items() if not k.startswith("stats.")})
    xt = _nchw(x_train)
    oe = config.get("outlier_exposure") or {}
    x_oe = None
    if oe:
        # outlier exposure: artefacts made from TRAINING patients' slices (own random draws)
        raw_train, _ = split_raw("train")
        base_oe = raw_train[:: int(oe.get("every", 2))]
        seed_oe = int(config.get("seed", 0)) + 101
        pool = synthetic_metal(base_oe, seed_oe) + synthetic_truncation(base_oe, seed_oe + 1)
        x_oe = _nchw(np.stack([preprocess(i, channels=channels) for i in pool]))
        log.info("outlier exposure pool: %d images (%.0f s)", len(x_oe), time.perf_counter() - t0)
    steps, bs, beta = int(config.get("steps", 3000)), int(config.get("batch", 32)), float(config.get("beta", 1.0))
    model.train()
    for step in range(steps):
        idx = torch.randint(0, len(xt), (bs,), generator=gen)
        xb = augment(xt[idx], gen, noise=float(config.get("noise", 0.03)), fov=fov)
        rec, mu, lv = model(xb)
        loss = elbo_loss(xb, rec, mu, lv, beta)
        if x_oe is not None:
            # hinge: an artefact's -ELBO at least `margin` nats above the batch's mean
            io = torch.randint(0, len(x_oe), (int(oe.get("batch", 16)),), generator=gen)
            xo = augment(x_oe[io], gen, noise=float(config.get("noise", 0.03)))
            ro, mo, lo = model(xo)
            nel_o = _neg_elbo_per_image(xo, ro, mo, lo, beta)
            nel_i = _neg_elbo_per_image(xb, rec, mu, lv, beta).mean().detach()
            loss = loss + float(oe.get("weight", 1.0)) * F.relu(float(oe.get("margin", 2000.0)) - (nel_o - nel_i)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 250 == 0 or step == steps - 1:
            log.info("step %d/%d  loss %.1f  (%.0f s)", step, steps, float(loss.detach()), time.perf_counter() - t0)
    model.eval()
    # Score statistics on (augmented) training slices, threshold on validation slices.
    x_fit = torch.cat([xt] + [augment(xt, gen, noise=0.03, fov=fov) for _ in range(4)]).numpy()
    mu, rec = features(model, x_fit)
    stats = fit_stats(mu, rec)
    xv = validation_set(x_val, int(config.get("val_aug", 31)), int(config.get("seed", 0)) + 1, fov)
    mu_v, rec_v = features(model, xv)
    val_scores = stats.components(mu_v, rec_v)["score"]
    tpr = float(config.get("tpr", 0.95))
    threshold = float(np.quantile(val_scores, tpr))
    train_scores = stats.components(*features(model, x_train))["score"]
    elapsed = time.perf_counter() - t0

    base = out_root or weights_dir()
    guard_id = str(config.get("guard_id", GUARD_ID))
    state = {k: v.detach() for k, v in model.state_dict().items()}
    state["stats.latent_mean"] = torch.from_numpy(stats.latent_mean.astype(np.float32))
    state["stats.latent_prec"] = torch.from_numpy(stats.latent_prec.astype(np.float32))
    card = {
        "model_id": guard_id,
        "task": "input-guard",
        "architecture": {
            "class": "medgen.enhance.vae.ConvVAE",
            "args": {"latent": model.latent, "width": model.width, "channels": model.channels},
            "parameters": int(sum(p.numel() for p in model.parameters())),
        },
        "input": f"any 2-D image, values taken as HU; padded square with its minimum, windowed "
        f"{WINDOW[0]:.0f}..{WINDOW[1]:.0f} -> 0..1"
        + (f" and (second channel) {WIDE[0]:.0f}..{WIDE[1]:.0f} -> 0..1" if channels == 2 else "")
        + f", area-downsampled to {SIZE} x {SIZE}",
        "training_data": {
            "split": "train of medgen.enhance.data.SPLIT (by patient)",
            "volumes": {n: train_names.count(n) for n in dict.fromkeys(train_names)},
            "augmentation": "flips, rotations +-20 deg, zoom 0.8-1.25, shifts +-8 %, Gaussian noise SD <= 0.03"
            + (
                f"; with probability {fov}: scanner padding ({', '.join(f'{f:.0f}' for f in FOV_FILLS_HU)} "
                "HU) outside a centred reconstruction circle (radius 0.92-1.0 x half the side; at most "
                f"{FOV_MAX_CUT} x the side of tissue pixels outside it, else no padding)"
                if fov > 0 and channels == 2
                else ""
            ),
        },
        "score": {
            "definition": SCORE_DEFINITION,
            "rec_log_mean": stats.rec_log_mean,
            "rec_log_sd": stats.rec_log_sd,
            "maha_log_mean": stats.maha_log_mean,
            "maha_log_sd": stats.maha_log_sd,
            "covariance_shrinkage": 0.1,
        },
        "threshold": {
            "value": threshold,
            "true_positive_rate": tpr,
            "calibration": f"{int(tpr * 100)}th percentile of the score on validation CT: "
            f"{', '.join(dict.fromkeys(val_names))} ({len(x_val)} slices) plus "
            f"{int(config.get('val_aug', 31))} random geometric/noise/padding variants of each "
            f"({len(xv)} images)",
            "validation_score_median": float(np.median(val_scores)),
            "training_score_p95": float(np.quantile(train_scores, 0.95)),
        },
        **(
            {
                "outlier_exposure": "training also pushed the -ELBO of synthetic metal and truncation "
                "artefacts (synthetic_metal / synthetic_truncation, made from every "
                f"{int(oe.get('every', 2))}th TRAINING slice with their own random draws) at least "
                f"{oe.get('margin', 2000.0)} nats above the batch's in-distribution mean (hinge, weight "
                f"{oe.get('weight', 1.0)}); starting from {config.get('init_from') or 'scratch'}"
            }
            if oe
            else {}
        ),
        "training": {
            "config": config,
            "command": "nice -n 5 python -m medgen.enhance.vae train --config "
            + str(config.get("_path", "")),
            "torch_threads": torch.get_num_threads(),
            "training_time_s": round(elapsed, 1),
        },
    }
    card = export_model(state, guard_id, card, {}, keep=("metrics",), root=base)
    log.info("wrote %s (threshold %.3f, %.0f s)", card_path(guard_id, base), threshold, elapsed)
    return card


def _validation_scores(
    guard: InputGuard, config: dict[str, Any], metal_hu: float = METAL_HU, streaks: bool = False
) -> tuple[dict[str, np.ndarray], np.ndarray, list[str], int]:
    """Every candidate VAE score and the plausibility features of the validation CT (the
    validation slices plus ``val_aug`` random variants of each; a variant has the features of
    its slice: flips, rotations, zooms and padding inside the circle change no HU value)."""
    raw, names = split_raw("val")
    x_val = np.stack([preprocess(s, channels=guard.channels) for s in raw])
    n_aug = int(config.get("val_aug", 31))
    xv = validation_set(x_val, n_aug, int(config.get("seed", 0)) + 1, float(config.get("fov", 0.0)))
    feats = np.tile(image_features(raw, metal_hu, streaks), (n_aug + 1, 1))
    return guard.scores(xv), feats, names, len(xv)


def recalibrate(config: dict[str, Any], root: Path | None = None) -> dict[str, Any]:
    """Recompute the threshold of a shipped guard (its score kind and plausibility term as in
    its card) on the validation CT; the weights, and so their sha256, are unchanged."""
    base = root or weights_dir()
    guard_id = str(config.get("guard_id", GUARD_ID))
    guard = InputGuard(guard_id, base)
    pl = guard.plausibility
    sv, feats, _, _ = _validation_scores(guard, config, pl.metal_hu if pl else METAL_HU, bool(pl and pl.streaks))
    val = sv[guard.kind] + (guard.plausibility.penalty(feats) if guard.plausibility else 0.0)
    tpr = float(config.get("tpr", 0.95))
    card = guard.card
    card["threshold"].update(
        value=float(np.quantile(val, tpr)),
        validation_score_median=float(np.median(val)),
        recalibrated_by=f"python -m medgen.enhance.vae calibrate --config {config.get('_path', '')}",
    )
    card_path(guard_id, base).write_text(json.dumps(card, indent=2) + "\n")
    log.info("%s: threshold %.3f", guard_id, card["threshold"]["value"])
    return card


#: Validation out-of-distribution images for choosing the score: pydicom test files that
#: bench/guard.py does NOT use (nuclear medicine, secondary-capture photographs and test
#: patterns, a segmentation).
VAL_OOD_FILES = (
    "JPEG2000.dcm", "image_dfl.dcm", "mlut_18.dcm", "vlut_04.dcm", "OT-PAL-8-face.dcm",
    "liver.dcm", "SC_rgb.dcm",
)  # fmt: skip


def validation_ood_images() -> list[np.ndarray]:
    """:data:`VAL_OOD_FILES` as 2-D arrays (colour as luminance, up to 3 frames each)."""
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.pixels import apply_color_lut

    xs: list[np.ndarray] = []
    for name in VAL_OOD_FILES:
        path = get_testdata_file(name, download=False)
        if path is None:
            continue
        try:
            ds = pydicom.dcmread(path, force=True)
            arr = ds.pixel_array
        except (AttributeError, ValueError, RuntimeError) as exc:
            log.warning("validation OOD file %s unreadable (%s), skipped", name, exc)
            continue
        if str(ds.get("PhotometricInterpretation", "")) == "PALETTE COLOR":
            arr = apply_color_lut(arr, ds)
        arr = arr.astype(np.float32)
        if int(ds.get("NumberOfFrames", 1) or 1) == 1:
            arr = arr[None]
        if arr.ndim == 4:
            arr = arr[..., :3].mean(-1)
        xs += list(arr[:3])
    return xs


def validation_ood() -> np.ndarray:
    """Preprocessed :data:`VAL_OOD_FILES` (one channel)."""
    return np.stack([preprocess(i) for i in validation_ood_images()])


def _downsample(s: np.ndarray, n: int = 256) -> np.ndarray:
    t = torch.from_numpy(np.ascontiguousarray(s, dtype=np.float32))[None, None]
    mode = "area" if s.shape[0] >= n else "bilinear"
    kw = {} if mode == "area" else {"align_corners": False}
    return F.interpolate(t, size=(n, n), mode=mode, **kw)[0, 0].numpy()


def synthetic_metal(slices: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """Selection-only artefacts (outlier exposure, never trained on): 1-3 metal inserts of
    random size (1.2-4 % of the side), position (inside the body) and value (2200-4000 HU),
    with streaks from a random beam-hardening-like error on the rays through the metal
    (filtered back-projected, 200-900 HU SD in the body); values below -1024 clipped."""
    from skimage.transform import iradon, radon

    rng = np.random.default_rng(seed)
    out = []
    for s in slices:
        small = _downsample(s)
        n = small.shape[0]
        ys, xs = np.nonzero(small > 0)  # soft tissue and bone: where implants sit
        if len(ys) < 50:
            continue
        yy, xx = np.mgrid[:n, :n]
        metal = np.zeros((n, n), dtype=np.float32)
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(len(ys)))
            rad = rng.uniform(0.012, 0.04) * n
            metal[(yy - ys[k]) ** 2 + (xx - xs[k]) ** 2 <= rad**2] = 1.0
        theta = np.linspace(0.0, 180.0, 120, endpoint=False)
        p = radon(metal, theta=theta, circle=False)
        err = -(p**2) * rng.uniform(0.02, 0.1) + rng.normal(0, 1, p.shape) * (p > 0) * rng.uniform(0.5, 3)
        streak = iradon(err, theta=theta, circle=False, filter_name="ramp", output_size=n)
        body = small > -500
        streak *= rng.uniform(200, 900) / max(float(np.abs(streak[body]).std()), 1e-6)
        arte = np.where(metal > 0, rng.uniform(2200, 4000), small + streak)
        out.append(np.maximum(arte, -1024.0).astype(np.float32))
    return out


def synthetic_truncation(slices: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """Selection-only artefacts: a field of view (radius 45-90 % of the body's half extent,
    centre moved up to 10 %) that cuts through the body, scanner padding (-3024 / -2048 / -2000
    HU) outside it and a bright rim of 0-800 HU inside its edge."""
    rng = np.random.default_rng(seed)
    out = []
    for s in slices:
        n = s.shape[0]
        ys, xs = np.nonzero(s > -500)
        if len(ys) < 50:
            continue
        half = 0.5 * max(ys.max() - ys.min(), xs.max() - xs.min())
        cy, cx = ys.mean() + rng.uniform(-0.1, 0.1) * half, xs.mean() + rng.uniform(-0.1, 0.1) * half
        r_fov = rng.uniform(0.45, 0.9) * half
        yy, xx = np.mgrid[:n, :n]
        r = np.hypot(yy - cy, xx - cx)
        rim = rng.uniform(0, 800) * np.exp(-(r_fov - r) / (rng.uniform(0.01, 0.05) * n))
        t = s + rim * (r <= r_fov) * (s > -500)
        out.append(np.where(r <= r_fov, t, float(rng.choice([-3024.0, -2048.0, -2000.0]))).astype(np.float32))
    return out


def _auroc(pos: np.ndarray, neg: np.ndarray) -> float:
    a, b = np.asarray(neg)[:, None], np.asarray(pos)[None, :]
    return float(((b > a).sum() + 0.5 * (b == a).sum()) / (a.size * b.size))


def select(config: dict[str, Any], root: Path | None = None) -> dict[str, Any]:
    """Choose the score on VALIDATION data and set the threshold at the configured
    true-positive rate on the validation CT (weights unchanged).

    Candidates: every VAE score of :data:`SCORE_KINDS`, each alone and with the plausibility
    term (:class:`Plausibility`; its tolerances from the training and validation CT). Judged on
    validation CT (+ augmented variants) against three validation OOD types: the pydicom files
    of :data:`VAL_OOD_FILES`, and metal (:func:`synthetic_metal`) and truncation
    (:func:`synthetic_truncation`) artefacts made from VALIDATION patients' slices
    with random parameters of their own (bases: the validation slices only, so that they differ
    from the validation CT by the artefact alone). Rule: the highest worst-type AUROC, then mean AUROC,
    then the most OOD images detected at the threshold."""
    base = root or weights_dir()
    guard_id = str(config.get("guard_id", GUARD_ID))
    guard = InputGuard(guard_id, base)
    sv, _, val_names, n_val = _validation_scores(guard, config)
    tpr = float(config.get("tpr", 0.95))
    train_raw, _ = split_raw("train")
    val_raw, _ = split_raw("val")
    # the metal level: a physical one (above cortical bone), or the highest HU of any training
    # or validation slice (anything above it was never seen in training)
    hu_seen = float(max(float(s.max()) for s in train_raw + val_raw))
    metal_levels = {"metal > 2500 HU": METAL_HU, f"metal > training max {hu_seen:.0f} HU": hu_seen}
    # the validation files as stored (scanner padding kept): the cut measure on real padding
    from medgen.enhance.data import SPLIT, read_dicom_hu

    f_pad = []
    for info in SPLIT:
        if info.split == "val" and info.file.endswith(".dcm"):
            from pydicom.data import get_testdata_file

            path = get_testdata_file(info.file, download=False)
            if path:
                f_pad.append(image_features(read_dicom_hu(str(path))[0]))
    cut_val_max = float(np.concatenate(f_pad)[:, 1].max()) if f_pad else 0.0
    cut_tol = float(config.get("cut_tol", FOV_MAX_CUT))
    seed = int(config.get("seed", 0)) + 7
    # artefacts on the validation patients' slices (many random draws each): the same patients
    # as the validation CT they are compared with, so only the artefact differs
    art_base = val_raw * int(config.get("val_artefacts", 15))
    ood_types = {
        "pydicom OOD files": validation_ood_images(),
        "synthetic metal (validation patients)": synthetic_metal(art_base, seed),
        "synthetic truncation (validation patients)": synthetic_truncation(art_base, seed + 1),
    }
    so = {name: guard.score_images(imgs) for name, imgs in ood_types.items()}
    n_rep = n_val // len(val_raw)
    table: dict[str, dict[str, Any]] = {}
    plaus_for: dict[str, tuple[Plausibility, str, np.ndarray]] = {}
    variants: list[tuple[str, float | None]] = [("", None)] + [(f"+plausibility ({m})", h) for m, h in metal_levels.items()]
    for k in SCORE_KINDS:
        scale = max(float(np.quantile(sv[k], tpr) - np.quantile(sv[k], 0.01)), 1e-6)
        for suffix, metal_hu in variants:
            name = k + suffix
            if metal_hu is None:
                val = sv[k]
                ood = {t: so[t][k] for t in ood_types}
            else:
                f_in = image_features(train_raw + val_raw, metal_hu)
                metal_tol = max(2.0 * float(f_in[:, 0].max()), 1e-3)
                pl = Plausibility(metal_tol, cut_tol, scale, metal_hu)
                fv = np.tile(image_features(val_raw, metal_hu), (n_rep, 1))
                val = sv[k] + pl.penalty(fv)
                ood = {t: so[t][k] + pl.penalty(image_features(ood_types[t], metal_hu)) for t in ood_types}
                plaus_for[name] = (pl, f"{float(f_in[:, 0].max()):.5f}", val)
            thr = float(np.quantile(val, tpr))
            per = {t: round(_auroc(o, val), 4) for t, o in ood.items()}
            table[name] = {
                "val_auroc_by_type": per,
                "val_auroc_worst": min(per.values()),
                "val_auroc_mean": round(float(np.mean(list(per.values()))), 4),
                "val_ood_detected": round(float(np.concatenate([o > thr for o in ood.values()]).mean()), 4),
            }
    best = max(
        table,
        key=lambda n: (table[n]["val_auroc_worst"], table[n]["val_auroc_mean"], table[n]["val_ood_detected"]),
    )
    kind = best.split("+")[0]
    chosen = plaus_for.get(best)
    val_best = chosen[2] if chosen else sv[kind]
    pl_best = chosen[0] if chosen else None
    card = guard.card
    card["score"]["kind"] = kind
    streak_block = (card["score"].get("plausibility") or {}).get("streak")  # kept: set by streaks calibrate
    card["score"]["plausibility"] = {
        "used": pl_best is not None,
        "definition": "scale * (max(0, metal / metal_tol - 1) + max(0, cut / cut_tol - 1)); metal = "
        f"fraction of tissue pixels (> {TISSUE_HU:.0f} HU) above metal_hu; cut = body pixels "
        f"(tissue opened with a disk of 1 % of the side: thin table / head holder removed) touching "
        f"scanner padding (< {NODATA_HU:.0f} HU, 4-neighbours) per pixel of the image side; "
        "full-resolution HU",
        "metal_hu": pl_best.metal_hu if pl_best else None,
        "metal_hu_candidates": metal_levels,
        "metal_tol": pl_best.metal_tol if pl_best else None,
        "metal_tol_rule": "twice the largest metal fraction of any training or validation CT slice "
        f"({chosen[1] if chosen else '-'}), at least 0.001",
        "cut_tol": cut_tol,
        "cut_tol_rule": f"{cut_tol} (the tissue allowed outside the reconstruction circle in training's "
        f"field-of-view padding); largest on the stored validation files: {cut_val_max:.4f}",
        "scale": (pl_best.scale if pl_best else None),
        "scale_rule": "the score's 95th minus 1st percentile on validation CT",
    }
    if streak_block:
        card["score"]["plausibility"]["streak"] = streak_block
    card["score"]["kinds"] = {
        "typicality": SCORE_DEFINITION,
        "neg_elbo": "negative ELBO in nats per image (Bernoulli cross-entropy of the decoded posterior "
        "mean + KL); higher = less likely under the VAE",
        "neg_elbo_excess": "negative ELBO minus the input's own Bernoulli entropy (the cross-entropy's "
        "floor): a complexity-corrected likelihood",
        "neg_elbo_png": "negative ELBO minus the input's PNG code length in nats (Serra et al. 2020)",
        "rec": "z(log reconstruction MSE), one-sided",
        "latent": "z(log Mahalanobis distance of the posterior mean), one-sided",
    }
    card["score"]["definition"] = f"{best}: {card['score']['kinds'][kind]}" + (
        "; plus the plausibility term (score.plausibility)" if pl_best else ""
    )
    card["score"]["selection"] = {
        "rule": "highest worst-type validation AUROC (validation CT vs each validation OOD type), "
        "then mean AUROC, then most detected at the threshold",
        "validation_ood": {
            t: len(v) for t, v in ood_types.items()
        },
        "validation_ood_note": f"pydicom test files not used by bench/guard.py ({', '.join(VAL_OOD_FILES)}); "
        "metal and truncation made by medgen.enhance.vae.synthetic_metal / synthetic_truncation "
        "from the validation slices (random draws each), with their own random parameters "
        "(outlier exposure for selection only; never trained on)",
        "validation_ct": f"{', '.join(dict.fromkeys(val_names))} + augmented variants ({n_val} images)",
        "chosen": best,
        "table": table,
        "command": f"python -m medgen.enhance.vae select --config {config.get('_path', '')}",
    }
    for stale in ("training_score_p95", "recalibrated_by"):
        card["threshold"].pop(stale, None)
    card["threshold"].update(
        value=float(np.quantile(val_best, tpr)),
        validation_score_median=float(np.median(val_best)),
        score_kind=best,
        set_by=card["score"]["selection"]["command"],
    )
    card_path(guard_id, base).write_text(json.dumps(card, indent=2) + "\n")
    log.info("%s: score %s, threshold %.3f", guard_id, best, card["threshold"]["value"])
    for n, row in table.items():
        log.info("  %-32s worst %.3f mean %.3f detected %.2f %s", n, row["val_auroc_worst"],
                 row["val_auroc_mean"], row["val_ood_detected"], row["val_auroc_by_type"])
    return card


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="The VAE input guard.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("train", "calibrate", "select"):
        tr = sub.add_parser(name)
        tr.add_argument("--config", type=Path, required=True)
        tr.add_argument("--threads", type=int, default=1)
        tr.add_argument("--out", type=Path, default=None, help="weights folder (default: Settings)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(args.threads)
    if args.cmd in ("calibrate", "select"):
        config = json.loads(args.config.read_text())
        config["_path"] = str(args.config)
        (recalibrate if args.cmd == "calibrate" else select)(config, args.out)
        return
    config = json.loads(args.config.read_text())
    config["_path"] = str(args.config)
    train(config, args.out)


if __name__ == "__main__":
    main()
