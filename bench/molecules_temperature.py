"""Choose the SMILES VAE's sampling temperature: ``python -m bench.molecules_temperature``.

For each temperature, ``--n`` prior samples (z ~ N(0, I), seed ``--seed``) of a checkpoint
(``--checkpoint runs/.../last.pt``) or a shipped model (``--model``): validity, uniqueness,
novelty against the MOSES train split and FCD/Test against the cached 10,000-molecule reference
statistics of bench.molecules (``--fcd-cache``). With a few thousand samples the FCD is biased
upwards against the 30,000-sample benchmark figure; it serves to compare temperatures.
Writes bench/results/molecules_temperature_<name>.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import torch

from medgen.molecules import metrics as M
from medgen.molecules.data import DATA_DIR, load_split
from medgen.molecules.generator import MoleculeGenerator, load_generator
from medgen.molecules.grammar import SmilesGrammar
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
            row["FCD/Test"] = M.fcd(M.fcd_stats(canon), fcd_ref)
        row["s"] = round(time.perf_counter() - t0, 1)
        log.info("%s", row)
        rows.append(row)
    return rows


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
    ap.add_argument("--grammar", choices=("card", "on", "off"), default="card",
                    help="SMILES syntax mask while decoding (default: as the card says)")
    ap.add_argument("--data", default=str(DATA_DIR))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(1)
    gen = from_checkpoint(args.checkpoint) if args.checkpoint else load_generator(args.model, device="cpu")
    if args.grammar != "card":
        gen.grammar = SmilesGrammar(gen.vocab) if args.grammar == "on" else None
    train = set(load_split("train", Path(args.data)))
    ref = None if args.no_fcd else M.fcd_reference_stats("test", 10_000, 0, Path(args.data),
                                                           args.fcd_cache)[0]
    rows = sweep(gen, args.temperatures, args.n, args.seed, train, ref)
    name = args.model or args.checkpoint.parent.name
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"source": gen.model_id, "n": args.n, "seed": args.seed, "grammar": gen.grammar is not None,
           "rows": rows}
    name += "_grammar" if gen.grammar is not None else ""
    (RESULTS / f"molecules_temperature_{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    cols = [c for c in ("temperature", "valid", "unique", "novelty", "FCD/Test") if c in rows[0]]
    print("| " + " | ".join(cols) + " |\n|" + "---:|" * len(cols))  # noqa: T201
    for r in rows:
        print("| " + " | ".join(f"{r[c]:.3g}" if c == "temperature" else f"{r[c]:.3f}" for c in cols) + " |")  # noqa: T201
    return rows


if __name__ == "__main__":
    main()
