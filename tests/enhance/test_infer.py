from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from medgen.enhance import cards
from medgen.enhance.infer import Enhancer
from medgen.enhance.nets import Generator
from medgen.errors import ModalityMismatchError, ModelError, ModelIntegrityError
from medgen.types import Modality


def _random_generator(seed: int = 0) -> Generator:
    """A tiny generator with non-trivial output (the shipped init is the identity)."""
    torch.manual_seed(seed)
    g = Generator(4, 2, 1)
    torch.nn.init.normal_(g.tail.weight, std=0.05)
    return g


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    """A weights folder with one exported tiny model 'tiny-v1'."""
    g = _random_generator()
    ck = tmp_path / "ck.pt"
    torch.save(
        {"model": g.state_dict(), "model_args": g.model_args, "epoch": 0, "elapsed_s": 1.0}, ck
    )
    root = tmp_path / "weights"
    cards.export(ck, "tiny-v1", {"modality": ["CT"], "body_regions": ["head"]}, root)
    return root


def test_export_writes_card_with_sha256(weights):
    card = json.loads((weights / "tiny-v1.json").read_text())
    assert card["sha256"] == cards.sha256_file(weights / "tiny-v1.safetensors")
    assert card["architecture"]["args"] == {"base_channels": 4, "depth": 2, "blocks": 1}
    assert cards.list_models(weights) == ["tiny-v1"]


def test_newest_gan_is_the_default_and_older_versions_stay_selectable(weights):
    for mid in ("ldct-gan-v1", "ldct-gan-v2", "ldct-l1-v2", "ldct-l1-v1"):
        card = json.loads((weights / "tiny-v1.json").read_text())
        card["model_id"] = mid
        (weights / f"{mid}.json").write_text(json.dumps(card))
    (weights / "tiny-v1.json").unlink()
    # ids[0] is the default of the Compare page and the batch CLI
    assert cards.list_models(weights) == ["ldct-gan-v2", "ldct-gan-v1", "ldct-l1-v2", "ldct-l1-v1"]


def test_shipped_default_is_gan_v2():
    ids = cards.list_models()
    assert ids[0] == "ldct-gan-v2" and {"ldct-l1-v2", "ldct-gan-v1", "ldct-l1-v1"} <= set(ids)


def test_loaded_model_matches_the_checkpoint(weights, ct_small):
    hu, _ = ct_small
    enh = Enhancer("tiny-v1", weights_dir=weights, device="cpu")
    res = enh.run(hu, strength=100)
    with torch.inference_mode():
        ref = _random_generator()(torch.from_numpy(hu)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(res.pixels, ref, atol=1e-3)
    assert res.pixels.shape == hu.shape and res.device == "cpu"
    assert res.model_version == json.loads((weights / "tiny-v1.json").read_text())["sha256"]
    assert len(res.per_slice_ms) == 1 and res.ms > 0


def test_tampered_weights_are_refused(weights, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(weights, bad)
    p = bad / "tiny-v1.safetensors"
    data = bytearray(p.read_bytes())
    data[-3] ^= 0x01
    p.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="do not match"):
        Enhancer("tiny-v1", weights_dir=bad, device="cpu")


def test_missing_model_is_a_clear_error(weights):
    with pytest.raises(ModelError, match="not installed"):
        Enhancer("nope-v9", weights_dir=weights)
    with pytest.raises(ModelError, match="not a valid model name"):
        Enhancer("../etc", weights_dir=weights)


def test_tiled_equals_untiled_without_seams(ct_small):
    hu, _ = ct_small
    img = np.tile(hu, (2, 2))  # 256 x 256 real CT texture
    g = _random_generator(1)
    card = {"model_id": "t", "modality": ["CT"], "sha256": "x"}
    whole = Enhancer.from_generator(g, card, device="cpu", tile=256).run(img, strength=100).pixels
    tiled = Enhancer.from_generator(g, card, device="cpu", tile=96, overlap=24).run(img, strength=100).pixels
    diff = np.abs(whole - tiled)
    assert diff.max() < 2.0  # HU; tile edges are blended away
    assert diff.mean() < 0.1
    # no seam: the difference along tile borders is not larger than elsewhere
    naive = Enhancer.from_generator(g, card, device="cpu", tile=96, overlap=0).run(img, strength=100).pixels
    assert np.abs(whole - naive).max() > 5 * diff.max()  # tiling without overlap would show seams


def test_series_runs_in_batches_with_progress(ct_small):
    hu, _ = ct_small
    vol = np.stack([hu, hu[::-1], hu[:, ::-1]])
    calls: list[tuple[int, int]] = []
    enh = Enhancer.from_generator(
        _random_generator(), {"model_id": "t", "modality": ["CT"]}, device="cpu", batch_size=2
    )
    res = enh.run(vol, progress=lambda d, t: calls.append((d, t)))
    assert res.pixels.shape == vol.shape
    assert calls == [(0, 3), (2, 3), (3, 3)]
    one = enh.run(vol[1]).pixels
    np.testing.assert_allclose(res.pixels[1], one, atol=1e-3)


@pytest.mark.parametrize(
    ("modality", "is_hu", "match"),
    [("MR", True, "this image is MR"), ("CR", True, "CR"), ("CT", False, "Hounsfield")],
)
def test_modality_mismatch_is_refused(ct_small, modality, is_hu, match):
    hu, _ = ct_small
    enh = Enhancer.from_generator(
        _random_generator(), {"model_id": "t", "modality": ["CT"]}, device="cpu"
    )
    with pytest.raises(ModalityMismatchError, match=match):
        enh.run(hu, modality=modality, is_hu=is_hu)
    res = enh.run(hu, modality=modality, is_hu=is_hu, allow_mismatch=True)
    assert res.warnings and match.split()[-1] in res.warnings[0]


def test_implausible_hu_is_refused():
    enh = Enhancer.from_generator(
        _random_generator(), {"model_id": "t", "modality": ["CT"]}, device="cpu"
    )
    with pytest.raises(ModalityMismatchError, match="not plausible"):
        enh.run(np.full((32, 32), 40000.0, dtype=np.float32), modality=Modality.CT)


def test_padding_outside_the_field_of_view_is_kept_and_the_rest_enhanced():
    """Real CT pads outside the reconstruction circle with -3024 HU (the bundled CQ500 head slice)."""
    from medgen.imaging import load_scan
    from medgen.imaging.samples import sample_path

    path = sample_path("693_UNCR.dcm")
    scan = load_scan(path.read_bytes(), path.name)
    padding = scan.pixels <= -2000
    assert padding.any(), "the sample slice is expected to have padding outside the field of view"
    enh = Enhancer.from_generator(
        _random_generator(), {"model_id": "t", "modality": ["CT"]}, device="cpu"
    )
    res = enh.run(scan.pixels, modality=scan.modality, is_hu=scan.is_hu)
    np.testing.assert_array_equal(res.pixels[padding], scan.pixels[padding])
    assert np.abs(res.pixels[~padding] - scan.pixels[~padding]).max() > 0


def test_medgen_device_setting_is_used(monkeypatch, weights):
    from medgen import config

    monkeypatch.setenv("MEDGEN_DEVICE", "cpu")
    config.get_settings.cache_clear()
    try:
        assert Enhancer("tiny-v1", weights_dir=weights).device.type == "cpu"
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        monkeypatch.setenv("MEDGEN_DEVICE", "cuda")
        config.get_settings.cache_clear()
        with pytest.raises(ModelError, match="MEDGEN_DEVICE"):
            Enhancer("tiny-v1", weights_dir=weights)
    finally:
        config.get_settings.cache_clear()
