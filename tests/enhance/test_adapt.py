"""Site adaptation (CycleGAN, DP-SGD): real pydicom CT slices, tiny configs, seconds each."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from medgen.enhance import adapt as ad
from medgen.enhance import cards
from medgen.enhance.nets import Generator
from medgen.enhance.simulate import simulate_low_dose

REPO = Path(__file__).resolve().parents[2]
BASE = "ldct-gan-v2"
PHI = ("Doe^Jane", "PHI-12345", "St Elsewhere PHI Hospital", "House^Gregory", "19700101")

#: Tiny run: 32 px patches, 2 epochs of 3 steps, small discriminators, low learning rate.
TINY = {
    "patch": 32,
    "batch": 2,
    "lr": 1e-5,
    "lr_d": 1e-4,
    "epochs": 2,
    "steps_per_epoch": 3,
    "patience": 2,
    "max_minutes": 2.0,
    "val_max_slices": 2,
    "discriminator": {"base_channels": 4, "layers": 2},
    "device": "cpu",
    "dp_epochs": 1,
    "g_warmup_steps": 2,
}


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A weights folder holding the shipped base model (card + safetensors)."""
    root = tmp_path_factory.mktemp("weights")
    for ext in ("json", "safetensors"):
        shutil.copy(REPO / "weights" / f"{BASE}.{ext}", root / f"{BASE}.{ext}")
    return root


def _write_series(ds_path: str, out: Path, hu: np.ndarray, k: int) -> None:
    """Save ``hu`` as a new single-slice CT series (own UIDs) with PHI in the header."""
    import pydicom
    from pydicom.uid import generate_uid

    ds = pydicom.dcmread(ds_path)
    slope, inter = float(ds.RescaleSlope), float(ds.RescaleIntercept)
    stored = np.clip(np.round((hu - inter) / slope), -32768, 32767).astype(np.int16)
    ds.PixelRepresentation = 1
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelData = stored.tobytes()
    ds.PatientName, ds.PatientID, ds.InstitutionName = PHI[0], PHI[1], PHI[2]
    ds.ReferringPhysicianName, ds.PatientBirthDate = PHI[3], PHI[4]
    ds.Manufacturer, ds.ManufacturerModelName = "GE MEDICAL SYSTEMS", "LightSpeed Test"
    ds.ConvolutionKernel, ds.KVP = "BONE", "120"
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(out / f"{PHI[1]}_{k}.dcm")


@pytest.fixture(scope="module")
def site_dirs(tmp_path_factory: pytest.TempPathFactory, ct_small) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """noisy/: 4 series = CT_small at simulated 10 % dose; clean/: 3 series = CT_small variants."""
    from pydicom.data import get_testdata_file

    src = str(get_testdata_file("CT_small.dcm", download=False))
    hu, px = ct_small
    root = tmp_path_factory.mktemp("site")
    noisy, clean = root / "noisy", root / "clean"
    noisy.mkdir()
    clean.mkdir()
    for k in range(4):
        _write_series(src, noisy, simulate_low_dose(hu, px, 0.1, seed=k), k)
    for k, img in enumerate((hu, hu[:, ::-1], hu[::-1, :])):
        _write_series(src, clean, np.ascontiguousarray(img), k)
    return noisy, clean


def _cfg(**kw: object) -> ad.AdaptConfig:
    return ad.AdaptConfig.load(**{**TINY, **kw})  # type: ignore[arg-type]


def test_load_dir_deidentified_series_and_summary(site_dirs: tuple[Path, Path]) -> None:
    series = ad.load_dir(site_dirs[0])
    assert len(series) == 4 and all(s.fmt == "dicom" for s in series)
    assert series[0].slices.shape == (1, 128, 128)
    assert series[0].scanner == {
        "Manufacturer": "GE MEDICAL SYSTEMS",
        "ManufacturerModelName": "LightSpeed Test",
        "ConvolutionKernel": "BONE",
        "KVP": "120",
    }
    summary = ad.source_summary(series, 3, 1, "by series")
    assert summary["series"] == 4 and summary["scanners"][0]["series"] == 4


