"""Shipped SMILES VAE: load (sha256-checked), sample, explore a latent neighbourhood, interpolate.

Weights live in ``weights/<model_id>.safetensors`` with a JSON model card ``weights/<model_id>.json``
(architecture args, vocabulary, data source and licence, training config, benchmark). The card
records the sha256 of the weights file; :func:`load_generator` refuses a file that does not match.

Every call returns a frozen :class:`MoleculeSet` (output kind ``molecule_set``): the model id and
version, the parameters, and the valid, de-duplicated canonical SMILES with their RDKit
properties, in generation order.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from medgen.errors import InvalidSmilesError, SampleLimitError
from medgen.molecules.chem import (
    MoleculeProperties,
    canonical_smiles,
    kekule_smiles,
    parse_smiles,
    score_smiles,
)
from medgen.molecules.grammar import DecodingMask, make_mask
from medgen.molecules.model import SmilesVAE, VAEConfig
from medgen.molecules.tokenizer import Vocabulary
from medgen.weights import card_path, export_model, load_verified, read_card, weights_dir

log = logging.getLogger(__name__)

DEFAULT_MODEL_ID = "smiles-vae-v3"
#: Shipped molecule models, newest first (the lab offers each; ratings are per model version).
MODEL_IDS = ("smiles-vae-v3", "smiles-vae-v2", "smiles-vae-v1")
#: Sampling temperature when a card names none (v1's cards predate ``sampling``).
FALLBACK_TEMPERATURE = 1.0
#: Output kind under which the app stores generated sets.
OUTPUT_KIND = "molecule_set"
#: Most molecules one lab call may generate (the page's limit; the CLI has its own).
MAX_LAB_N = 1000
#: Temperatures accepted (0 = greedy decoding).
TEMPERATURE_RANGE = (0.0, 2.0)
#: Latent-neighbourhood radii accepted (in units of the prior's standard deviation).
RADIUS_RANGE = (0.0, 3.0)
MAX_INTERPOLATION_STEPS = 50


@dataclass(frozen=True)
class MoleculeSet:
    """A generated set of molecules (output kind ``molecule_set``)."""

    model_id: str
    mode: str  # "sample" | "neighbourhood" | "interpolate"
    params: dict[str, Any]  # everything needed to reproduce the call (n, temperature, seed, ...)
    molecules: tuple[MoleculeProperties, ...]  # valid, distinct, in generation order
    n_generated: int  # strings decoded (valid or not)
    n_valid: int  # of which RDKit parsed (before de-duplication)
    ms: float  # wall time of generation + scoring
    kind: str = field(default=OUTPUT_KIND)

    @property
    def smiles(self) -> tuple[str, ...]:
        return tuple(m.smiles for m in self.molecules)

    @property
    def validity(self) -> float:
        return self.n_valid / self.n_generated if self.n_generated else 0.0


def _check_n(n: int, limit: int) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise SampleLimitError(f"The number of molecules must be a whole number, got {n!r}.")
    if n < 1:
        raise SampleLimitError("Ask for at least one molecule.")
    if n > limit:
        raise SampleLimitError(f"At most {limit} molecules can be generated at once; you asked for {n}.")
    return n


def _check_range(value: float, lo: float, hi: float, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise SampleLimitError(f"The {what} must be a number, got {value!r}.") from exc
    if not lo <= v <= hi:
        raise SampleLimitError(f"The {what} must be between {lo:g} and {hi:g}; got {v:g}.")
    return v


class MoleculeGenerator:
    """A loaded SMILES VAE in eval mode on one device (load once per process)."""

    def __init__(self, model: SmilesVAE, vocab: Vocabulary, model_id: str,
                 card: dict[str, Any] | None = None) -> None:
        self.model = model.eval()
        self.vocab = vocab
        self.model_id = model_id
        self.card = card or {}
        self.device = next(model.parameters()).device
        sampling = self.card.get("sampling") or {}
        #: Decoding mask named by the card: ``sampling.mask`` ("none" | "syntax" | "valence");
        #: v2's card says ``sampling.grammar`` true (= "syntax"); v1's names none.
        self.mask_kind = str(sampling.get("mask") or ("syntax" if sampling.get("grammar") else "none"))
        #: The valence mask's length budget (``sampling.length_budget``, default on).
        self.length_budget = bool(sampling.get("length_budget", True))
        budget = model.cfg.max_len - 1 if self.length_budget else None
        self.grammar: DecodingMask | None = make_mask(self.mask_kind, vocab, max_tokens=budget)
        #: SMILES form the model reads and writes ("canonical" aromatic, or "kekule").
        self.smiles_form = str(self.card.get("smiles_form", "canonical"))

    @property
    def default_temperature(self) -> float:
        """The card's documented sampling temperature (``sampling.temperature``), else 1.0."""
        sampling = self.card.get("sampling") or {}
        return float(sampling.get("temperature", FALLBACK_TEMPERATURE))

    # --- raw strings ---------------------------------------------------------------------------
    @torch.no_grad()
    def decode_latents(self, z: torch.Tensor, temperature: float = 1.0,
                       generator: torch.Generator | None = None, batch: int = 1000) -> list[str]:
        """Decode latent vectors ``(N, latent)`` into SMILES strings (possibly invalid)."""
        out: list[str] = []
        for i in range(0, z.shape[0], batch):
            ids = self.model.generate(z[i : i + batch].to(self.device), temperature=temperature,
                                      generator=generator, grammar=self.grammar)
            out += [self.vocab.decode(row) for row in ids.cpu().tolist()]
        return out

    def sample_smiles(self, n: int, temperature: float = 1.0, seed: int | None = None) -> list[str]:
        """``n`` strings decoded from z ~ N(0, I) (no validity filtering, no limit on ``n``)."""
        g = torch.Generator(device=self.device)
        g.manual_seed(int(seed) if seed is not None else int(torch.seed() % (2**31)))
        out: list[str] = []
        for i in range(0, n, 1000):
            k = min(1000, n - i)
            z = torch.randn(k, self.model.cfg.latent, generator=g, device=self.device)
            out += self.decode_latents(z, temperature, g)
        return out

    @torch.no_grad()
    def encode(self, smiles: str) -> torch.Tensor:
        """Posterior mean ``(latent,)`` of a molecule (its canonical SMILES is encoded)."""
        mol = parse_smiles(smiles)
        canon = (kekule_smiles(mol) if self.smiles_form == "kekule" else canonical_smiles(mol)) or ""
        unknown = self.vocab.unknown_tokens(canon)
        if unknown:
            raise InvalidSmilesError(
                f"The model cannot read {', '.join(sorted(set(unknown)))} in this molecule "
                "(it was trained on MOSES drug-like molecules: C N O S F Cl Br, no charges)."
            )
        ids = torch.tensor([self.vocab.encode(canon)], device=self.device)
        if ids.shape[1] > self.model.cfg.max_len:
            raise InvalidSmilesError(
                f"This molecule is too large for the model ({ids.shape[1] - 2} tokens; at most "
                f"{self.model.cfg.max_len - 2})."
            )
        mu, _ = self.model.encode(ids, torch.tensor([ids.shape[1]]))
        return mu[0]

    # --- lab calls ----------------------------------------------------------------------------
    def _score(self, raw: list[str], mode: str, params: dict[str, Any], t0: float) -> MoleculeSet:
        mols, n_valid = score_smiles(raw)
        return MoleculeSet(
            model_id=self.model_id, mode=mode, params=params, molecules=tuple(mols),
            n_generated=len(raw), n_valid=n_valid, ms=(time.perf_counter() - t0) * 1000,
        )

    def sample(self, n: int, temperature: float | None = None, seed: int | None = None,
               limit: int = MAX_LAB_N) -> MoleculeSet:
        """Decode ``n`` prior samples and score the valid, distinct ones (``temperature`` None:
        the card's default)."""
        t0 = time.perf_counter()
        _check_n(n, limit)
        if temperature is None:
            temperature = self.default_temperature
        temperature = _check_range(temperature, *TEMPERATURE_RANGE, "temperature")
        seed = int(seed) if seed is not None else int(torch.seed() % (2**31))
        raw = self.sample_smiles(n, temperature, seed)
        params = {"n": n, "temperature": temperature, "seed": seed}
        return self._score(raw, "sample", params, t0)

    def neighbourhood(self, smiles: str, n: int, radius: float = 0.5,
                      temperature: float | None = None, seed: int | None = None,
                      limit: int = MAX_LAB_N) -> MoleculeSet:
        """Decode ``n`` points z = mu(smiles) + radius * N(0, I) around a molecule
        (``temperature`` None: the card's default)."""
        t0 = time.perf_counter()
        _check_n(n, limit)
        radius = _check_range(radius, *RADIUS_RANGE, "radius")
        if temperature is None:
            temperature = self.default_temperature
        temperature = _check_range(temperature, *TEMPERATURE_RANGE, "temperature")
        seed = int(seed) if seed is not None else int(torch.seed() % (2**31))
        mu = self.encode(smiles)
        g = torch.Generator(device=self.device).manual_seed(seed)
        z = mu.unsqueeze(0) + radius * torch.randn(n, mu.shape[0], generator=g, device=self.device)
        raw = self.decode_latents(z, temperature, g)
        params = {"n": n, "radius": radius, "temperature": temperature, "seed": seed,
                  "centre": canonical_smiles(smiles)}
        return self._score(raw, "neighbourhood", params, t0)

    def interpolate(self, smiles_a: str, smiles_b: str, steps: int = 10) -> MoleculeSet:
        """Greedy decodes of ``steps`` points on the line between two molecules' latent means
        (both ends included; the set keeps the first occurrence of each distinct molecule)."""
        t0 = time.perf_counter()
        if not isinstance(steps, int) or not 2 <= steps <= MAX_INTERPOLATION_STEPS:
            raise SampleLimitError(
                f"Interpolation needs between 2 and {MAX_INTERPOLATION_STEPS} steps; got {steps!r}."
            )
        za, zb = self.encode(smiles_a), self.encode(smiles_b)
        w = torch.linspace(0, 1, steps, device=self.device).unsqueeze(1)
        z = (1 - w) * za.unsqueeze(0) + w * zb.unsqueeze(0)
        raw = self.decode_latents(z, temperature=0.0)
        params = {"a": canonical_smiles(smiles_a), "b": canonical_smiles(smiles_b), "steps": steps}
        return self._score(raw, "interpolate", params, t0)


