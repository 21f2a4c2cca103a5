"""Choose the SMILES VAE's sampling temperature: ``python -m bench.molecules_temperature``.

For each temperature, ``--n`` prior samples (z ~ N(0, I), seed ``--seed``) of a checkpoint
(``--checkpoint runs/.../last.pt``) or a shipped model (``--model``): validity, uniqueness,
novelty against the MOSES train split and FCD against a cached 10,000-molecule reference
(``--fcd-cache``): with ``--reference holdout`` (the default) MOSES *train* molecules outside the
model's training subset (medgen.molecules.data.train_holdout, with the training config's
train_size and seed), so the temperature is chosen on validation data and the MOSES test split
stays for the benchmark; ``--reference test`` is the test-split reference of bench.molecules (how
v2's temperature was chosen). With a few thousand samples the FCD is biased upwards against the
30,000-sample benchmark figure; it serves to compare temperatures. ``--mask`` sets the decoding
mask (default: the card's; ``on``/``off`` are the older names of ``syntax``/``none``).
Writes bench/results/molecules_temperature_<name>.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import torch

from medgen.molecules import metrics as M
from medgen.molecules.data import DATA_DIR, load_split, train_holdout
from medgen.molecules.generator import MoleculeGenerator, load_card, load_generator
from medgen.molecules.grammar import MASKS, make_mask
from medgen.molecules.model import SmilesVAE, VAEConfig
from medgen.molecules.tokenizer import Vocabulary

log = logging.getLogger("bench.molecules_temperature")
RESULTS = Path(__file__).resolve().parent / "results"


def from_checkpoint(path: Path) -> MoleculeGenerator:
    ck = torch.load(path, map_location="cpu", weights_only=False)
    model = SmilesVAE(VAEConfig(**ck["model_args"]))
    model.load_state_dict(ck["model"])
    form = (ck.get("config") or {}).get("smiles_form", "canonical")
    return MoleculeGenerator(model, Vocabulary(tuple(ck["vocab"])), f"{path} step {ck['step']}",
                             {"smiles_form": form})


def sweep(gen: MoleculeGenerator, temperatures: list[float], n: int, seed: int,
          train: set[str], fcd_ref: dict[str, Any] | None) -> list[dict[str, float]]:
    rows = []
    for t in temperatures:
        t0 = time.perf_counter()
        raw = gen.sample_smiles(n, t, seed)
        canon = M.canonical_valid(raw)
        row = {"temperature": t, "valid": M.fraction_valid(raw),
               "unique": M.fraction_unique(canon), "novelty": M.novelty(canon, train)}
        if fcd_ref is not None:
            row["FCD"] = M.fcd(M.fcd_stats(canon), fcd_ref)
        row["s"] = round(time.perf_counter() - t0, 1)
        log.info("%s", row)
        rows.append(row)
    return rows


def training_config(args: argparse.Namespace) -> dict[str, Any]:
    """The training config (train_size, seed) of the checkpoint or shipped model."""
    if args.checkpoint:
        ck = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
        return dict(ck["config"])
    return dict(load_card(args.model)["training"]["config"])


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", type=Path)
    src.add_argument("--model")
    ap.add_argument("--temperatures", type=float, nargs="+", default=[1.0, 0.7, 0.5, 0.3, 0.0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fcd-cache", type=Path, default=None, help="folder of the cached FCD reference")
    ap.add_argument("--no-fcd", action="store_true")
    ap.add_argument("--mask", "--grammar", dest="mask", default="card",
                    choices=("card", "on", "off", *MASKS),
                    help="decoding mask (default: as the card says; on = syntax, off = none)")
    ap.add_argument("--no-budget", action="store_true", help="valence mask without its length budget")
    ap.add_argument("--reference", choices=("holdout", "test"), default="holdout",
                    help="FCD reference: train-split holdout (validation) or the MOSES test split")
    ap.add_argument("--holdout-train-size", type=int, default=None,
                    help="take the holdout outside a training subset of this size (default: the "
                         "model's own train_size); lets two models share one validation reference")
    ap.add_argument("--data", default=str(DATA_DIR))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(1)
    gen = from_checkpoint(args.checkpoint) if args.checkpoint else load_generator(args.model, device="cpu")
    if args.mask != "card":
        kind = {"on": "syntax", "off": "none"}.get(args.mask, args.mask)
        gen.grammar, gen.mask_kind = make_mask(kind, gen.vocab, max_tokens=gen.model.cfg.max_len - 1), kind
        gen.length_budget = kind == "valence"
    if args.no_budget:
        gen.grammar = make_mask(gen.mask_kind, gen.vocab, max_tokens=None)
        gen.length_budget = False
    train_list = load_split("train", Path(args.data))
    train = set(train_list)
    ref, ref_label = None, ""
    if not args.no_fcd and args.reference == "test":
        ref = M.fcd_reference_stats("test", 10_000, 0, Path(args.data), args.fcd_cache)[0]
        ref_label = "MOSES test split, seeded 10,000"
    elif not args.no_fcd:
        tc = training_config(args)
        if args.holdout_train_size:
            tc["train_size"] = args.holdout_train_size
        hold = train_holdout(train_list, int(tc["train_size"]), int(tc["seed"]), 10_000)
        ref = M.cached_fcd_stats(hold, f"holdout_{tc['train_size']}_{tc['seed']}_10000",
                                 Path(args.fcd_cache or args.data))
        ref_label = (f"10,000 MOSES train molecules outside the {tc['train_size']:,}-molecule "
                     f"training subset (seed {tc['seed']}; data.train_holdout)")
    del train_list
    rows = sweep(gen, args.temperatures, args.n, args.seed, train, ref)
    name = args.model or args.checkpoint.parent.name
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"source": gen.model_id, "n": args.n, "seed": args.seed, "mask": gen.mask_kind,
           "length_budget": gen.length_budget,
           "fcd_reference": ref_label, "command": "python -m bench.molecules_temperature "
           + " ".join(argv if argv is not None else sys.argv[1:]), "rows": rows}
    name += "" if gen.mask_kind == "none" else f"_{gen.mask_kind}"
    name += "_nobudget" if gen.mask_kind == "valence" and not gen.length_budget else ""
    name += f"_{args.reference}" if ref is not None else ""
    (RESULTS / f"molecules_temperature_{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    cols = [c for c in ("temperature", "valid", "unique", "novelty", "FCD") if c in rows[0]]
    print("| " + " | ".join(cols) + " |\n|" + "---:|" * len(cols))  # noqa: T201
    for r in rows:
        print("| " + " | ".join(f"{r[c]:.3g}" if c == "temperature" else f"{r[c]:.3f}" for c in cols) + " |")  # noqa: T201
    return rows


if __name__ == "__main__":
    main()
