"""The shipped SMILES VAE (weights/smiles-vae-v3.*, v2 and v1 still installed): loading, sampling, exploring, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from medgen.config import get_settings
from medgen.errors import InvalidSmilesError, ModelError, ModelIntegrityError, SampleLimitError
from medgen.molecules.chem import canonical_smiles, tanimoto_to
from medgen.molecules.data import load_split
from medgen.molecules.generator import (
    DEFAULT_MODEL_ID,
    MAX_LAB_N,
    MODEL_IDS,
    OUTPUT_KIND,
    MoleculeGenerator,
    installed_models,
    load_card,
    load_generator,
)

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
CAFFEINE = "Cn1c(=O)c2c(ncn2C)n(C)c1=O"


@pytest.fixture(scope="module")
def gen() -> MoleculeGenerator:
    return load_generator(DEFAULT_MODEL_ID, device="cpu")


def test_card_describes_the_shipped_model() -> None:
    card = load_card()
    assert card["task"] == "smiles-generation" and card["output_kind"] == OUTPUT_KIND
    assert "MIT" in card["data_source"]["licence"]
    assert card["training"]["train_molecules"] > 10_000
    size = (get_settings().weights_dir / card["weights_file"]).stat().st_size
    assert size == card["size_bytes"] < 50 * 2**20


def test_sample_is_reproducible_and_canonical(gen: MoleculeGenerator) -> None:
    a = gen.sample(50, temperature=1.0, seed=7)
    b = gen.sample(50, temperature=1.0, seed=7)
    assert a.smiles == b.smiles and a.kind == "molecule_set" and a.mode == "sample"
    assert a.params == {"n": 50, "temperature": 1.0, "seed": 7}
    assert a.n_generated == 50 and 0 < a.n_valid <= 50
    assert len(set(a.smiles)) == len(a.smiles) <= a.n_valid
    for s in a.smiles:
        assert canonical_smiles(s) == s
    assert a.validity > 0.5  # a trained model, not noise


def test_neighbourhood_and_interpolation(gen: MoleculeGenerator) -> None:
    near = gen.neighbourhood(CAFFEINE, n=30, radius=0.3, temperature=0.5, seed=1)
    assert near.params["centre"] == canonical_smiles(CAFFEINE) and near.n_generated == 30
    assert len(near.molecules) >= 1
    line = gen.interpolate(ASPIRIN, CAFFEINE, steps=6)
    assert line.mode == "interpolate" and line.n_generated == 6
    assert 1 <= len(line.molecules) <= 6


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda g: g.sample(MAX_LAB_N + 1), SampleLimitError),
        (lambda g: g.sample(0), SampleLimitError),
        (lambda g: g.sample(5, temperature=9.0), SampleLimitError),
        (lambda g: g.neighbourhood("C1CC", n=5), InvalidSmilesError),
        (lambda g: g.neighbourhood("[Na+].[Cl-]", n=5), InvalidSmilesError),  # tokens it never saw
        (lambda g: g.neighbourhood(ASPIRIN, n=5, radius=-1), SampleLimitError),
        (lambda g: g.interpolate(ASPIRIN, CAFFEINE, steps=1), SampleLimitError),
    ],
)
def test_bad_input_raises_typed_errors(gen: MoleculeGenerator, call, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        call(gen)


def test_corrupt_or_missing_weights_are_refused(tmp_path: Path) -> None:
    src = get_settings().weights_dir
    card = load_card()
    shutil.copy(src / f"{DEFAULT_MODEL_ID}.json", tmp_path)
    data = bytearray((src / card["weights_file"]).read_bytes())
    data[-1] ^= 0xFF
    (tmp_path / card["weights_file"]).write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError):
        load_generator(DEFAULT_MODEL_ID, root=tmp_path)
    (tmp_path / card["weights_file"]).unlink()
    with pytest.raises(ModelError, match="missing"):
        load_generator(DEFAULT_MODEL_ID, root=tmp_path)
    with pytest.raises(ModelError, match="not installed"):
        load_generator("no-such-model", root=tmp_path)
    (tmp_path / "broken.json").write_text(json.dumps({"task": "ldct-denoising"}))
    with pytest.raises(ModelError):
        load_card("broken", root=tmp_path)


def test_v3_is_the_default_and_v2_v1_stay_installed() -> None:
    assert DEFAULT_MODEL_ID == "smiles-vae-v3" == MODEL_IDS[0]
    assert installed_models() == ["smiles-vae-v3", "smiles-vae-v2", "smiles-vae-v1"]
    card = load_card()
    assert card["smiles_form"] == "kekule" and card["sampling"]["mask"] == "valence"
    v2 = load_generator("smiles-vae-v2", device="cpu")
    assert v2.mask_kind == "syntax" and v2.smiles_form == "canonical"  # v2 decodes as it shipped
    v1 = load_generator("smiles-vae-v1", device="cpu")
    assert v1.default_temperature == 1.0  # v1's card names no sampling temperature
    assert load_card("smiles-vae-v1")["sha256"] != load_card()["sha256"]  # ratings per version


def test_default_temperature_is_the_cards(gen: MoleculeGenerator) -> None:
    t = load_card()["sampling"]["temperature"]
    assert 0 < t < 1 and gen.default_temperature == t
    s = gen.sample(20, seed=3)
    assert s.params["temperature"] == t
    assert s.smiles == gen.sample(20, temperature=t, seed=3).smiles
    near = gen.neighbourhood(CAFFEINE, n=5, seed=3)
    assert near.params["temperature"] == t


def test_latent_neighbourhood_stays_near_the_molecule(gen: MoleculeGenerator) -> None:
    """Explore is only useful when nearby latent points decode to similar molecules: held-out
    MOSES test molecules' neighbourhoods must be far more similar to them than prior samples
    are (a collapsed model, like v1, gives the same similarity for both)."""
    test = load_split("test", limit=40)
    near_sims, prior_sims = [], []
    prior = gen.sample(8 * 15, seed=5)
    for i, s in enumerate(test[-8:]):
        near = gen.neighbourhood(s, n=15, radius=0.25, seed=i)
        near_sims += tanimoto_to(s, list(near.smiles))
        prior_sims += tanimoto_to(s, list(prior.smiles))
    assert near_sims and prior_sims
    assert sum(near_sims) / len(near_sims) > sum(prior_sims) / len(prior_sims) + 0.1
    # Greedy decodes of the posterior mean give some of the 40 test molecules back (v1: none;
    # v2: 2 or more; v3, with a smaller KL floor, 1).
    rec = gen.decode_latents(torch.stack([gen.encode(s) for s in test]), temperature=0.0)
    assert sum(canonical_smiles(r) == canonical_smiles(s) for r, s in zip(rec, test, strict=True) if r) >= 1