# --- shipped weights ---------------------------------------------------------------------------

def installed_models(root: Path | None = None) -> list[str]:
    """The ids of :data:`MODEL_IDS` whose card is in the weights folder (newest first)."""
    return [m for m in MODEL_IDS if card_path(m, root).is_file()]


def load_card(model_id: str = DEFAULT_MODEL_ID, root: Path | None = None) -> dict[str, Any]:
    return read_card(
        model_id, root, label="Molecule model", task="smiles-generation",
        required=("model_id", "architecture", "vocabulary", "sha256", "weights_file"),
    )


def load_generator(model_id: str = DEFAULT_MODEL_ID, root: Path | None = None,
                   device: str | None = None) -> MoleculeGenerator:
    """Load shipped weights after checking their sha256 against the card."""
    from medgen.enhance.infer import select_device

    card = load_card(model_id, root)
    state = load_verified(card, root)
    dev = select_device(device)
    model = SmilesVAE(VAEConfig(**card["architecture"]["args"]))
    model.load_state_dict(state)
    model.to(dev)
    return MoleculeGenerator(model, Vocabulary(tuple(card["vocabulary"])), model_id, card)


def export(checkpoint: Path, model_id: str, card_fields: dict[str, Any],
           root: Path | None = None) -> dict[str, Any]:
    """Write a training checkpoint's model as safetensors + card (sha256, vocabulary, config)."""
    base = root or weights_dir()
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    card: dict[str, Any] = {
        "model_id": model_id,
        "task": "smiles-generation",
        "output_kind": OUTPUT_KIND,
        "architecture": {"class": "medgen.molecules.model.SmilesVAE", "args": ck["model_args"],
                         "parameters": sum(int(v.numel()) for v in ck["model"].values())},
        "vocabulary": list(ck["vocab"]),
        "smiles_form": (ck.get("config") or {}).get("smiles_form", "canonical"),
        "training": {
            "config": ck.get("config"),
            "steps": int(ck.get("step", 0)),
            "training_time_s": round(float(ck.get("elapsed_s", 0.0)), 1),
            "train_molecules": ck.get("train_molecules"),
            "validation_at_export": ck.get("val"),
        },
    }
    merged = export_model(ck["model"], model_id, card, card_fields, keep=("benchmark",), root=base)
    log.info("exported %s (%s)", model_id, merged["sha256"][:12])
    return merged


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Export the SMILES VAE weights and model card.")
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--model-id", default=DEFAULT_MODEL_ID)
    ap.add_argument("--fields", type=Path, required=True, help="JSON with the descriptive card fields")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    export(args.checkpoint, args.model_id, json.loads(args.fields.read_text()))


if __name__ == "__main__":
    main()
