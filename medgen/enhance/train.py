"""Training CLI: ``python -m medgen.enhance.train --config path.json [--resume]``.

Trains the generator with a pixel loss (L1) and, when ``adv_weight > 0``, a conditional PatchGAN
discriminator with the least-squares GAN loss. Random patches from the training volumes, all
training dose levels mixed, flips / 90-degree rotations. After every epoch: validation PSNR /
SSIM on whole held-out slices, a CSV log row, ``last.pt`` (resumable) and ``best.pt`` (best
validation PSNR). Checkpoints hold ``{"model": state_dict, "model_args": ..., ...}``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from medgen.device import select_device
from medgen.enhance.data import EVAL_DOSES, PairSet, load_split
from medgen.enhance.metrics import psnr, ssim
from medgen.enhance.nets import Generator, PatchDiscriminator
from medgen.enhance.texture import highpass, spectrum_loss

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """One training run (JSON keys = field names; unknown keys are an error)."""

    data_dir: str = "data/ldct"  # built by python -m medgen.enhance.data
    out_dir: str = "runs/ldct"  # checkpoints and logs
    generator: dict[str, int] = field(
        default_factory=lambda: {"base_channels": 16, "depth": 2, "blocks": 2}
    )
    discriminator: dict[str, int] = field(
        default_factory=lambda: {"base_channels": 32, "layers": 3}
    )
    adv_weight: float = 0.0  # weight of the LSGAN term; 0 = pixel-loss (L1) ablation
    # the discriminator sees the high-pass texture (x - blur(x)) of the candidate, not x: its
    # residual channel is then highpass(x) / RESIDUAL_SCALE_HU (see disc_view)
    adv_on_highpass: bool = False
    spectrum_weight: float = 0.0  # weight of the radial log-power-spectrum loss vs full dose
    spectrum_f_min: float = 0.08  # lowest frequency (cycles/pixel) of the spectrum loss
    l1_weight: float = 1.0  # weight of the L1 term (on HU / 1000)
    # optional generator initialisation: a training checkpoint (e.g. the L1 run), or
    # "weights:<model_id>" for a shipped model (sha256 checked), e.g. "weights:ldct-gan-v1"
    init_generator: str = ""
    patch: int = 64  # training patch size (pixels)
    batch: int = 16
    lr: float = 2e-4  # Adam, generator and discriminator
    lr_min: float = 2e-5  # cosine decay floor
    epochs: int = 20
    steps_per_epoch: int = 200
    max_minutes: float = 0.0  # stop after this wall time (0 = no limit); checked after each epoch
    seed: int = 0
    device: str = "auto"  # "auto" | "cpu" | "cuda" | ...
    threads: int = 2  # torch CPU threads
    val_max_slices: int = 8  # validation slices per dose level (whole images)

    def __post_init__(self) -> None:
        if self.patch < 16 or self.patch % 8:
            raise ValueError(f"patch must be a multiple of 8 and >= 16, got {self.patch}")
        for name in ("batch", "epochs", "steps_per_epoch", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.adv_weight < 0 or self.l1_weight < 0 or self.spectrum_weight < 0:
            raise ValueError("adv_weight, l1_weight and spectrum_weight must be >= 0")

    @classmethod
    def from_json(cls, path: Path) -> TrainConfig:
        raw = json.loads(Path(path).read_text())
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown config keys in {path}: {sorted(unknown)}")
        return cls(**raw)


class PatchSampler:
    """Random (low, full) patches with tissue, flips and rotations; seeded."""

    def __init__(self, pairs: PairSet, patch: int, seed: int) -> None:
        self.pairs = pairs
        self.patch = patch
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.patch
        lows: list[np.ndarray] = []
        fulls: list[np.ndarray] = []
        while len(lows) < n:
            i = int(self.rng.integers(len(self.pairs)))
            full, low = self.pairs.full[i], self.pairs.low[i]
            h, w = full.shape
            r, c = int(self.rng.integers(h - p + 1)), int(self.rng.integers(w - p + 1))
            f = full[r : r + p, c : c + p]
            if (f > -500).mean() < 0.25 and self.rng.random() < 0.9:
                continue  # mostly air: resample (keep a few for the background)
            lo = low[r : r + p, c : c + p]
            k = int(self.rng.integers(4))
            flip = bool(self.rng.integers(2))
            f, lo = np.rot90(f, k), np.rot90(lo, k)
            if flip:
                f, lo = f[:, ::-1], lo[:, ::-1]
            fulls.append(np.ascontiguousarray(f))
            lows.append(np.ascontiguousarray(lo))
        return torch.from_numpy(np.stack(lows)[:, None]), torch.from_numpy(np.stack(fulls)[:, None])


def _pad_to(x: torch.Tensor, m: int) -> tuple[torch.Tensor, int, int]:
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, h, w


@torch.inference_mode()
def evaluate(
    gen: Generator, pairs: PairSet, device: torch.device, max_per_dose: int
) -> dict[str, float]:
    """Mean PSNR / SSIM of the generator (and of the low-dose input) on whole validation slices."""
    gen.eval()
    out: dict[str, list[float]] = {"psnr": [], "ssim": [], "psnr_low": [], "texture": []}
    counts: dict[float, int] = {}
    for full, low, dose in zip(pairs.full, pairs.low, pairs.dose, strict=True):
        if counts.get(dose, 0) >= max_per_dose:
            continue
        counts[dose] = counts.get(dose, 0) + 1
        x, h, w = _pad_to(torch.from_numpy(low)[None, None].to(device), gen.args.multiple)
        y = gen(x)[0, 0, :h, :w].float().cpu().numpy()
        out["psnr"].append(psnr(full, y))
        out["ssim"].append(ssim(full, y))
        out["psnr_low"].append(psnr(full, low))
        out["texture"].append(texture_ratio(full, y))
    gen.train()
    return {k: float(np.nanmean(v)) for k, v in out.items()}


def texture_ratio(full: np.ndarray, out: np.ndarray, sigma: float = 1.5) -> float:
    """SD of the high-pass image (x - blur(x)) of ``out`` over that of the full-dose target, in
    soft tissue (-100..200 HU in the target): 1.0 = full-dose texture, < 1 smoother."""
    hp = [
        highpass(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None, None], sigma)[
            0, 0
        ].numpy()
        for a in (full, out)
    ]
    soft = (full > -100) & (full < 200)
    if soft.sum() < 100:
        return float("nan")
    return float(hp[1][soft].std() / max(hp[0][soft].std(), 1e-6))


def disc_view(low: torch.Tensor, candidate: torch.Tensor, on_highpass: bool) -> torch.Tensor:
    """What the discriminator is shown as the candidate (it sees ``(candidate - low) / 50 HU``).

    Plain: the candidate itself, so the discriminator judges the removed noise. High-pass
    (``on_highpass``): ``low + highpass(candidate)``, so its residual channel is exactly the
    candidate's fine texture (noise grain, small edges) on a scale where a few HU count, with
    the low-dose image as context; a waxy output has an almost empty texture channel.
    """
    return low + highpass(candidate) if on_highpass else candidate


def _init_checkpoint(spec: str, device: torch.device) -> dict[str, Any]:
    """``{"model": state_dict, "model_args": ...}`` from a checkpoint path or ``weights:<id>``."""
    if spec.startswith("weights:"):
        from medgen.enhance.cards import load_state

        card, state = load_state(spec.split(":", 1)[1])
        return {"model": state, "model_args": card["architecture"]["args"]}
    return dict(torch.load(spec, map_location=device, weights_only=False))


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(cfg: TrainConfig, resume: bool = False) -> dict[str, Any]:
    """Run (or resume) one training run; returns the final summary (also written to summary.json)."""
    torch.set_num_threads(cfg.threads)
    _seed_all(cfg.seed)
    device = select_device(cfg.device)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = Path(cfg.data_dir)
    train_pairs = load_split(data, "train")
    val_pairs = load_split(data, "val", EVAL_DOSES)
    log.info("train pairs %d, val pairs %d, device %s", len(train_pairs), len(val_pairs), device)

    gen = Generator(**cfg.generator).to(device)
    disc = PatchDiscriminator(**cfg.discriminator).to(device) if cfg.adv_weight > 0 else None
    opt_g = torch.optim.Adam(
        gen.parameters(), lr=cfg.lr, betas=(0.5, 0.999) if disc else (0.9, 0.999)
    )
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr, betas=(0.5, 0.999)) if disc else None
    start_epoch, best, elapsed_before = 0, -math.inf, 0.0
    last = out / "last.pt"
    if resume and last.is_file():
        ck = torch.load(last, map_location=device, weights_only=False)
        gen.load_state_dict(ck["model"])
        opt_g.load_state_dict(ck["opt_g"])
        if disc is not None and opt_d is not None and ck.get("disc"):
            disc.load_state_dict(ck["disc"])
            opt_d.load_state_dict(ck["opt_d"])
        start_epoch, best, elapsed_before = ck["epoch"] + 1, ck["best_psnr"], ck["elapsed_s"]
        torch.set_rng_state(ck["torch_rng"])
        log.info("resumed from %s at epoch %d", last, start_epoch)
    elif cfg.init_generator:
        ck = _init_checkpoint(cfg.init_generator, device)
        if ck["model_args"] != gen.model_args:
            raise ValueError(
                f"init_generator has {ck['model_args']}, config wants {gen.model_args}"
            )
        gen.load_state_dict(ck["model"])
        log.info("generator initialised from %s", cfg.init_generator)

    sampler = PatchSampler(train_pairs, cfg.patch, cfg.seed + 7919 * start_epoch)
    total_steps = cfg.epochs * cfg.steps_per_epoch
    log_path = out / "log.csv"
    new_log = not (resume and log_path.is_file())
    t_start = time.perf_counter()
    summary: dict[str, Any] = {}
    with log_path.open("w" if new_log else "a", newline="") as fh:
        writer = csv.writer(fh)
        if new_log:
            writer.writerow(
                [
                    "epoch",
                    "elapsed_s",
                    "l1",
                    "g_adv",
                    "d_loss",
                    "val_psnr",
                    "val_ssim",
                    "val_psnr_low",
                    "lr",
                    "spectrum",
                    "val_texture",
                ]
            )
        for epoch in range(start_epoch, cfg.epochs):
            sums = {"l1": 0.0, "g_adv": 0.0, "d": 0.0, "spec": 0.0}
            for step in range(cfg.steps_per_epoch):
                g_step = epoch * cfg.steps_per_epoch + step
                lr = cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (
                    1 + math.cos(math.pi * g_step / total_steps)
                )
                for opt in (opt_g, opt_d):
                    if opt is not None:
                        for group in opt.param_groups:
                            group["lr"] = lr
                low, full = (t.to(device) for t in sampler.batch(cfg.batch))
                fake = gen(low)
                if disc is not None and opt_d is not None:
                    d_real = disc(low, disc_view(low, full, cfg.adv_on_highpass))
                    d_fake = disc(low, disc_view(low, fake.detach(), cfg.adv_on_highpass))
                    d_loss = 0.5 * (((d_real - 1) ** 2).mean() + (d_fake**2).mean())
                    opt_d.zero_grad(set_to_none=True)
                    d_loss.backward()
                    opt_d.step()
                    sums["d"] += float(d_loss.detach())
                l1 = F.l1_loss(fake, full) / 1000.0
                loss = cfg.l1_weight * l1
                if cfg.spectrum_weight > 0:
                    spec = spectrum_loss(fake / 1000.0, full / 1000.0, cfg.spectrum_f_min)
                    loss = loss + cfg.spectrum_weight * spec
                    sums["spec"] += float(spec.detach())
                if disc is not None:
                    g_adv = ((disc(low, disc_view(low, fake, cfg.adv_on_highpass)) - 1) ** 2).mean()
                    loss = loss + cfg.adv_weight * g_adv
                    sums["g_adv"] += float(g_adv.detach())
                opt_g.zero_grad(set_to_none=True)
                loss.backward()
                opt_g.step()
                sums["l1"] += float(l1.detach())
            val = evaluate(gen, val_pairs, device, cfg.val_max_slices)
            elapsed = elapsed_before + time.perf_counter() - t_start
            n = cfg.steps_per_epoch
            row = [epoch, round(elapsed, 1), sums["l1"] / n, sums["g_adv"] / n, sums["d"] / n]
            writer.writerow(
                row
                + [val["psnr"], val["ssim"], val["psnr_low"], lr, sums["spec"] / n]
                + [val["texture"]]
            )
            fh.flush()
            log.info(
                "epoch %d  %.0fs  l1 %.5f adv %.4f d %.4f spec %.3f  val PSNR %.2f (low %.2f) "
                "SSIM %.4f texture %.3f",
                epoch,
                elapsed,
                row[2],
                row[3],
                row[4],
                sums["spec"] / n,
                val["psnr"],
                val["psnr_low"],
                val["ssim"],
                val["texture"],
            )
            ck = {
                "model": gen.state_dict(),
                "model_args": gen.model_args,
                "disc": disc.state_dict() if disc is not None else None,
                "disc_args": disc.model_args if disc is not None else None,
                "opt_g": opt_g.state_dict(),
                "opt_d": opt_d.state_dict() if opt_d is not None else None,
                "epoch": epoch,
                "best_psnr": max(best, val["psnr"]),
                "elapsed_s": elapsed,
                "config": asdict(cfg),
                "val": val,
                "torch_rng": torch.get_rng_state(),
            }
            torch.save(ck, out / "last.tmp")
            (out / "last.tmp").replace(last)
            if val["psnr"] > best:
                best = val["psnr"]
                torch.save(
                    {
                        k: ck[k]
                        for k in ("model", "model_args", "epoch", "config", "val", "elapsed_s")
                    },
                    out / "best.pt",
                )
            summary = {"epoch": epoch, "elapsed_s": elapsed, "val": val, "best_val_psnr": best}
            (out / "summary.json").write_text(json.dumps(summary, indent=2))
            if cfg.max_minutes and elapsed > cfg.max_minutes * 60:
                log.info("time budget of %.0f min reached", cfg.max_minutes)
                break
    return summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Train the low-dose CT denoiser.")
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--resume", action="store_true", help="continue from out_dir/last.pt")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    train(TrainConfig.from_json(args.config), resume=args.resume)


if __name__ == "__main__":
    main()
