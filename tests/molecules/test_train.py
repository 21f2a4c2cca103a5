from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from medgen.molecules.data import load_split
from medgen.molecules.train import TrainConfig, kl_weight, learning_rate, progress, train


def _small_moses(tmp_path: Path, moses_train: list[str]) -> Path:
    """A data folder with 300 real MOSES train and 40 real test molecules (fast to load)."""
    d = tmp_path / "data"
    d.mkdir(exist_ok=True)
    for name, rows in (("train", moses_train[:300]), ("test", load_split("test", limit=40))):
        with gzip.open(d / f"{name}.csv.gz", "wt") as fh:
            fh.write("SMILES\n" + "\n".join(rows) + "\n")
    return d


def _cfg(tmp_path: Path, steps: int) -> TrainConfig:
    return TrainConfig(
        data_dir=str(tmp_path / "data"), out_dir=str(tmp_path / "run"), train_size=300, val_size=40,
        model={"emb_dim": 8, "enc_hidden": 16, "latent": 4, "dec_hidden": 16, "max_len": 80},
        batch=16, steps=steps, eval_every=2, eval_samples=8, log_every=1, seed=1,
        device="cpu", threads=1,
    )


def test_schedules() -> None:
    cfg = TrainConfig(steps=100, kl_w_end=0.1, kl_anneal_frac=0.5, lr=1e-3, lr_min=1e-4)
    assert kl_weight(cfg, 0.0) == 0 and kl_weight(cfg, 0.25) == pytest.approx(0.05)
    assert kl_weight(cfg, 0.9) == pytest.approx(0.1)
    assert learning_rate(cfg, 0.0) == pytest.approx(1e-3) and learning_rate(cfg, 1.0) == pytest.approx(1e-4)
    assert progress(cfg, 50, 0.0) == 0.5
    timed = TrainConfig(steps=100, max_minutes=1.0)
    assert progress(timed, 10, 45.0) == pytest.approx(0.75)  # wall time ahead of the steps


def test_config_rejects_unknown_keys_and_bad_values(tmp_path: Path) -> None:
    p = tmp_path / "c.json"
    p.write_text(json.dumps({"steps": 10, "colour": "red"}))
    with pytest.raises(ValueError, match="colour"):
        TrainConfig.from_json(p)
    with pytest.raises(ValueError, match="batch"):
        TrainConfig(batch=0)


def test_shipped_config_parses() -> None:
    cfg = TrainConfig.from_json(Path("medgen/molecules/configs/smiles-vae-v1.json"))
    assert cfg.threads == 1 and cfg.model["latent"] == 64


def test_train_writes_log_and_checkpoint_and_resumes(tmp_path: Path, moses_train: list[str]) -> None:
    _small_moses(tmp_path, moses_train)
    summary = train(_cfg(tmp_path, 4))
    run = tmp_path / "run"
    rows = list(csv.DictReader((run / "log.csv").open()))
    assert [int(r["step"]) for r in rows] == [2, 4]
    assert summary["step"] == 4 and 0.0 <= summary["val"]["valid"] <= 1.0
    ck = torch.load(run / "last.pt", weights_only=False)
    assert ck["step"] == 4 and ck["vocab"][:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    summary = train(_cfg(tmp_path, 6), resume=True)
    rows = list(csv.DictReader((run / "log.csv").open()))
    assert [int(r["step"]) for r in rows] == [2, 4, 6] and summary["step"] == 6


def test_bucketed_epoch_order_is_a_permutation_of_similar_lengths() -> None:
    from medgen.molecules.train import epoch_order

    rng = np.random.default_rng(0)
    lengths = [int(x) for x in rng.integers(10, 60, size=1000)]
    plain = epoch_order(lengths, 20, seed=3, bucket=False)
    bucketed = epoch_order(lengths, 20, seed=3, bucket=True)
    assert sorted(bucketed.tolist()) == list(range(1000)) == sorted(plain.tolist())
    assert np.array_equal(bucketed, epoch_order(lengths, 20, seed=3, bucket=True))  # seeded
    assert not np.array_equal(bucketed, epoch_order(lengths, 20, seed=4, bucket=True))

    def mean_spread(order: np.ndarray) -> float:
        ls = np.asarray(lengths)[order]
        return float(np.mean([np.ptp(ls[i : i + 20]) for i in range(0, 1000, 20)]))

    assert mean_spread(bucketed) < mean_spread(plain) / 4  # far less padding per batch


def test_v2_config_parses_and_sets_the_anti_collapse_options() -> None:
    cfg = TrainConfig.from_json(Path("medgen/molecules/configs/smiles-vae-v2.json"))
    assert cfg.free_bits > 0 and cfg.word_dropout > 0 and cfg.bucket and cfg.threads == 1
    with pytest.raises(ValueError, match="free_bits"):
        TrainConfig(free_bits=-1.0)


def test_free_bits_run_logs_reconstruction(tmp_path: Path, moses_train: list[str]) -> None:
    _small_moses(tmp_path, moses_train)
    cfg = _cfg(tmp_path, 2)
    cfg.free_bits, cfg.bucket, cfg.recon_eval, cfg.word_dropout = 0.5, True, 10, 0.1
    summary = train(cfg)
    rows = list(csv.DictReader((tmp_path / "run" / "log.csv").open()))
    assert len(rows) == 1 and 0.0 <= float(rows[0]["recon_exact"]) <= 1.0
    assert summary["val"]["recon_exact"] == float(rows[0]["recon_exact"])


def test_export_writes_a_loadable_model_and_keeps_the_benchmark(
    tmp_path: Path, moses_train: list[str]
) -> None:
    from medgen.molecules.generator import export, load_generator

    _small_moses(tmp_path, moses_train)
    train(_cfg(tmp_path, 2))
    root = tmp_path / "weights"
    ck = tmp_path / "run" / "last.pt"
    card = export(ck, "tiny-smiles", {"intended_use": "test"}, root)
    assert card["training"]["steps"] == 2 and card["intended_use"] == "test"
    gen = load_generator("tiny-smiles", root, device="cpu")  # sha256 of the written file checks
    assert gen.card["sha256"] == card["sha256"]
    path = root / "tiny-smiles.json"
    path.write_text(json.dumps({**card, "benchmark": {"valid": 0.5}}))
    again = export(ck, "tiny-smiles", {"intended_use": "test again"}, root)
    assert again["benchmark"] == {"valid": 0.5} and again["intended_use"] == "test again"
