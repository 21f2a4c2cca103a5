from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

from medgen.enhance.train import TrainConfig, train

pytestmark = pytest.mark.slow


def _cfg(tiny_data: Path, out: Path, **kw) -> TrainConfig:
    base = dict(
        data_dir=str(tiny_data),
        out_dir=str(out),
        generator={"base_channels": 4, "depth": 1, "blocks": 1},
        discriminator={"base_channels": 4, "layers": 2},
        patch=32,
        batch=4,
        epochs=2,
        steps_per_epoch=5,
        lr=1e-3,
        threads=1,
    )
    return TrainConfig(**(base | kw))


def test_l1_training_reduces_loss_and_writes_log(tiny_data, tmp_path):
    cfg = _cfg(tiny_data, tmp_path / "l1", epochs=3, steps_per_epoch=15)
    summary = train(cfg)
    rows = list(csv.DictReader((tmp_path / "l1" / "log.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert float(rows[-1]["l1"]) < float(rows[0]["l1"])
    assert summary["val"]["psnr"] > summary["val"]["psnr_low"]  # learnt to denoise a little
    ck = torch.load(tmp_path / "l1" / "last.pt", weights_only=False)
    assert ck["model_args"] == {"base_channels": 4, "depth": 1, "blocks": 1}
    assert (tmp_path / "l1" / "best.pt").is_file()


def test_gan_training_runs_and_resumes(tiny_data, tmp_path):
    out = tmp_path / "gan"
    train(_cfg(tiny_data, out, adv_weight=0.01, epochs=1))
    train(_cfg(tiny_data, out, adv_weight=0.01, epochs=2), resume=True)
    rows = list(csv.DictReader((out / "log.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert float(rows[1]["d_loss"]) > 0
    ck = torch.load(out / "last.pt", weights_only=False)
    assert ck["epoch"] == 1 and ck["disc"] is not None


def test_same_seed_same_weights(tiny_data, tmp_path):
    a = train(_cfg(tiny_data, tmp_path / "a", epochs=1))
    b = train(_cfg(tiny_data, tmp_path / "b", epochs=1))
    assert a["val"]["psnr"] == b["val"]["psnr"]


def test_config_rejects_unknown_keys(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(json.dumps({"patch": 64, "lerning_rate": 1}))
    with pytest.raises(ValueError, match="lerning_rate"):
        TrainConfig.from_json(p)
    with pytest.raises(ValueError, match="patch"):
        TrainConfig(patch=30)


def test_cli_entry_point(tiny_data, tmp_path):
    from medgen.enhance.train import main

    cfg = _cfg(tiny_data, tmp_path / "cli", epochs=1, steps_per_epoch=2)
    p = tmp_path / "cfg.json"
    from dataclasses import asdict

    p.write_text(json.dumps(asdict(cfg)))
    main(["--config", str(p)])
    assert json.loads((tmp_path / "cli" / "summary.json").read_text())["epoch"] == 0


def test_texture_objective_runs_and_logs_spectrum_and_val_texture(tiny_data, tmp_path):
    out = tmp_path / "tex"
    summary = train(
        _cfg(
            tiny_data,
            out,
            adv_weight=0.01,
            adv_on_highpass=True,
            spectrum_weight=0.02,
            epochs=1,
        )
    )
    rows = list(csv.DictReader((out / "log.csv").open()))
    assert float(rows[0]["spectrum"]) > 0
    assert float(rows[0]["val_texture"]) > 0
    assert summary["val"]["texture"] > 0
    with pytest.raises(ValueError, match="spectrum_weight"):
        TrainConfig(spectrum_weight=-1)


def test_highpass_discriminator_view_is_the_texture_on_a_residual_scale():
    from medgen.enhance.nets import RESIDUAL_SCALE_HU
    from medgen.enhance.texture import highpass
    from medgen.enhance.train import disc_view

    g = torch.Generator().manual_seed(0)
    low = torch.full((1, 1, 32, 32), 40.0) + 30 * torch.randn(1, 1, 32, 32, generator=g)
    grain = 10 * torch.randn(1, 1, 32, 32, generator=g)
    waxy = torch.full_like(low, 40.0)
    textured = waxy + grain
    # the discriminator's residual channel, (candidate - low) / 50 HU, is the candidate's texture
    for cand in (waxy, textured):
        res = (disc_view(low, cand, True) - low) / RESIDUAL_SCALE_HU
        torch.testing.assert_close(res, highpass(cand) / RESIDUAL_SCALE_HU)
    assert float(((disc_view(low, waxy, True) - low)).abs().max()) < 1e-3  # nothing to see
    assert float(((disc_view(low, textured, True) - low)).std()) > 5.0
    assert disc_view(low, textured, False) is textured


def test_generator_can_start_from_shipped_weights(tiny_data, tmp_path, monkeypatch):
    from medgen.enhance import cards
    from medgen.enhance.nets import Generator

    g = Generator(4, 1, 1)
    torch.nn.init.normal_(g.tail.weight, std=0.05)
    ck = tmp_path / "ck.pt"
    torch.save({"model": g.state_dict(), "model_args": g.model_args}, ck)
    root = tmp_path / "weights"
    cards.export(ck, "tiny-v1", {"modality": ["CT"]}, root)
    monkeypatch.setattr(cards, "weights_dir", lambda: root)
    import medgen.weights

    monkeypatch.setattr(medgen.weights, "weights_dir", lambda: root)
    out = tmp_path / "warm"
    train(_cfg(tiny_data, out, epochs=1, steps_per_epoch=1, lr=1e-12, lr_min=1e-12,
               init_generator="weights:tiny-v1"))
    state = torch.load(out / "last.pt", weights_only=False)["model"]
    torch.testing.assert_close(state["tail.weight"], g.state_dict()["tail.weight"], atol=1e-6, rtol=0)
