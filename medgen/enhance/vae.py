"""Input guard: a small convolutional VAE that says whether a slice looks like the CT it was trained on.

Metadata can lie and a PNG has none, so the guard judges the pixels. Each slice is padded to a
square with its own minimum, windowed -1000..1000 (HU) -> 0..1 and area-downsampled to 64 x 64
(:func:`preprocess`). The VAE (:class:`ConvVAE`, ~0.6 M parameters) is trained on the TRAINING CT
slices of the enhancer (:data:`medgen.enhance.data.SPLIT`, split ``train``: InVesalius head CT and
the pyradiomics lung2 chest CT) with random flips, rotations, zooms and shifts.

Scores (higher = less like the training CT), :data:`SCORE_KINDS`:

- ``typicality``: ``|z_rec| + |z_latent|`` (after Nalisnick et al. 2019, typicality), each term
  z-scored with its mean/SD on the training slices: ``z_rec`` of the log reconstruction error
  (MSE of the decoded posterior mean), ``z_latent`` of the log Mahalanobis distance of the
  posterior mean from the training latents;
- ``rec`` and ``latent``: those two terms alone (one-sided);
- ``neg_elbo``: the negative ELBO (Bernoulli cross-entropy + KL, nats per image).

Which one the guard uses (card ``score.kind``) is chosen on VALIDATION data only
(``python -m medgen.enhance.vae select``): validation CT against :data:`VAL_OOD_FILES`, pydicom
test files that ``bench/guard.py`` does not use. The choice was ``neg_elbo``. Plain likelihood
is known to rate simple images as likely; here the windowing makes it work for non-CT images
(MR, radiographs, photographs land mid-grey in the -1000..1000 HU window, where the Bernoulli
cross-entropy is high, while CT is mostly air at 0), and fail where it was expected to: a
truncated field of view (more air) scores as MORE typical than real CT (bench/guard.py).
(A 60-step pilot run, which did look at the bench's sets, had shown the one-sided
reconstruction term rating photographs as typical; that is why ``typicality`` was added.)

The threshold is the 95th percentile of the chosen score on VALIDATION CT (95 % of
in-distribution slices accepted): the two validation patients of ``SPLIT`` with random flips,
rotations, zooms, shifts and added noise.

CLI::

    nice -n 10 python -m medgen.enhance.vae train --config medgen/enhance/configs/ct-guard-vae-v1.json
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
from medgen.weights import card_path, load_verified, read_card, weights_dir, write_weights

log = logging.getLogger(__name__)

GUARD_ID = "ct-guard-vae-v1"
SCORE_DEFINITION = (
    "|z(log reconstruction MSE of the decoded posterior mean)| + |z(log Mahalanobis distance of "
    "the posterior mean from the training latents)|, z-scored with training-slice statistics "
    "(two-sided typicality); higher = less like the training CT"
)
SIZE = 64
WINDOW = (-1000.0, 1000.0)


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


def preprocess(slice_px: np.ndarray, size: int = SIZE) -> np.ndarray:
    """One 2-D slice (values taken as HU) -> ``size x size`` float32 in [0, 1]."""
    a = np.asarray(slice_px, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D slice, got shape {a.shape}")
    a = np.nan_to_num(a, nan=float(np.nanmin(a)) if np.isfinite(a).any() else 0.0)
    h, w = a.shape
    n = max(h, w)
    if h != w:
        pad = np.full((n, n), float(a.min()), dtype=np.float32)
        pad[(n - h) // 2 : (n - h) // 2 + h, (n - w) // 2 : (n - w) // 2 + w] = a
        a = pad
    lo, hi = WINDOW
    a = np.clip((a - lo) / (hi - lo), 0.0, 1.0)
    t = torch.from_numpy(np.ascontiguousarray(a))[None, None]
    mode = "area" if n >= size else "bilinear"
    t = F.interpolate(t, size=(size, size), mode=mode, **({} if mode == "area" else {"align_corners": False}))
    return t[0, 0].numpy().astype(np.float32)


def preprocess_stack(pixels: np.ndarray, size: int = SIZE) -> np.ndarray:
    """2-D slice or 3-D series -> (n, size, size)."""
    arr = np.asarray(pixels)
    if arr.ndim not in (2, 3):
        raise ValueError(f"expected a 2-D slice or a 3-D series, got shape {arr.shape}")
    slices = [arr] if arr.ndim == 2 else list(arr)
    return np.stack([preprocess(s, size) for s in slices])


# ---------------------------------------------------------------------------- model


class ConvVAE(nn.Module):
    """64 x 64 x 1 -> 4 strided convolutions -> latent (mu, logvar) -> mirrored decoder (sigmoid)."""

    def __init__(self, latent: int = 32, width: int = 32) -> None:
        super().__init__()
        self.latent, self.width = latent, width
        c = [1, width, 2 * width, 4 * width, 4 * width]
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
        dec += [nn.Conv2d(width, 1, 3, 1, 1)]
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


def augment(x: torch.Tensor, gen: torch.Generator, noise: float = 0.0) -> torch.Tensor:
    """Random flips, rotations (+-20 deg), zooms (0.8-1.25) and shifts (+-8 %); air (0) fills."""
    n = x.shape[0]
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
    out = F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)
    if noise > 0:
        sd = torch.rand(n, 1, 1, 1, generator=gen) * noise
        out = (out + sd * torch.randn(out.shape, generator=gen)).clamp(0, 1)
    return out


# ---------------------------------------------------------------------------- scoring


@torch.inference_mode()
def features(model: ConvVAE, x: np.ndarray, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(posterior means (n, latent), reconstruction MSE (n,)) of preprocessed slices."""
    mus, errs = [], []
    model.eval()
    for i in range(0, len(x), batch):
        t = torch.from_numpy(np.ascontiguousarray(x[i : i + batch]))[:, None]
        mu, _ = model.encode(t)
        rec = model.decode(mu)
        mus.append(mu.numpy())
        errs.append(((rec - t) ** 2).flatten(1).mean(1).numpy())
    return np.concatenate(mus), np.concatenate(errs)