def test_load_dir_reads_nrrd(tmp_path: Path, ct_small) -> None:  # type: ignore[no-untyped-def]
    import nrrd

    hu, px = ct_small
    vol = np.stack([hu, hu[::-1]]).astype(np.int16)
    nrrd.write(
        str(tmp_path / "v.nrrd"),
        vol,
        {"space directions": np.diag([px, px, 5.0]).tolist(), "space": "left-posterior-superior"},
        index_order="C",
    )
    mr_like = (vol - vol.min()).astype(np.int16)  # no air below -500: not CT HU -> skipped
    nrrd.write(str(tmp_path / "mr.nrrd"), mr_like, index_order="C")
    (s,) = ad.load_dir(tmp_path)
    assert s.fmt == "nrrd" and s.slices.shape == (2, 128, 128)
    assert s.pixel_mm == pytest.approx(px, rel=1e-4)
    np.testing.assert_allclose(s.slices[0], np.maximum(hu, ad.HU_MIN).astype(np.int16))


def test_one_cyclegan_step_reduces_cycle_loss(ct_small) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    hu, px = ct_small
    cfg = _cfg(lr=1e-4, cycle_lowpass=1, adv_weight=0.0)
    n_b = torch.from_numpy(simulate_low_dose(hu, px, 0.1, seed=1)[None, None, 32:64, 32:64].copy())
    c_b = torch.from_numpy(hu[None, None, 64:96, 32:64].copy())
    g, f = Generator(4, 1, 1), Generator(4, 1, 1)
    for net in (g, f):  # start away from the identity so there is a cycle error to reduce
        torch.nn.init.normal_(net.tail.weight, std=0.05)
    nets = ad.CycleNets(g, f, ad.DomainDiscriminator(4, 2), ad.DomainDiscriminator(4, 2))
    opt_gf = torch.optim.Adam([*g.parameters(), *f.parameters()], lr=cfg.lr)
    opt_d = torch.optim.Adam([*nets.d_clean.parameters(), *nets.d_noisy.parameters()], lr=1e-4)
    with torch.no_grad():
        before = float(ad.cycle_losses(nets, n_b, c_b, cfg)[1]["cycle"])
    step = ad.cyclegan_step(nets, opt_gf, opt_d, n_b, c_b, cfg)
    with torch.no_grad():
        after = float(ad.cycle_losses(nets, n_b, c_b, cfg)[1]["cycle"])
    assert step["cycle"] == pytest.approx(before, rel=1e-5)
    assert after < before


class _NoiseAdder(Generator):
    """A deliberately broken 'adapted' generator: adds 40 HU Gaussian noise."""

    def forward(self, hu: torch.Tensor) -> torch.Tensor:
        return hu + 40.0 * torch.randn_like(hu)


def test_broken_adaptation_is_refused_and_not_written(
    site_dirs: tuple[Path, Path], weights: Path
) -> None:
    noisy, clean = (ad.load_dir(d) for d in site_dirs)
    res = ad.run_adaptation(
        _cfg(epochs=1, steps_per_epoch=1),
        noisy,
        clean,
        BASE,
        weights_root=weights,
        generator_override=_NoiseAdder(),
    )
    assert res.status == "refused" and res.state is None
    assert any("noise does not fall" in r for r in res.reasons)
    with pytest.raises(ad.AdaptError):
        ad.publish(res, "broken-site", weights)
    assert not (weights / "broken-site.safetensors").exists()
    assert not (weights / "broken-site.json").exists()


def test_check_reasons() -> None:
    cfg = _cfg()
    base = {"noise_sd_input": 40.0, "noise_sd": 10.0, "hu_bias": 1.0, "edge_rise_ratio": 1.0}
    assert ad.check({**base, "noise_sd": 9.0, "edge_rise_ratio": 1.1}, base, cfg) == []
    bad = ad.check({**base, "hu_bias": -7.0, "edge_rise_ratio": 1.25, "noise_sd": 12.0}, base, cfg)
    assert len(bad) == 3
    assert "noisier than the base" in bad[0] and "-7.0 HU" in bad[1] and "20 % softer" in bad[2]
    paired = ad.check({**base, "paired_psnr": 30.0}, {**base, "paired_psnr": 31.0}, cfg)
    assert paired and "paired PSNR" in paired[0]


