"""Training CLI: ``python -m medgen.molecules.train --config path.json [--resume]``.

Trains :class:`~medgen.molecules.model.SmilesVAE` on a seeded random subset of the MOSES training
split with teacher forcing, a KL weight annealed linearly from 0 to ``kl_w_end`` and a cosine
learning-rate decay. Every ``eval_every`` steps: reconstruction / KL on held-out MOSES test
molecules, validity of ``eval_samples`` molecules sampled from the prior, a CSV log row and
``last.pt`` (resumable). Checkpoints hold ``{"model": state_dict, "model_args": ..., "vocab": ...}``.
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

from medgen.enhance.infer import select_device
from medgen.molecules.chem import kekule_smiles
from medgen.molecules.data import load_split, train_holdout, train_subset
from medgen.molecules.model import SmilesVAE, VAEConfig
from medgen.molecules.tokenizer import Vocabulary

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """One training run (JSON keys = field names; unknown keys are an error)."""

    data_dir: str = "data/molecules"  # unpacked MOSES files (make molecules-data)
    out_dir: str = "runs/smiles-vae"  # checkpoints, log.csv, summary.json
    train_size: int = 200_000  # molecules drawn (seeded) from the MOSES train split
    val_size: int = 2_000  # held-out molecules for validation losses
    val_split: str = "test"  # "test": the first val_size of the MOSES test split (v1, v2);
    # "train_holdout": train-split molecules outside the training subset (data.train_holdout), so
    # nothing chosen on validation touches the test split the benchmark uses
    smiles_form: str = "canonical"  # "canonical" (RDKit aromatic SMILES as stored) or "kekule"
    # (chem.kekule_smiles: explicit double bonds, no aromatic atoms to kekulise when decoding)
    model: dict[str, Any] = field(default_factory=dict)  # VAEConfig fields (vocab_size is set here)
    batch: int = 128  # molecules per step
    lr: float = 1e-3  # Adam learning rate at the start
    lr_min: float = 1e-4  # cosine decay floor
    steps: int = 10_000  # optimiser steps at most (the cosine and KL schedules run over this...)
    kl_w_end: float = 0.05  # final KL weight (the MOSES VAE uses 0.05 on a per-token mean loss)
    kl_anneal_frac: float = 0.5  # fraction of the steps over which the KL weight rises from 0
    word_dropout: float = 0.0  # probability of replacing a decoder input token by <unk>
    free_bits: float = 0.0  # KL floor per latent dimension in nats (0 = plain KL; see kl_objective)
    bucket: bool = False  # batches of similar length (less padding; order still seeded per epoch)
    recon_eval: int = 0  # validation molecules greedily reconstructed at each evaluation (0 = none)
    eval_temperature: float = 1.0  # sampling temperature of the validity check
    grad_clip: float = 50.0  # gradient-norm clip
    eval_every: int = 500  # steps between validation, log row and checkpoint
    eval_samples: int = 500  # prior samples whose validity is logged at each evaluation
    log_every: int = 50  # steps between progress lines
    max_minutes: float = 0.0  # ...or over this wall time if that runs out first (0 = steps only):
    # schedule progress = max(step / steps, elapsed / max_minutes), so the learning rate and the KL
    # weight reach their final values even when a shared CPU runs slower than measured
    seed: int = 0
    device: str = "auto"  # "auto" (CUDA, then MPS, then CPU) or a torch device string
    threads: int = 1  # torch CPU threads (1 on a shared machine)

    def __post_init__(self) -> None:
        for name in ("train_size", "val_size", "batch", "steps", "eval_every", "log_every",
                     "threads"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.kl_w_end < 0 or not 0 < self.kl_anneal_frac <= 1:
            raise ValueError("kl_w_end must be >= 0 and kl_anneal_frac in (0, 1]")
        if not 0 <= self.word_dropout < 1:
            raise ValueError(f"word_dropout must be in [0, 1), got {self.word_dropout}")
        if self.free_bits < 0 or self.recon_eval < 0 or self.eval_temperature < 0:
            raise ValueError("free_bits, recon_eval and eval_temperature must be >= 0")
        if self.val_split not in ("test", "train_holdout"):
            raise ValueError(f"val_split must be 'test' or 'train_holdout', got {self.val_split!r}")
        if self.smiles_form not in ("canonical", "kekule"):
            raise ValueError(f"smiles_form must be 'canonical' or 'kekule', got {self.smiles_form!r}")

    @classmethod
    def from_json(cls, path: Path) -> TrainConfig:
        raw = json.loads(Path(path).read_text())
        unknown = set(raw) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown config keys in {path}: {sorted(unknown)}")
        return cls(**raw)


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pad_batch(seqs: list[list[int]], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists with 0 (``<pad>``); returns ids ``(B, T)`` and lengths ``(B,)``."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    ids = torch.zeros((len(seqs), int(lengths.max())), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids.to(device), lengths


def progress(cfg: TrainConfig, step: int, elapsed_s: float) -> float:
    """Fraction of the run done: by steps, or by wall time when ``max_minutes`` is set."""
    p = step / cfg.steps
    if cfg.max_minutes > 0:
        p = max(p, elapsed_s / (cfg.max_minutes * 60))
    return min(1.0, p)


def kl_weight(cfg: TrainConfig, p: float) -> float:
    """KL weight at progress ``p``: linear from 0 to ``kl_w_end`` over ``kl_anneal_frac``."""
    return cfg.kl_w_end * min(1.0, p / cfg.kl_anneal_frac)


def learning_rate(cfg: TrainConfig, p: float) -> float:
    """Cosine decay from ``lr`` to ``lr_min`` over the run."""
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * p))


def train_step(
    model: SmilesVAE,
    opt: torch.optim.Optimizer,
    ids: torch.Tensor,
    lengths: torch.Tensor,
    kl_w: float,
    word_dropout: float = 0.0,
    grad_clip: float = 50.0,
    free_bits: float = 0.0,
) -> tuple[float, float]:
    """One optimiser step; returns (reconstruction, KL) before the update (the true KL, not
    the free-bits objective)."""
    model.train()
    logits, mu, logvar = model(ids, lengths, word_dropout=word_dropout)
    recon, kl = model.losses(logits, ids[:, 1:], mu, logvar)
    loss = recon + kl_w * model.kl_objective(mu, logvar, free_bits)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    opt.step()
    return float(recon.detach()), float(kl.detach())


@torch.no_grad()
def evaluate(
    model: SmilesVAE,
    vocab: Vocabulary,
    val: list[list[int]],
    device: torch.device,
    n_samples: int,
    seed: int,
    recon_n: int = 0,
    temperature: float = 1.0,
) -> dict[str, float]:
    """Held-out reconstruction loss / KL (z = posterior mean), prior-sample validity at
    ``temperature`` and, with ``recon_n``, the fraction of the first ``recon_n`` validation
    molecules whose greedy decode from the posterior mean gives them back exactly."""
    from rdkit import Chem, RDLogger

    model.eval()
    rec, kls, n = 0.0, 0.0, 0
    for i in range(0, len(val), 256):
        ids, lengths = pad_batch(val[i : i + 256], device)
        logits, mu, logvar = model(ids, lengths)
        r, k = model.losses(logits, ids[:, 1:], mu, logvar)
        rec += float(r) * len(lengths)
        kls += float(k) * len(lengths)
        n += len(lengths)
    g = torch.Generator(device=device).manual_seed(seed)
    z = torch.randn(n_samples, model.cfg.latent, generator=g, device=device)
    rows = model.generate(z, temperature=temperature, generator=g).cpu().tolist()
    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    valid = sum(1 for row in rows if (s := vocab.decode(row)) and Chem.MolFromSmiles(s) is not None)
    RDLogger.EnableLog("rdApp.*")  # type: ignore[attr-defined]
    out = {"val_recon": rec / n, "val_kl": kls / n, "valid": valid / n_samples}
    if recon_n > 0:
        probe = val[:recon_n]
        ids, lengths = pad_batch(probe, device)
        mu, _ = model.encode(ids, lengths)
        dec = model.generate(mu, temperature=0.0).cpu().tolist()
        same = sum(vocab.decode(d) == vocab.decode(p[1:]) for d, p in zip(dec, probe, strict=True))
        out["recon_exact"] = same / len(probe)
    model.train()
    return out


def epoch_order(lengths: list[int], batch: int, seed: int, bucket: bool) -> np.ndarray:
    """Index order of one epoch: a seeded permutation, or with ``bucket`` a seeded permutation
    sorted (stably) by length within chunks of 50 batches, whose batches are then shuffled, so
    each batch holds molecules of similar length (less padding) and batch order stays random."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    if not bucket:
        return order
    chunk = 50 * batch
    lens = np.asarray(lengths)
    batches: list[np.ndarray] = []
    for i in range(0, len(order), chunk):
        part = order[i : i + chunk]
        part = part[np.argsort(lens[part], kind="stable")]
        batches += [part[j : j + batch] for j in range(0, len(part), batch)]
    perm = rng.permutation(len(batches))
    return np.concatenate([batches[i] for i in perm])