@torch.inference_mode()
def neg_elbo(model: ConvVAE, x: np.ndarray, batch: int = 64) -> np.ndarray:
    """Negative ELBO (nats per image: Bernoulli cross-entropy of the decoded posterior mean + KL)."""
    out = []
    model.eval()
    for i in range(0, len(x), batch):
        t = torch.from_numpy(np.ascontiguousarray(x[i : i + batch]))[:, None]
        mu, lv = model.encode(t)
        rec = model.decode(mu).clamp(1e-6, 1 - 1e-6)
        bce = F.binary_cross_entropy(rec, t, reduction="none").flatten(1).sum(1)
        kl = -0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(1)
        out.append((bce + kl).numpy())
    return np.concatenate(out)


#: Candidate scores; ``select`` picks one on validation data (card ``score.kind``).
SCORE_KINDS = ("typicality", "neg_elbo", "rec", "latent")


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
    """The shipped guard: ``InputGuard().assess(pixels) -> GuardResult``."""

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
        self.card = card
        self.guard_id = guard_id

    def slice_scores(self, pixels: np.ndarray) -> np.ndarray:
        """Score of every slice of a 2-D slice or 3-D series (values as HU)."""
        return self.scores(preprocess_stack(pixels))[self.kind]

    def scores(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every candidate score of preprocessed slices (higher = less like the training CT)."""
        c = self.stats.components(*features(self.model, x))
        return {
            "typicality": c["score"],
            "rec": c["rec"],
            "latent": c["maha"],
            "neg_elbo": neg_elbo(self.model, x),
        }

    def assess(self, pixels: np.ndarray) -> GuardResult:
        scores = self.slice_scores(pixels)
        score = float(np.median(scores))
        verdict = GuardVerdict.INSIDE if score <= self.threshold else GuardVerdict.OUTSIDE
        return GuardResult(
            score, self.threshold, verdict, tuple(round(float(s), 3) for s in scores), self.guard_id
        )


# ---------------------------------------------------------------------------- training


def split_slices(split: str, min_body: float = 0.02) -> tuple[np.ndarray, list[str]]:
    """Preprocessed slices of one split of :data:`medgen.enhance.data.SPLIT` (every slice with
    at least ``min_body`` of its pixels above -500 HU) and their volume names."""
    from medgen.enhance.data import load_volumes

    xs, names = [], []
    for vol in load_volumes():
        if vol.info.split != split:
            continue
        for s in vol.hu:
            if float((s > -500).mean()) >= min_body:
                xs.append(preprocess(s))
                names.append(vol.info.name)
        log.info("%s (%s): %d slices", vol.info.name, split, names.count(vol.info.name))
    if not xs:
        raise ModelError(f"no {split} CT slices found; run make ldct-data and make ldct-real")
    return np.stack(xs), names


def validation_set(x_val: np.ndarray, n_aug: int, seed: int) -> np.ndarray:
    """The validation slices plus ``n_aug`` random variants of each (geometry + noise)."""
    gen = torch.Generator().manual_seed(seed)
    t = torch.from_numpy(x_val)[:, None]
    out = [t]
    for _ in range(n_aug):
        out.append(augment(t, gen, noise=0.03))
    return torch.cat(out)[:, 0].numpy()


def train(config: dict[str, Any], out_root: Path | None = None) -> dict[str, Any]:
    """Train the VAE, fit the score, calibrate the threshold, write weights + card."""
    torch.manual_seed(int(config.get("seed", 0)))
    gen = torch.Generator().manual_seed(int(config.get("seed", 0)))
    t0 = time.perf_counter()
    x_train, train_names = split_slices("train")
    x_val, val_names = split_slices("val")
    model = ConvVAE(int(config.get("latent", 32)), int(config.get("width", 32)))
    opt = torch.optim.Adam(model.parameters(), lr=float(config.get("lr", 1e-3)))
    xt = torch.from_numpy(x_train)[:, None]
    steps, bs, beta = int(config.get("steps", 3000)), int(config.get("batch", 32)), float(config.get("beta", 1.0))
    model.train()
    for step in range(steps):
        idx = torch.randint(0, len(xt), (bs,), generator=gen)
        xb = augment(xt[idx], gen, noise=float(config.get("noise", 0.03)))
        rec, mu, lv = model(xb)
        loss = elbo_loss(xb, rec, mu, lv, beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 250 == 0 or step == steps - 1:
            log.info("step %d/%d  -elbo %.1f  (%.0f s)", step, steps, float(loss.detach()), time.perf_counter() - t0)
    model.eval()
    # Score statistics on (augmented) training slices, threshold on validation slices.
    x_fit = torch.cat([xt] + [augment(xt, gen, noise=0.03) for _ in range(4)])[:, 0].numpy()
    mu, rec = features(model, x_fit)
    stats = fit_stats(mu, rec)
    xv = validation_set(x_val, int(config.get("val_aug", 31)), int(config.get("seed", 0)) + 1)
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
        **write_weights(state, guard_id, base),
        "architecture": {
            "class": "medgen.enhance.vae.ConvVAE",
            "args": {"latent": model.latent, "width": model.width},
            "parameters": int(sum(p.numel() for p in model.parameters())),
        },
        "input": f"any 2-D image, values taken as HU; padded square with its minimum, windowed "
        f"{WINDOW[0]:.0f}..{WINDOW[1]:.0f} -> 0..1, area-downsampled to {SIZE} x {SIZE}",
        "training_data": {
            "split": "train of medgen.enhance.data.SPLIT (by patient)",
            "volumes": {n: train_names.count(n) for n in dict.fromkeys(train_names)},
            "augmentation": "flips, rotations +-20 deg, zoom 0.8-1.25, shifts +-8 %, Gaussian noise SD <= 0.03",
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
            f"{int(config.get('val_aug', 31))} random geometric/noise variants of each "
            f"({len(xv)} images)",
            "validation_score_median": float(np.median(val_scores)),
            "training_score_p95": float(np.quantile(train_scores, 0.95)),
        },
        "training": {
            "config": config,
            "command": "nice -n 10 python -m medgen.enhance.vae train --config "
            + str(config.get("_path", "")),
            "torch_threads": torch.get_num_threads(),
            "training_time_s": round(elapsed, 1),
        },
    }
    prev = card_path(guard_id, base)
    if prev.is_file():
        old = json.loads(prev.read_text())
        if "metrics" in old:
            card["metrics"] = old["metrics"]
    prev.write_text(json.dumps(card, indent=2) + "\n")
    log.info("wrote %s (threshold %.3f, %.0f s)", prev, threshold, elapsed)
    return card


def recalibrate(config: dict[str, Any], root: Path | None = None) -> dict[str, Any]:
    """Recompute the threshold of a shipped guard on the validation CT with the current
    :data:`SCORE_DEFINITION` (the weights, and so their sha256, are unchanged)."""
    base = root or weights_dir()
    guard_id = str(config.get("guard_id", GUARD_ID))
    guard = InputGuard(guard_id, base)
    x_train, _ = split_slices("train")
    x_val, val_names = split_slices("val")
    xv = validation_set(x_val, int(config.get("val_aug", 31)), int(config.get("seed", 0)) + 1)
    val_scores = guard.stats.components(*features(guard.model, xv))["score"]
    train_scores = guard.stats.components(*features(guard.model, x_train))["score"]
    tpr = float(config.get("tpr", 0.95))
    card = guard.card
    card["score"]["definition"] = SCORE_DEFINITION
    card["threshold"].update(
        value=float(np.quantile(val_scores, tpr)),
        validation_score_median=float(np.median(val_scores)),
        training_score_p95=float(np.quantile(train_scores, 0.95)),
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


def validation_ood() -> np.ndarray:
    """Preprocessed :data:`VAL_OOD_FILES` (colour as luminance, up to 3 frames each)."""
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.pixels import apply_color_lut

    xs = []
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
        xs += [preprocess(f) for f in arr[:3]]
    return np.stack(xs)


def _auroc(pos: np.ndarray, neg: np.ndarray) -> float:
    a, b = np.asarray(neg)[:, None], np.asarray(pos)[None, :]
    return float(((b > a).sum() + 0.5 * (b == a).sum()) / (a.size * b.size))


def select(config: dict[str, Any], root: Path | None = None) -> dict[str, Any]:
    """Choose the score on VALIDATION data (validation CT vs :data:`VAL_OOD_FILES`) and set the
    threshold at the configured true-positive rate on the validation CT (weights unchanged)."""
    base = root or weights_dir()
    guard_id = str(config.get("guard_id", GUARD_ID))
    guard = InputGuard(guard_id, base)
    x_val, val_names = split_slices("val")
    xv = validation_set(x_val, int(config.get("val_aug", 31)), int(config.get("seed", 0)) + 1)
    xo = validation_ood()
    sv, so = guard.scores(xv), guard.scores(xo)
    tpr = float(config.get("tpr", 0.95))
    table = {}
    for k in SCORE_KINDS:
        thr = float(np.quantile(sv[k], tpr))
        table[k] = {
            "val_auroc": round(_auroc(so[k], sv[k]), 4),
            "val_ood_detected": round(float((so[k] > thr).mean()), 4),
        }
    best = max(SCORE_KINDS, key=lambda k: (table[k]["val_auroc"], table[k]["val_ood_detected"]))
    card = guard.card
    card["score"]["kind"] = best
    card["score"]["kinds"] = {
        "typicality": SCORE_DEFINITION,
        "neg_elbo": "negative ELBO in nats per 64 x 64 image (Bernoulli cross-entropy of the "
        "decoded posterior mean + KL); higher = less likely under the VAE",
        "rec": "z(log reconstruction MSE), one-sided",
        "latent": "z(log Mahalanobis distance of the posterior mean), one-sided",
    }
    card["score"]["selection"] = {
        "rule": "highest AUROC of validation CT vs validation OOD images (ties: most detected)",
        "validation_ood": f"pydicom test files not used by bench/guard.py: {', '.join(VAL_OOD_FILES)} "
        f"({len(xo)} images)",
        "validation_ct": f"{', '.join(dict.fromkeys(val_names))} + augmented variants ({len(xv)} images)",
        "table": table,
        "command": f"python -m medgen.enhance.vae select --config {config.get('_path', '')}",
    }
    for stale in ("training_score_p95", "recalibrated_by"):
        card["threshold"].pop(stale, None)
    card["threshold"].update(
        value=float(np.quantile(sv[best], tpr)),
        validation_score_median=float(np.median(sv[best])),
        score_kind=best,
        set_by=card["score"]["selection"]["command"],
    )
    card_path(guard_id, base).write_text(json.dumps(card, indent=2) + "\n")
    log.info("%s: score %s (validation %s), threshold %.3f", guard_id, best, table, card["threshold"]["value"])
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