def test_dp_mode_reports_epsilon_and_clips_per_sample(
    site_dirs: tuple[Path, Path], weights: Path
) -> None:
    noisy, clean = (ad.load_dir(d) for d in site_dirs)
    res = ad.run_adaptation(
        _cfg(dp_epsilon=4.0, dp_delta=1e-5, dp_epochs=1), noisy, clean, BASE, weights_root=weights
    )
    priv = res.card_fields["adaptation"]["privacy"]
    assert priv["per_sample_clipping"] == "GradSampleModule"
    assert priv["noise_multiplier"] > 0
    assert 0 < priv["epsilon"] <= 4.0
    assert priv["delta"] == 1e-5 and "NOT covered" in priv["boundary"]
    assert res.history and res.history[-1].epsilon == pytest.approx(priv["epsilon"], rel=1e-3)
    assert res.last_state is not None
    assert set(res.last_state) == set(Generator(**res.model_args).state_dict())


def test_cli_end_to_end_writes_loadable_card_without_identifiers(
    site_dirs: tuple[Path, Path], weights: Path, tmp_path: Path
) -> None:
    cfg_path = tmp_path / "adapt.json"
    raw = json.loads(ad.DEFAULT_CONFIG.read_text())
    raw.update(TINY)
    cfg_path.write_text(json.dumps(raw))
    argv = ["--noisy", str(site_dirs[0]), "--clean", str(site_dirs[1]), "--base", BASE]
    argv += ["--out", "site-test", "--max-minutes", "1", "--seed", "3"]
    argv += ["--config", str(cfg_path), "--weights-dir", str(weights)]
    assert ad.main(argv) == 0
    card, state = cards.load_state("site-test", weights)
    assert "site-test" in cards.list_models(weights)
    gen = Generator(**card["architecture"]["args"])
    gen.load_state_dict(state)
    adaptation = card["adaptation"]
    assert card["base_model"] == BASE
    assert adaptation["sources"]["noisy"]["series"] == 4
    assert adaptation["sources"]["clean"]["series"] == 3
    assert adaptation["sources"]["noisy"]["scanners"][0]["ConvolutionKernel"] == "BONE"
    assert (
        adaptation["validation"]["adapted"]["noise_sd"]
        < adaptation["validation"]["adapted"]["noise_sd_input"]
    )
    assert adaptation["epochs_completed"] >= 1 and adaptation["config"]["seed"] == 3
    text = (weights / "site-test.json").read_text()
    for value in PHI:
        assert value not in text
    assert f"{PHI[1]}_0" not in text  # the file names (they carry the PatientID) neither


def test_cli_refuses_with_exit_code_2(
    site_dirs: tuple[Path, Path], weights: Path, tmp_path: Path
) -> None:
    cfg_path = tmp_path / "strict.json"
    raw = json.loads(ad.DEFAULT_CONFIG.read_text())
    raw.update({**TINY, "epochs": 1, "max_hu_bias": -1.0})  # nothing can pass: refuse
    cfg_path.write_text(json.dumps(raw))
    argv = ["--noisy", str(site_dirs[0]), "--clean", str(site_dirs[1]), "--base", BASE]
    argv += ["--out", "site-refused", "--config", str(cfg_path), "--weights-dir", str(weights)]
    assert ad.main(argv) == 2
    assert not (weights / "site-refused.safetensors").exists()
    assert not (weights / "site-refused.json").exists()


def test_cancel_stops_without_result(site_dirs: tuple[Path, Path], weights: Path) -> None:
    noisy, clean = (ad.load_dir(d) for d in site_dirs)
    seen: list[ad.EpochReport] = []
    res = ad.run_adaptation(
        replace(_cfg(), epochs=5),
        noisy,
        clean,
        BASE,
        weights_root=weights,
        progress=seen.append,
        should_stop=lambda: len(seen) >= 1,
    )
    assert res.status == "cancelled" and res.state is None
    assert len(seen) == 1 and seen[0].epoch == 1 and seen[0].time_left_s >= 0