def train(cfg: TrainConfig, resume: bool = False) -> dict[str, Any]:
    """Run (or resume) one training run; returns the summary (also written to summary.json)."""
    torch.set_num_threads(cfg.threads)
    _seed_all(cfg.seed)
    device = select_device(cfg.device)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = Path(cfg.data_dir)

    t0 = time.perf_counter()
    all_train = load_split("train", data_dir)
    train_smiles = train_subset(all_train, cfg.train_size, cfg.seed)
    if cfg.val_split == "train_holdout":
        val_smiles = train_holdout(all_train, cfg.train_size, cfg.seed, cfg.val_size)
    else:
        val_smiles = load_split("test", data_dir, limit=cfg.val_size)
    del all_train
    if cfg.smiles_form == "kekule":
        train_smiles = [kek for s in train_smiles if (kek := kekule_smiles(s))]
        val_smiles = [kek for s in val_smiles if (kek := kekule_smiles(s))]
        log.info("converted to Kekule SMILES in %.1f s", time.perf_counter() - t0)
    last = out / "last.pt"
    ck: dict[str, Any] | None = None
    if resume and last.is_file():
        ck = torch.load(last, map_location="cpu", weights_only=False)
        vocab = Vocabulary(tuple(ck["vocab"]))
    else:
        vocab = Vocabulary.build(train_smiles)
    train_ids = [vocab.encode(s) for s in train_smiles]
    val_ids = [vocab.encode(s) for s in val_smiles]
    train_lengths = [len(t) for t in train_ids]
    log.info(
        "train %d molecules, val %d, vocab %d tokens, device %s (%.1f s to load)",
        len(train_ids), len(val_ids), len(vocab), device, time.perf_counter() - t0,
    )
    model_cfg = VAEConfig(**{**cfg.model, "vocab_size": len(vocab)})
    model = SmilesVAE(model_cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    step, elapsed_before, epoch_order_seed = 0, 0.0, cfg.seed
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed_before = int(ck["step"]), float(ck["elapsed_s"])
        torch.set_rng_state(ck["torch_rng"])
        log.info("resumed from %s at step %d", last, step)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("model %s, %.2f M parameters", asdict(model_cfg), n_params / 1e6)

    per_epoch = math.ceil(len(train_ids) / cfg.batch)
    log_path = out / "log.csv"
    new_log = not (resume and log_path.is_file())
    t_start = time.perf_counter()
    sums = {"recon": 0.0, "kl": 0.0, "n": 0}
    summary: dict[str, Any] = {}
    with log_path.open("w" if new_log else "a", newline="") as fh:
        writer = csv.writer(fh)
        if new_log:
            writer.writerow(["step", "epoch", "elapsed_s", "recon", "kl", "kl_w", "lr",
                             "val_recon", "val_kl", "valid", "recon_exact"])
        order: np.ndarray | None = None
        while step < cfg.steps:
            epoch, pos = divmod(step, per_epoch)
            if order is None or pos == 0:
                order = epoch_order(train_lengths, cfg.batch, epoch_order_seed + 7919 * epoch,
                                    cfg.bucket)
            idx = order[pos * cfg.batch : (pos + 1) * cfg.batch]
            ids, lengths = pad_batch([train_ids[i] for i in idx], device)
            p = progress(cfg, step, elapsed_before + time.perf_counter() - t_start)
            lr = learning_rate(cfg, p)
            for group in opt.param_groups:
                group["lr"] = lr
            kl_w = kl_weight(cfg, p)
            r, k = train_step(model, opt, ids, lengths, kl_w, cfg.word_dropout, cfg.grad_clip,
                              cfg.free_bits)
            sums["recon"] += r
            sums["kl"] += k
            sums["n"] += 1
            step += 1
            elapsed = elapsed_before + time.perf_counter() - t_start
            if step % cfg.log_every == 0:
                rate = (step - (int(ck["step"]) if ck else 0)) / max(1e-9, time.perf_counter() - t_start)
                eta = (cfg.steps - step) / max(rate, 1e-9) / 60
                if cfg.max_minutes > 0:
                    eta = min(eta, cfg.max_minutes - elapsed / 60)
                log.info(
                    "step %d/%d (%.0f%%) epoch %.2f recon %.3f kl %.2f kl_w %.4f lr %.2e | %.2f steps/s, ETA %.1f min",
                    step, cfg.steps, 100 * p, step / per_epoch, r, k, kl_w, lr, rate, eta,
                )
            timed_out = cfg.max_minutes > 0 and elapsed >= cfg.max_minutes * 60
            if step % cfg.eval_every == 0 or step == cfg.steps or timed_out:
                val = evaluate(model, vocab, val_ids, device, cfg.eval_samples, cfg.seed + step,
                               cfg.recon_eval, cfg.eval_temperature)
                n = max(1, sums["n"])
                writer.writerow([step, f"{step / per_epoch:.3f}", round(elapsed, 1),
                                 f"{sums['recon'] / n:.4f}", f"{sums['kl'] / n:.3f}", f"{kl_w:.5f}",
                                 f"{lr:.2e}", f"{val['val_recon']:.4f}", f"{val['val_kl']:.3f}",
                                 f"{val['valid']:.3f}", f"{val.get('recon_exact', '')}"])
                fh.flush()
                sums = {"recon": 0.0, "kl": 0.0, "n": 0}
                log.info("eval at step %d: %s", step, val)
                summary = {
                    "step": step, "epochs": step / per_epoch, "elapsed_s": round(elapsed, 1),
                    "val": val, "train_molecules": len(train_ids), "stopped_early": bool(timed_out),
                }
                state = {
                    "model": model.state_dict(), "model_args": asdict(model_cfg),
                    "vocab": list(vocab.tokens), "opt": opt.state_dict(), "step": step,
                    "elapsed_s": elapsed, "torch_rng": torch.get_rng_state(),
                    "config": asdict(cfg), "val": val, "train_molecules": len(train_ids),
                }
                tmp = out / "last.pt.tmp"
                torch.save(state, tmp)
                tmp.replace(last)
                if timed_out:
                    log.info("max_minutes=%s reached at step %d; stopping", cfg.max_minutes, step)
                    break
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Train the SMILES VAE on MOSES.")
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--resume", action="store_true", help="continue from out_dir/last.pt")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    summary = train(TrainConfig.from_json(args.config), resume=args.resume)
    log.info("done: %s", summary)


if __name__ == "__main__":
    main()