def test_validator_measures_with_realnoise_on_the_noisy_input(
    ct_small: tuple[np.ndarray, float], weights: Path
) -> None:
    """Identity: no change; Gaussian blur: less noise but softer edges, refused vs the base."""
    from scipy import ndimage

    hu, px = ct_small
    val = [(simulate_low_dose(hu, px, 0.1, seed=k), px) for k in range(2)]
    _, base = ad.load_base(BASE, weights)
    v = ad.Validator(base, val, [(hu, px)], torch.device("cpu"), 2)
    assert all(r.rois and len(r.edges[1]) for r in v.regions)  # ROIs and bone edges found
    same = v._figures(lambda s: s)
    assert same["noise_sd"] == pytest.approx(same["noise_sd_input"])
    assert same["hu_bias"] == pytest.approx(0, abs=1e-6)
    assert same["edge_rise_ratio"] == pytest.approx(1, abs=1e-6)
    assert same["nps_mean_freq_ratio"] == pytest.approx(1, abs=1e-6)
    blur = v._figures(lambda s: ndimage.gaussian_filter(s, 2.0))
    assert blur["noise_sd"] < 0.6 * same["noise_sd_input"]
    assert blur["edge_rise_ratio"] > 1.3 and blur["nps_mean_freq_ratio"] < 0.8
    assert v.base_fig["noise_sd"] < v.base_fig["noise_sd_input"]
    reasons = ad.check(blur, v.base_fig, _cfg())
    assert any("softer than the base" in r for r in reasons)


def test_noisy_f_draws_noise_of_the_given_sd_and_plain_is_noise_free(ct_small) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    hu, _ = ct_small
    f = ad.NoisyF(Generator(4, 1, 1), 50.0)
    c = torch.from_numpy(hu[None, None].copy())
    a, b = f(c), f(c)
    assert float((a - c).std()) == pytest.approx(50.0, rel=0.05)  # delta kernel, identity gen
    assert float((a - b).abs().mean()) > 10.0  # a new draw at every call
    torch.testing.assert_close(f.plain(c), c, atol=1e-3, rtol=0)
    torch.testing.assert_close(ad.NoisyF(Generator(4, 1, 1), 0.0)(c), c, atol=1e-3, rtol=0)


def test_synthetic_pair_term_trains_g_not_f(ct_small) -> None:  # type: ignore[no-untyped-def]
    """synth = L1(G(F(clean).detach()), clean): its gradient reaches G only."""
    torch.manual_seed(0)
    hu, px = ct_small
    cfg = _cfg(synth_weight=10.0, f_noise_hu=30.0)
    n_b = torch.from_numpy(simulate_low_dose(hu, px, 0.1, seed=1)[None, None, 32:64, 32:64].copy())
    c_b = torch.from_numpy(hu[None, None, 64:96, 32:64].copy())
    g, f = Generator(4, 1, 1), ad.NoisyF(Generator(4, 1, 1), 30.0)
    nets = ad.CycleNets(g, f, ad.DomainDiscriminator(4, 2), ad.DomainDiscriminator(4, 2))
    _, parts, _, _ = ad.cycle_losses(nets, n_b, c_b, cfg)
    assert float(parts["synth"]) > 0.05  # G = identity leaves F's 30 HU noise: 0.3 x 100 HU
    parts["synth"].backward()
    assert all(p.grad is None for p in f.parameters())
    assert any(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in g.parameters())


@pytest.mark.parametrize("dp_epsilon", [0.0, 4.0])
def test_run_with_synthetic_pairs_and_measured_noise(
    site_dirs: tuple[Path, Path], weights: Path, dp_epsilon: float
) -> None:
    noisy, clean = (ad.load_dir(d) for d in site_dirs)
    res = ad.run_adaptation(
        _cfg(synth_weight=5.0, f_noise_hu=-1.0, lr_g=5e-6, dp_epsilon=dp_epsilon),
        noisy,
        clean,
        BASE,
        weights_root=weights,
    )
    assert res.status in ("accepted", "refused") and res.last_state is not None
    g_epochs = [r for r in res.history if r.losses["synth"] > 0]
    assert g_epochs  # the synthetic-pair term was used once G trained
    assert res.card_fields["adaptation"]["config"]["synth_weight"] == 5.0


def test_synthetic_pair_config_ships_the_benchmarked_settings() -> None:
    cfg = ad.AdaptConfig.load(ad.DEFAULT_CONFIG)
    assert cfg.synth_weight == 10.0 and cfg.rehearsal_weight == 10.0 and cfg.f_noise_hu < 0
    assert cfg.lr_g < cfg.lr and cfg.g_warmup_steps == 300 and cfg.base_weight == 1.0
    assert cfg.rehearsal_doses == (0.25, 0.1, 0.05)
